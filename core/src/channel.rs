//! Channel subscriptions: a process's channel log as a stream of entries.
//!
//! # The stream contract (the same in Rust, Python and Node)
//!
//! * Entries come in log order: the backlog first, then live entries; none twice, none skipped.
//! * The stream ends
//!   - after an `end` or `error` entry (the entry is yielded, then the stream finishes);
//!   - when the caller closes or drops it (the socket is closed at once);
//!   - with a [`ErrorKind::Timeout`] error when `idle_timeout` passes without an entry;
//!   - with a [`ErrorKind::ProcessClosed`] error when the process is closed, fails or is
//!     cancelled while subscribed (the server sends nothing then: the stream checks the
//!     process whenever the socket has been quiet for a while);
//!   - with a [`ErrorKind::Connection`] error when the server cannot be reached again.
//! * A dropped connection is resumed from where the stream stood: the log position (`afterseq`
//!   is a position, not a sequence) is kept, re-reading the last few positions in case a late
//!   entry was sorted in before them, and entries seen twice (the server can repeat the
//!   last backlog entry as the first live one) are skipped by `(senderid, sequence, timestamp)`.
//! * Buffering is bounded: a slow consumer slows the stream; it does not grow memory. A long
//!   backlog is read in pages over HTTP before the websocket subscription starts, because the
//!   server would send the whole backlog as one frame.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::messages::{List, SubscribeChannel};
use crate::model::{ChannelEntry, Process};
use crate::rpc;
use crate::stream::{Feed, Subscription};
use crate::ws::{self, Incoming};

/// A channel's entries as a stream; see the module docs for the contract.
pub type ChannelStream = Subscription<ChannelEntry>;

/// How long one server-side subscription lasts before it is renewed on the same socket.
const ROUND_SECONDS: i64 = 60;
/// How long the socket may stay quiet before the stream checks that the process still runs.
const LIVENESS_CHECK: Duration = Duration::from_secs(2);
/// Consecutive failed reconnections before the stream gives up.
const MAX_RECONNECTS: u32 = 8;
/// How many entries one catch-up read asks for.
const CATCH_UP_PAGE: u32 = 500;
/// How many recent entries are remembered to skip repeats.
const REPEAT_WINDOW: usize = 256;

/// Where a channel subscription starts, and how long it may stay idle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscribeOptions {
    /// Skip the first `after` entries of the log (0: from the beginning).
    pub after: u64,
    /// End with a timeout error when no entry arrives for this long (`None`: wait while the
    /// process lives).
    pub idle_timeout: Option<Duration>,
}

impl Client {
    /// Subscribes to a channel from its first entry, with no idle timeout.
    pub fn subscribe_channel(&self, processid: &str, channel: &str) -> Result<ChannelStream> {
        self.subscribe_channel_with(processid, channel, SubscribeOptions::default())
    }

    /// Subscribes to a channel with `options`. Must be called inside a tokio runtime.
    pub fn subscribe_channel_with(
        &self,
        processid: &str,
        channel: &str,
        options: SubscribeOptions,
    ) -> Result<ChannelStream> {
        self.signing_key()?;
        if options.idle_timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::invalid_argument(
                "idle_timeout must be greater than zero",
            ));
        }
        let position = i64::try_from(options.after)
            .map_err(|_| Error::invalid_argument("the start position is too large"))?;
        let reader = ChannelReader {
            client: self.clone(),
            processid: processid.to_string(),
            channel: channel.to_string(),
            position,
            start: position,
            idle_timeout: options.idle_timeout,
            last_entry_at: Instant::now(),
            recent: RecentEntries::default(),
            ever_connected: false,
            progressed: false,
        };
        Subscription::spawn(|feed| reader.run(feed))
    }
}

/// Whether the stream goes on.
enum Flow {
    /// The stream is over: a terminal entry was delivered, or the consumer left.
    Finished,
    /// It goes on (at the end of a round: subscribe again from the current position).
    Continue,
}

