//! [`ChannelWriter`]: ordered, pipelined appends that ride out the server's rate limit.
//!
//! The writer numbers its entries itself (first sequence, then + step) and sends them over one
//! pipelined HTTP/1.1 connection, so the server applies them in the writer's order while several
//! are in flight. The server limits appends per process (a burst of 500, then 100 per second)
//! and answers past it with `rate limit exceeded`; the writer keeps an estimate of that budget,
//! pipelines only while the estimate leaves a safety margin, sends one entry at a time near the
//! limit, and retries rate-limited entries itself, so a long stream runs at the server's pace
//! and the caller sees no rate-limit error.
//!
//! The estimate assumes this writer makes most of the process's appends. If the other party
//! appends heavily at the same time, a rate-limited entry could be overtaken by a later one
//! already in flight; [`WriterStats::reordered`] counts such entries (0 in every test).

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http1::{self, Replies, Requests};
use crate::messages::ChannelAppend;
use crate::model::NewEntry;
use crate::rpc;

/// The server's per-process append budget: burst size and refill per second.
const BURST: f64 = 500.0;
const REFILL_PER_SECOND: f64 = 100.0;
/// Budget kept in reserve for the other party before the writer stops pipelining.
const MARGIN: f64 = 50.0;
/// How long a rate-limited entry waits before it is sent again (a refill takes 10 ms).
const RETRY_PAUSE: Duration = Duration::from_millis(12);

/// Options for [`Client::channel_writer_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// The sequence of the first entry.
    pub first_sequence: i64,
    /// What is added to the sequence for each next entry (e.g. 2 for odd/even chat numbering).
    pub step: i64,
    /// The most appends in flight at once.
    pub max_in_flight: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            first_sequence: 1,
            step: 1,
            max_in_flight: 16,
        }
    }
}

/// What a writer did, when it is finished.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Entries the server accepted.
    pub written: u64,
    /// Appends that were rate-limited and sent again.
    pub retried: u64,
    /// Entries that a later entry overtook (see the module docs).
    pub reordered: u64,
}

/// Appends entries to one channel, in order, several in flight. Made by
/// [`Client::channel_writer`].
pub struct ChannelWriter {
    queue: Option<mpsc::Sender<NewEntry>>,
    outcome: Option<oneshot::Receiver<Result<WriterStats>>>,
    next_sequence: i64,
    step: i64,
}

impl std::fmt::Debug for ChannelWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelWriter")
            .field("next_sequence", &self.next_sequence)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A writer for `channel` of `processid`, numbering entries 1, 2, 3, ...
    pub async fn channel_writer(&self, processid: &str, channel: &str) -> Result<ChannelWriter> {
        self.channel_writer_with(processid, channel, WriterOptions::default())
            .await
    }

    /// A writer with `options`. Opens its connection now.
    pub async fn channel_writer_with(
        &self,
        processid: &str,
        channel: &str,
        options: WriterOptions,
    ) -> Result<ChannelWriter> {
        self.signing_key()?;
        if options.max_in_flight == 0 || options.step == 0 {
            return Err(Error::invalid_argument(
                "max_in_flight and step must not be zero",
            ));
        }
        let (requests, replies) = http1::open(self.settings()).await?;
        let (queue, entries) = mpsc::channel(options.max_in_flight);
        let (done, outcome) = oneshot::channel();
        let task = WriterTask {
            client: self.clone(),
            processid: processid.to_string(),
            channel: channel.to_string(),
            max_in_flight: options.max_in_flight,
            budget: Budget::full(),
            stats: WriterStats::default(),
        };
        tokio::spawn(async move {
            let result = task.run(entries, requests, replies).await;
            let _ = done.send(result);
        });
        Ok(ChannelWriter {
            queue: Some(queue),
            outcome: Some(outcome),
            next_sequence: options.first_sequence,
            step: options.step,
        })
    }
}

