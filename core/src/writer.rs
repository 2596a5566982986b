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
use crate::error::{Error, ErrorKind, Result, WriteProgress};
use crate::home::ChannelHome;
use crate::http1::{self, Replies, Requests};
use crate::messages::ChannelAppend;
use crate::model::NewEntry;
use crate::retry::Backoff;
use crate::rpc;
use crate::transport::Settings;

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
    /// How long the writer keeps trying to reach the server again after losing it (a restart,
    /// a dropped connection, a server that stopped answering) before it gives up; `None`: the
    /// client's timeout. Entries not yet acknowledged are sent again on the new connection.
    pub reconnect_deadline: Option<Duration>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            first_sequence: 1,
            step: 1,
            max_in_flight: 16,
            reconnect_deadline: None,
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
    /// Times the writer lost the server and connected again.
    pub reconnects: u64,
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
        if crate::direct::active() {
            // Its task and connection would belong to the caller's thread, and stall between
            // that thread's calls.
            return Err(Error::invalid_argument(
                "a channel writer cannot be made inside colonykit::direct::block_on: make it \
                 inside a runtime that keeps running between calls",
            ));
        }
        if options.max_in_flight == 0 || options.step == 0 {
            return Err(Error::invalid_argument(
                "max_in_flight and step must not be zero",
            ));
        }
        // In a cluster: the node that holds the channel, once the process has an executor.
        let deadline = tokio::time::Instant::now() + self.settings().timeout;
        let home = self.channel_home(processid, Some(deadline)).await?;
        let settings = home.map_or(self.settings(), |home| home.settings(self));
        let connection = Connection::open(settings)
            .await
            .map_err(|e| self.explain_home_error(home, processid, channel, e))?;
        let (queue, entries) = mpsc::channel(options.max_in_flight);
        let (done, outcome) = oneshot::channel();
        let task = WriterTask {
            client: self.clone(),
            home,
            processid: processid.to_string(),
            channel: channel.to_string(),
            max_in_flight: options.max_in_flight,
            reconnect_deadline: options
                .reconnect_deadline
                .unwrap_or(self.settings().timeout),
            budget: Budget::full(),
            stats: WriterStats::default(),
            pending: VecDeque::new(),
            sent: 0,
            rate_limited: VecDeque::new(),
            lost_since: None,
        };
        tokio::spawn(async move {
            let result = task.run(entries, connection).await;
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
            crate::timer::sleep(Duration::from_secs_f64(missing / REFILL_PER_SECOND)).await;
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

/// One pipelined connection: requests go out on `requests`, their answers come back in order
/// on `answers` from a task that reads the replies.
struct Connection {
    requests: Requests,
    answers: mpsc::Receiver<Result<()>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Connection {
    async fn open(settings: &Settings) -> Result<Connection> {
        let (requests, replies) = http1::open(settings).await?;
        let (sender, answers) = mpsc::channel(64);
        let reader = tokio::spawn(read_replies(replies, sender));
        Ok(Connection {
            requests,
            answers,
            reader,
        })
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Errors after which the same entries may be sent again on a new connection.
fn is_lost_connection(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Connection | ErrorKind::Timeout => true,
        ErrorKind::Server => matches!(error.status(), Some(502..=504)),
        _ => false,
    }
}

/// What came back for the oldest entry in flight.
enum Answer {
    Accepted,
    RateLimited,
    /// The connection is gone or the server stopped answering: connect again.
    Lost(Error),
    Refused(Error),
}

/// The background task that owns the connection.
///
/// `pending` holds every entry not yet acknowledged, in the order of the writer: the first
/// `sent` of them are in flight on the current connection, the rest wait to be sent again
/// (after a reconnect). Rate-limited entries wait in `rate_limited` until everything in flight
/// has been answered, then go out again one at a time, in order.
struct WriterTask {
    client: Client,
    /// In a cluster: the node that holds the channel.
    home: Option<ChannelHome>,
    processid: String,
    channel: String,
    max_in_flight: usize,
    reconnect_deadline: Duration,
    budget: Budget,
    stats: WriterStats,
    pending: VecDeque<NewEntry>,
    sent: usize,
    rate_limited: VecDeque<NewEntry>,
    /// Since when the server has not acknowledged anything after a lost connection.
    lost_since: Option<Instant>,
}

impl WriterTask {
    async fn run(
        mut self,
        mut entries: mpsc::Receiver<NewEntry>,
        mut connection: Connection,
    ) -> Result<WriterStats> {
        let mut closed = false;
        loop {
            if self.sent == 0 && !self.rate_limited.is_empty() {
                // Everything in flight is answered: the rate-limited entries go first, again.
                crate::timer::sleep(RETRY_PAUSE).await;
                self.stats.retried += self.rate_limited.len() as u64;
                while let Some(entry) = self.rate_limited.pop_back() {
                    self.pending.push_front(entry);
                }
            }
            let window = self.budget.window(self.max_in_flight);
            let step = if self.sent < self.pending.len() && self.sent < window {
                self.send_next(&mut connection).await
            } else if self.sent == self.pending.len()
                && self.rate_limited.is_empty()
                && self.pending.len() < window
                && !closed
            {
                tokio::select! {
                    entry = entries.recv() => {
                        match entry {
                            Some(entry) => self.pending.push_back(entry),
                            None => closed = true,
                        }
                        Ok(())
                    }
                    answer = self.answer(&mut connection), if self.sent > 0 => {
                        self.take(answer)
                    }
                }
            } else if self.sent > 0 {
                let answer = self.answer(&mut connection).await;
                self.take(answer)
            } else if closed && self.pending.is_empty() && self.rate_limited.is_empty() {
                return Ok(self.stats.clone());
            } else {
                Ok(())
            };
            if let Err(lost) = step {
                connection = match self.reconnect(lost).await {
                    Ok(connection) => connection,
                    Err(error) => return Err(self.gave_up(error, &mut entries)),
                };
            }
        }
    }

    /// Sends the next pending entry; `Err` only when the connection is lost.
    async fn send_next(&mut self, connection: &mut Connection) -> Result<(), Error> {
        let Some(entry) = self.pending.get(self.sent) else {
            return Ok(());
        };
        let message = ChannelAppend::new(&self.processid, &self.channel, entry.clone());
        let envelope = rpc::encode(&message, Some(self.client.signing_key()?))?;
        self.budget.wait_for_token().await;
        self.budget.spend();
        self.sent += 1;
        connection.requests.send(&envelope).await
    }

    /// Waits for the answer to the oldest entry in flight, within the client's timeout.
    async fn answer(&self, connection: &mut Connection) -> Answer {
        let wait = self.client.settings().timeout;
        match crate::timer::timeout(wait, connection.answers.recv()).await {
            Ok(Some(Ok(()))) => Answer::Accepted,
            Ok(Some(Err(error))) if error.kind() == ErrorKind::RateLimited => Answer::RateLimited,
            Ok(Some(Err(error))) if is_lost_connection(&error) => Answer::Lost(error),
            Ok(Some(Err(error))) => Answer::Refused(error),
            Ok(None) => Answer::Lost(Error::connection("the writer's connection closed")),
            Err(_) => Answer::Lost(Error::timeout(format!(
                "the server did not answer an append within {wait:?}"
            ))),
        }
    }

    /// Books an answer; `Err` when the connection is lost. A refused entry ends the writer.
    fn take(&mut self, answer: Answer) -> Result<(), Error> {
        let Some(entry) = self.pending.pop_front() else {
            return Ok(());
        };
        self.sent -= 1;
        match answer {
            Answer::Accepted => {
                self.lost_since = None;
                self.stats.written += 1;
                self.stats.reordered += self.rate_limited.len() as u64;
                Ok(())
            }
            Answer::RateLimited => {
                tracing::debug!(
                    process = %self.processid, channel = %self.channel, sequence = entry.sequence,
                    "append rate-limited by the server: it will be sent again"
                );
                self.budget.exhausted();
                self.rate_limited.push_back(entry);
                Ok(())
            }
            Answer::Lost(error) => {
                self.pending.push_front(entry);
                self.sent += 1;
                Err(error)
            }
            Answer::Refused(error) => {
                let error = self.failed(&entry, error);
                self.pending.push_front(entry);
                self.sent += 1;
                Err(error)
            }
        }
    }

    /// After the connection was lost: connects again (with backoff, until the deadline counted
    /// from the last acknowledgement) and marks every pending entry to be sent again. A refused
    /// entry is not retried.
    async fn reconnect(&mut self, cause: Error) -> Result<Connection> {
        if !is_lost_connection(&cause) {
            return Err(cause);
        }
        self.sent = 0;
        while let Some(entry) = self.rate_limited.pop_back() {
            self.pending.push_front(entry);
        }
        let started = *self.lost_since.get_or_insert_with(Instant::now);
        let mut backoff = Backoff::default();
        let mut last_error = cause;
        loop {
            let pause = backoff.next();
            if started.elapsed() + pause >= self.reconnect_deadline {
                return Err(last_error);
            }
            tracing::info!(
                process = %self.processid, channel = %self.channel,
                unacknowledged = self.pending.len(),
                "channel writer reconnects in {pause:?}: {last_error}"
            );
            crate::timer::sleep(pause).await;
            let settings = self
                .home
                .map_or(self.client.settings(), |h| h.settings(&self.client));
            let opened = Connection::open(settings).await.map_err(|e| {
                let (processid, channel) = (&self.processid, &self.channel);
                self.client
                    .explain_home_error(self.home, processid, channel, e)
            });
            match opened {
                Ok(connection) => {
                    self.stats.reconnects += 1;
                    return Ok(connection);
                }
                Err(error) if is_lost_connection(&error) => last_error = error,
                Err(error) => return Err(error),
            }
        }
    }

    /// The error a writer ends with: what went wrong, and which entries were not accepted.
    fn gave_up(&mut self, error: Error, entries: &mut mpsc::Receiver<NewEntry>) -> Error {
        entries.close();
        let mut not_accepted: Vec<i64> = self
            .rate_limited
            .iter()
            .chain(&self.pending)
            .map(|entry| entry.sequence)
            .collect();
        while let Ok(entry) = entries.try_recv() {
            not_accepted.push(entry.sequence);
        }
        let progress = WriteProgress {
            accepted: self.stats.written,
            not_accepted,
        };
        tracing::warn!(
            process = %self.processid, channel = %self.channel,
            accepted = progress.accepted, not_accepted = progress.not_accepted.len(),
            "channel writer gives up: {error}"
        );
        error.with_write_progress(progress)
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