/// The background task behind a [`ChannelStream`].
struct ChannelReader {
    client: Client,
    processid: String,
    channel: String,
    /// The log position (`afterseq`) the stream has read up to.
    position: i64,
    /// Where the caller asked the stream to start; a resume never goes back before it.
    start: i64,
    idle_timeout: Option<Duration>,
    last_entry_at: Instant,
    recent: RecentEntries,
    ever_connected: bool,
    /// Whether the current connection delivered anything (resets the reconnect budget).
    progressed: bool,
}

impl ChannelReader {
    async fn run(mut self, feed: Feed<ChannelEntry>) {
        let mut failures = 0;
        loop {
            self.progressed = false;
            let error = match self.connection(&feed).await {
                Ok(()) => return,
                Err(error) => error,
            };
            if self.progressed {
                failures = 0;
            }
            let resumable = error.kind() == ErrorKind::Connection && self.ever_connected;
            if !resumable || failures >= MAX_RECONNECTS {
                feed.send(Err(error)).await;
                return;
            }
            failures += 1;
            tokio::time::sleep(backoff(failures)).await;
        }
    }

    /// One websocket connection, renewing the server-side subscription as often as needed.
    async fn connection(&mut self, feed: &Feed<ChannelEntry>) -> Result<()> {
        let mut socket = ws::connect(self.client.settings()).await?;
        self.ever_connected = true;
        loop {
            if let Flow::Finished = self.catch_up(feed).await? {
                return Ok(());
            }
            let subscribe = SubscribeChannel {
                processid: self.processid.clone(),
                name: self.channel.clone(),
                afterseq: self.position,
                timeout: ROUND_SECONDS,
            };
            ws::send(&mut socket, &subscribe, self.client.signing_key()?).await?;
            match self.round(&mut socket, feed).await? {
                Flow::Finished => return Ok(()),
                Flow::Continue => continue,
            }
        }
    }

    async fn round(&mut self, socket: &mut ws::Socket, feed: &Feed<ChannelEntry>) -> Result<Flow> {
        loop {
            let payload = match ws::receive(socket, self.quiet_wait()).await {
                Ok(Incoming::Payload(payload)) => payload,
                Ok(Incoming::Idle) => {
                    self.check_still_open().await?;
                    continue;
                }
                Ok(Incoming::Closed) => {
                    return Err(Error::connection("the server closed the websocket"))
                }
                Err(error) if error.kind() == ErrorKind::NotFound => {
                    return Err(self.explain_not_found(error).await)
                }
                Err(error) => return Err(error),
            };
            let List(entries) =
                rpc::decode_payload::<List<ChannelEntry>>("subscribechannelmsg", &payload)?;
            if entries.is_empty() {
                return Ok(Flow::Continue);
            }
            for entry in entries {
                if !entry.error.is_empty() {
                    // The server dropped this subscriber (its queue was full): resume.
                    return Err(Error::connection(format!(
                        "the server dropped the subscription: {}",
                        entry.error
                    )));
                }
                // A repeat here is the server sending one log entry twice: no new position.
                if let Some(flow) = self.deliver(entry, feed).await {
                    self.position += 1;
                    if let Flow::Finished = flow {
                        return Ok(Flow::Finished);
                    }
                }
            }
        }
    }

    /// Reads the log up to its end in pages over HTTP before (re)subscribing, so that a long
    /// backlog never arrives as one huge websocket frame (the server sends the whole backlog at
    /// once).
    ///
    /// It starts a little before the current position: the server keeps each sender's entries
    /// sorted by sequence, so an entry that arrived late (a retried append) can have been sorted
    /// in before entries already delivered. Re-reading the last positions finds it; the entries
    /// delivered already are skipped as repeats.
    async fn catch_up(&mut self, feed: &Feed<ChannelEntry>) -> Result<Flow> {
        self.position = (self.position - REPEAT_WINDOW as i64).max(self.start);
        loop {
            let after = u64::try_from(self.position).unwrap_or_default();
            let page = match self
                .client
                .read_channel(&self.processid, &self.channel, after, CATCH_UP_PAGE)
                .await
            {
                Ok(page) => page,
                Err(error) if error.kind() == ErrorKind::NotFound => {
                    return Err(self.explain_not_found(error).await)
                }
                Err(error) => return Err(error),
            };
            let last_page = page.len() < CATCH_UP_PAGE as usize;
            for entry in page {
                self.position += 1;
                if let Some(Flow::Finished) = self.deliver(entry, feed).await {
                    return Ok(Flow::Finished);
                }
            }
            if last_page {
                return Ok(Flow::Continue);
            }
        }
    }