impl ChannelWriter {
    /// Queues a `data` entry and returns its sequence. Waits only while the writer is full.
    pub async fn send(&mut self, payload: impl Into<Vec<u8>>) -> Result<i64> {
        let sequence = self.next_sequence;
        self.queue(NewEntry::data(sequence, payload)).await
    }

    /// Queues a `data` entry answering the other party's entry `inreplyto`.
    pub async fn reply(&mut self, inreplyto: i64, payload: impl Into<Vec<u8>>) -> Result<i64> {
        let sequence = self.next_sequence;
        self.queue(NewEntry::data(sequence, payload).in_reply_to(inreplyto))
            .await
    }

    /// Sends `end`, waits until every entry is written, and reports what was done.
    pub async fn end(mut self) -> Result<WriterStats> {
        let sequence = self.next_sequence;
        self.queue(NewEntry::end(sequence)).await?;
        self.finish().await
    }

    /// Sends an `error` entry with `message`, waits until every entry is written.
    pub async fn error(mut self, message: impl Into<Vec<u8>>) -> Result<WriterStats> {
        let sequence = self.next_sequence;
        self.queue(NewEntry::error(sequence, message)).await?;
        self.finish().await
    }

    /// Waits until every queued entry is written (without sending `end`).
    pub async fn finish(mut self) -> Result<WriterStats> {
        self.queue = None;
        self.outcome().await
    }

    async fn queue(&mut self, entry: NewEntry) -> Result<i64> {
        entry.check_size()?;
        let sequence = entry.sequence;
        let sent = match &self.queue {
            Some(queue) => queue.send(entry).await.is_ok(),
            None => false,
        };
        if !sent {
            // The writer stopped: its outcome says why.
            self.queue = None;
            return Err(match self.outcome().await {
                Err(error) => error,
                Ok(_) => Error::invalid_argument("the writer is finished"),
            });
        }
        self.next_sequence += self.step;
        Ok(sequence)
    }

    async fn outcome(&mut self) -> Result<WriterStats> {
        match self.outcome.take() {
            Some(outcome) => outcome
                .await
                .unwrap_or_else(|_| Err(Error::connection("the writer stopped unexpectedly"))),
            None => Err(Error::invalid_argument("the writer is finished")),
        }
    }
}

/// The estimate of the server's append budget for the process (a token bucket).
struct Budget {
    tokens: f64,
    updated: Instant,
}

impl Budget {
    fn full() -> Budget {
        Budget {
            tokens: BURST,
            updated: Instant::now(),
        }
    }

    fn refill(&mut self) -> f64 {
        let now = Instant::now();
        let refill = now.duration_since(self.updated).as_secs_f64() * REFILL_PER_SECOND;
        self.tokens = (self.tokens + refill).min(BURST);
        self.updated = now;
        self.tokens
    }

    /// How many appends may be in flight now.
    fn window(&mut self, max_in_flight: usize) -> usize {
        if self.refill() >= MARGIN + max_in_flight as f64 {
            max_in_flight
        } else {
            1
        }
    }

    /// Waits until the estimate holds at least one append.
    async fn wait_for_token(&mut self) {
        let missing = 1.0 - self.refill();
        if missing > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(missing / REFILL_PER_SECOND)).await;
        }
    }

    fn spend(&mut self) {
        self.refill();
        self.tokens -= 1.0;
    }

    fn exhausted(&mut self) {
        self.tokens = 0.0;
        self.updated = Instant::now();
    }
}

/// The background task that owns the connection.
struct WriterTask {
    client: Client,
    processid: String,
    channel: String,
    max_in_flight: usize,
    budget: Budget,
    stats: WriterStats,
}

/// An appended entry waiting for the server's answer.
struct InFlight {
    entry: NewEntry,
}

impl WriterTask {
    async fn run(
        mut self,
        mut entries: mpsc::Receiver<NewEntry>,
        mut requests: Requests,
        replies: Replies,
    ) -> Result<WriterStats> {
        let (answers, mut answered) = mpsc::channel(self.max_in_flight);
        let reader = tokio::spawn(read_replies(replies, answers));
        let mut in_flight: VecDeque<InFlight> = VecDeque::new();
        let mut closed = false;
        let result = loop {
            let window = self.budget.window(self.max_in_flight);
            let room = in_flight.len() < window;
            tokio::select! {
                entry = entries.recv(), if room && !closed => match entry {
                    Some(entry) => {
                        if let Err(error) = self.send(&mut requests, &entry).await {
                            break Err(error);
                        }
                        in_flight.push_back(InFlight { entry });
                    }
                    None => closed = true,
                },
                answer = answered.recv(), if !in_flight.is_empty() => {
                    let Some(flight) = in_flight.pop_front() else { continue };
                    match answer {
                        Some(Ok(())) => self.stats.written += 1,
                        Some(Err(error)) if error.kind() == ErrorKind::RateLimited => {
                            if let Err(error) = self
                                .recover(flight, &mut in_flight, &mut answered, &mut requests)
                                .await
                            {
                                break Err(error);
                            }
                        }
                        Some(Err(error)) => break Err(self.failed(&flight.entry, error)),
                        None => break Err(Error::connection("the writer's connection closed")),
                    }
                },
                else => break Ok(self.stats.clone()),
            }
        };
        reader.abort();
        result
    }

    async fn send(&mut self, requests: &mut Requests, entry: &NewEntry) -> Result<()> {
        let message = ChannelAppend::new(&self.processid, &self.channel, entry.clone());
        let envelope = rpc::encode(&message, Some(self.client.signing_key()?))?;
        self.budget.wait_for_token().await;
        self.budget.spend();
        requests.send(&envelope).await
    }

    /// After a rate-limited answer: collect the answers of everything sent after it, then send
    /// the rate-limited entries again one at a time, in order, until each is accepted.
    async fn recover(
        &mut self,
        first: InFlight,
        in_flight: &mut VecDeque<InFlight>,
        answered: &mut mpsc::Receiver<Result<()>>,
        requests: &mut Requests,
    ) -> Result<()> {
        self.budget.exhausted();
        let mut again = vec![first];
        while let Some(flight) = in_flight.pop_front() {
            match answered.recv().await {
                Some(Ok(())) => {
                    self.stats.written += 1;
                    self.stats.reordered += again.len() as u64;
                }
                Some(Err(error)) if error.kind() == ErrorKind::RateLimited => again.push(flight),
                Some(Err(error)) => return Err(self.failed(&flight.entry, error)),
                None => return Err(Error::connection("the writer's connection closed")),
            }
        }
        for flight in again {
            loop {
                tokio::time::sleep(RETRY_PAUSE).await;
                self.stats.retried += 1;
                self.send(requests, &flight.entry).await?;
                match answered.recv().await {
                    Some(Ok(())) => {
                        self.stats.written += 1;
                        break;
                    }
                    Some(Err(error)) if error.kind() == ErrorKind::RateLimited => {
                        self.budget.exhausted()
                    }
                    Some(Err(error)) => return Err(self.failed(&flight.entry, error)),
                    None => return Err(Error::connection("the writer's connection closed")),
                }
            }
        }
        Ok(())
    }

    fn failed(&self, entry: &NewEntry, error: Error) -> Error {
        let message = format!(
            "appending sequence {} to channel {:?}: {}",
            entry.sequence,
            self.channel,
            error.message()
        );
        match error.status() {
            Some(status) => Error::from_server(status, message),
            None => Error::new(error.kind(), message),
        }
    }
}

/// Reads the answers of the pipelined appends, in order, until the connection ends.
async fn read_replies(mut replies: Replies, answers: mpsc::Sender<Result<()>>) {
    loop {
        let answer = match replies.next().await {
            Ok(reply) => rpc::parse_reply(reply.status, &reply.body).map(drop),
            Err(error) => {
                let _ = answers.send(Err(error)).await;
                return;
            }
        };
        if answers.send(answer).await.is_err() {
            return;
        }
    }
}