    /// Hands one entry to the consumer; `None` if it was delivered already, `Finished` after a
    /// terminal entry or when the consumer has gone.
    async fn deliver(&mut self, entry: ChannelEntry, feed: &Feed<ChannelEntry>) -> Option<Flow> {
        if !self.recent.insert(&entry) {
            return None;
        }
        self.progressed = true;
        self.last_entry_at = Instant::now();
        let terminal = entry.kind.is_terminal();
        if !feed.send(Ok(entry)).await || terminal {
            return Some(Flow::Finished);
        }
        Some(Flow::Continue)
    }

    /// How long to wait for a frame before checking on the process (and the idle timeout).
    fn quiet_wait(&self) -> Duration {
        match self.idle_timeout {
            Some(idle) => {
                let left = idle.saturating_sub(self.last_entry_at.elapsed());
                left.clamp(Duration::from_millis(1), LIVENESS_CHECK)
            }
            None => LIVENESS_CHECK,
        }
    }

    async fn check_still_open(&self) -> Result<()> {
        let process = self.client.get_process(&self.processid).await?;
        if process.state.is_closed() {
            return Err(self.closed_error(&process));
        }
        if let Some(idle) = self.idle_timeout {
            if self.last_entry_at.elapsed() >= idle {
                return Err(Error::timeout(format!(
                    "no entry on channel {:?} of process {} for {idle:?}",
                    self.channel, self.processid
                )));
            }
        }
        Ok(())
    }

    /// A missing channel usually means the process was closed (its channels are deleted).
    async fn explain_not_found(&self, error: Error) -> Error {
        match self.client.get_process(&self.processid).await {
            Ok(process) if process.state.is_closed() => self.closed_error(&process),
            _ => error,
        }
    }

    fn closed_error(&self, process: &Process) -> Error {
        Error::new(
            ErrorKind::ProcessClosed,
            format!(
                "process {} is {} and its channel {:?} is gone",
                self.processid, process.state, self.channel
            ),
        )
    }
}

/// Exponential backoff: 100 ms, 200 ms, ... up to 1.6 s.
fn backoff(failures: u32) -> Duration {
    Duration::from_millis(100 << failures.min(5).saturating_sub(1))
}

/// The keys of the last few delivered entries, to skip an entry the server sends twice.
#[derive(Default)]
struct RecentEntries {
    keys: HashSet<(String, i64, String)>,
    order: VecDeque<(String, i64, String)>,
}

impl RecentEntries {
    /// Remembers `entry`; `false` if it was delivered already.
    fn insert(&mut self, entry: &ChannelEntry) -> bool {
        let key = (
            entry.senderid.clone(),
            entry.sequence,
            entry.timestamp.clone(),
        );
        if !self.keys.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > REPEAT_WINDOW {
            if let Some(oldest) = self.order.pop_front() {
                self.keys.remove(&oldest);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sender: &str, sequence: i64, timestamp: &str) -> ChannelEntry {
        ChannelEntry {
            senderid: sender.into(),
            sequence,
            timestamp: timestamp.into(),
            ..ChannelEntry::default()
        }
    }

    #[test]
    fn repeats_are_skipped_and_resends_kept() {
        let mut recent = RecentEntries::default();
        assert!(recent.insert(&entry("a", 1, "t1")));
        assert!(!recent.insert(&entry("a", 1, "t1")));
        // The same sequence sent again later is a new entry.
        assert!(recent.insert(&entry("a", 1, "t2")));
        assert!(recent.insert(&entry("b", 1, "t1")));
    }

    #[test]
    fn the_window_is_bounded() {
        let mut recent = RecentEntries::default();
        for i in 0..(REPEAT_WINDOW as i64 * 3) {
            recent.insert(&entry("a", i, "t"));
        }
        assert_eq!(recent.keys.len(), REPEAT_WINDOW);
        assert_eq!(recent.order.len(), REPEAT_WINDOW);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(2), Duration::from_millis(200));
        assert_eq!(backoff(30), Duration::from_millis(1600));
    }
}
