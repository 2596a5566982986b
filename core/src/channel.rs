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
//!   - with a [`ErrorKind::Connection`] error when the server cannot be reached again within
//!     `reconnect_deadline` (by default a stream keeps trying while it is open; one that never
//!     connected gives up after the client's timeout);
//!   - in a cluster, with a [`ErrorKind::ChannelLost`] error when the node that holds the
//!     channel cannot be reached (the channel's entries are gone with it).
//! * A dropped connection is resumed from where the stream stood, after a pause that grows
//!   with each failed attempt (100 ms up to 5 s, jittered): the log position (`afterseq` is a
//!   position, not a sequence) is kept, re-reading the last few positions in case a late entry
//!   was sorted in before them. An entry is delivered once per sender and sequence: the server
//!   repeating the last backlog entry as the first live one, or a writer sending an entry again
//!   after a lost connection, is skipped.
//! * A server restart starts every channel log anew, empty (the server keeps them in memory):
//!   a resumed log that lacks the newest entry delivered is read again from its start, and
//!   what was delivered already is skipped, so nothing is lost that a writer sends again.
//! * `idle_timeout` counts delivered entries only: frames without new entries, reconnects and
//!   renewals do not keep a stream alive past it.
//! * Buffering is bounded: a slow consumer slows the stream; it does not grow memory. A long
//!   backlog is read in pages over HTTP before the websocket subscription starts, because the
//!   server would send the whole backlog as one frame.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::liveness::Check;
use crate::messages::{List, SubscribeChannel};
use crate::model::{ChannelEntry, ProcessState};
use crate::retry::{jittered, Backoff};
use crate::rpc;
use crate::stream::{Feed, Subscription};
use crate::ws::{self, Incoming};

/// A channel's entries as a stream; see the module docs for the contract.
pub type ChannelStream = Subscription<ChannelEntry>;

/// How long one server-side subscription lasts before it is renewed on the same socket.
const ROUND_SECONDS: i64 = 60;
/// How long the socket may stay quiet before the stream checks that the process still runs
/// (jittered, so that many quiet streams do not check in lockstep).
const LIVENESS_CHECK: Duration = Duration::from_secs(2);
/// How many entries one catch-up read asks for.
const CATCH_UP_PAGE: u32 = 500;
/// How many positions before the current one a catch-up re-reads (late entries sort in there).
const REREAD_WINDOW: i64 = 256;

/// Where a channel subscription starts, how long it may stay idle, and how long it keeps
/// reconnecting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscribeOptions {
    /// Skip the first `after` entries of the log (0: from the beginning).
    pub after: u64,
    /// End with a timeout error when no entry arrives for this long, connected or not (`None`:
    /// wait while the process lives).
    pub idle_timeout: Option<Duration>,
    /// End with the connection error when the server cannot be reached again for this long
    /// (`None`: keep trying while the stream is open). A stream that never connected gives up
    /// after the client's timeout unless this is set.
    pub reconnect_deadline: Option<Duration>,
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
            liveness: self.liveness().watch(processid),
            client: self.clone(),
            processid: processid.to_string(),
            channel: channel.to_string(),
            position,
            start: position,
            idle_timeout: options.idle_timeout,
            reconnect_deadline: options.reconnect_deadline,
            last_entry_at: Instant::now(),
            delivered: Delivered::default(),
            newest: None,
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

/// Why a connection ended before the stream did.
enum Ended {
    /// The server could not be reached or the connection broke: connect again.
    Lost(Error),
    /// The stream is over with this error.
    Fatal(Error),
}

impl From<Error> for Ended {
    fn from(error: Error) -> Ended {
        if is_lost_connection(&error) {
            Ended::Lost(error)
        } else {
            Ended::Fatal(error)
        }
    }
}

/// Errors after which connecting again may work: the network, a wait that ran out, or a proxy
/// in front of a server that is (re)starting.
fn is_lost_connection(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Connection | ErrorKind::Timeout => true,
        ErrorKind::Server => matches!(error.status(), Some(502..=504)),
        _ => false,
    }
}

/// The identity of one log entry: who sent it, its sequence and when the server stored it.
type EntryKey = (String, i64, String);

fn key_of(entry: &ChannelEntry) -> EntryKey {
    (
        entry.senderid.clone(),
        entry.sequence,
        entry.timestamp.clone(),
    )
}

/// The background task behind a [`ChannelStream`].
struct ChannelReader {
    client: Client,
    /// Whether the process still runs, asked once for all the client's streams of it.
    liveness: Arc<Check>,
    processid: String,
    channel: String,
    /// The log position (`afterseq`) the stream has read up to.
    position: i64,
    /// Where the caller asked the stream to start; a resume never goes back before it.
    start: i64,
    idle_timeout: Option<Duration>,
    reconnect_deadline: Option<Duration>,
    last_entry_at: Instant,
    delivered: Delivered,
    /// The newest entry delivered: a resumed log that lacks it is not the log the stream left.
    newest: Option<EntryKey>,
    ever_connected: bool,
    /// Whether the current connection delivered anything (resets the reconnect backoff).
    progressed: bool,
}

impl ChannelReader {
    async fn run(mut self, feed: Feed<ChannelEntry>) {
        let mut backoff = Backoff::default();
        let mut lost_since: Option<Instant> = None;
        loop {
            self.progressed = false;
            let error = match self.connection(&feed).await {
                Ok(()) => return,
                Err(Ended::Fatal(error)) => {
                    feed.send(Err(error)).await;
                    return;
                }
                Err(Ended::Lost(error)) => error,
            };
            if self.progressed {
                backoff = Backoff::default();
                lost_since = None;
            }
            let lost_for = lost_since.get_or_insert_with(Instant::now).elapsed();
            let give_up = match self.reconnect_deadline {
                Some(deadline) => lost_for >= deadline,
                // A stream that never connected: most likely a wrong address.
                None => !self.ever_connected && lost_for >= self.client.settings().timeout,
            };
            if give_up {
                tracing::warn!(
                    process = %self.processid, channel = %self.channel,
                    "channel stream gives up reconnecting after {lost_for:?}: {error}"
                );
                feed.send(Err(error)).await;
                return;
            }
            if let Err(timeout) = self.check_idle() {
                feed.send(Err(timeout)).await;
                return;
            }
            let pause = self.capped_by_idle(backoff.next());
            tracing::info!(
                process = %self.processid, channel = %self.channel, position = self.position,
                "channel stream reconnects in {pause:?}: {error}"
            );
            crate::timer::sleep(pause).await;
        }
    }

    /// One websocket connection, renewing the server-side subscription as often as needed.
    async fn connection(&mut self, feed: &Feed<ChannelEntry>) -> Result<(), Ended> {
        // In a cluster: the node that holds the channel, once the process has an executor.
        // The big futures (finding it, connecting, HTTP calls) are boxed while they run, so that
        // an idle subscription's task is small (they would size its state for as long as it
        // lives).
        let deadline = self.idle_timeout.map(|idle| self.last_entry_at + idle);
        let home = Box::pin(self.client.channel_home(&self.processid, deadline)).await?;
        let settings = home.map_or(self.client.settings(), |home| home.settings(&self.client));
        let mut socket = Box::pin(ws::connect(settings)).await.map_err(|e| {
            self.client
                .explain_home_error(home, &self.processid, &self.channel, e)
        })?;
        if self.ever_connected {
            tracing::info!(
                process = %self.processid, channel = %self.channel, position = self.position,
                "channel stream reconnected: resumed from its log position"
            );
        }
        self.ever_connected = true;
        let mut empty_rounds = Backoff::default();
        loop {
            if let Flow::Finished = Box::pin(self.catch_up(feed)).await? {
                return Ok(());
            }
            let subscribe = SubscribeChannel {
                processid: self.processid.clone(),
                name: self.channel.clone(),
                afterseq: self.position,
                timeout: ROUND_SECONDS,
            };
            ws::send(&mut socket, &subscribe, self.client.signing_key()?).await?;
            let delivered_before = self.delivered.count;
            match self.round(&mut socket, feed).await? {
                Flow::Finished => return Ok(()),
                Flow::Continue => {}
            }
            // A round that ended without an entry (a server answering with empty frames) must
            // not turn into a busy loop of requests: wait a little longer each time.
            if self.delivered.count == delivered_before {
                self.check_idle().map_err(Ended::Fatal)?;
                crate::timer::sleep(self.capped_by_idle(empty_rounds.next())).await;
            } else {
                empty_rounds = Backoff::default();
            }
        }
    }

    async fn round(
        &mut self,
        socket: &mut ws::Socket,
        feed: &Feed<ChannelEntry>,
    ) -> Result<Flow, Ended> {
        loop {
            let payload = match ws::receive(socket, self.quiet_wait()).await {
                Ok(Incoming::Payload(payload)) => payload,
                Ok(Incoming::Idle) => {
                    Box::pin(self.check_still_open()).await?;
                    continue;
                }
                Ok(Incoming::Closed) => {
                    return Err(Ended::Lost(Error::connection(
                        "the server closed the websocket",
                    )))
                }
                Err(error) if error.kind() == ErrorKind::NotFound => {
                    return Err(Box::pin(self.explain_not_found(error)).await.into())
                }
                Err(error) => return Err(error.into()),
            };
            let List(entries) =
                rpc::decode_payload::<List<ChannelEntry>>("subscribechannelmsg", &payload)?;
            if entries.is_empty() {
                return Ok(Flow::Continue);
            }
            for entry in entries {
                if !entry.error.is_empty() {
                    // The server dropped this subscriber (its queue was full): resume.
                    return Err(Ended::Lost(Error::connection(format!(
                        "the server dropped the subscription: {}",
                        entry.error
                    ))));
                }
                // A repeat here is the server sending one log entry twice: no new position.
                if let Some(flow) = self.deliver(entry, feed).await {
                    self.position += 1;
                    if let Flow::Finished = flow {
                        return Ok(Flow::Finished);
                    }
                }
            }
            self.check_idle().map_err(Ended::Fatal)?;
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
    ///
    /// The server keeps channel logs in memory: after a restart it starts them anew, empty, and
    /// writers send again what it had not acknowledged. A log whose re-read positions lack the
    /// newest entry delivered is such a new log: it is read from its start, and what was
    /// delivered already is skipped by sender and sequence.
    async fn catch_up(&mut self, feed: &Feed<ChannelEntry>) -> Result<Flow, Ended> {
        self.position = (self.position - REREAD_WINDOW).max(self.start);
        let mut check = self.newest.clone();
        loop {
            let after = u64::try_from(self.position).unwrap_or_default();
            let page = match self
                .client
                .read_channel(&self.processid, &self.channel, after, CATCH_UP_PAGE)
                .await
            {
                Ok(page) => page,
                Err(error) if error.kind() == ErrorKind::NotFound => {
                    return Err(self.explain_not_found(error).await.into())
                }
                Err(error) => return Err(error.into()),
            };
            if let Some(newest) = check.take() {
                if !page.iter().any(|entry| key_of(entry) == newest) {
                    tracing::warn!(
                        process = %self.processid, channel = %self.channel,
                        "the channel log was started anew (server restart): reading it from its start"
                    );
                    self.position = 0;
                    self.start = 0;
                    continue;
                }
            }
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
        if !self.delivered.insert(&entry) {
            return None;
        }
        self.newest = Some(key_of(&entry));
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
        self.capped_by_idle(jittered(LIVENESS_CHECK))
    }

    /// `wait`, or less if the idle timeout comes first.
    fn capped_by_idle(&self, wait: Duration) -> Duration {
        match self.idle_timeout {
            Some(idle) => {
                let left = idle.saturating_sub(self.last_entry_at.elapsed());
                wait.min(left).max(Duration::from_millis(1))
            }
            None => wait,
        }
    }

    /// The idle timeout counts entries delivered, not frames or connections.
    fn check_idle(&self) -> Result<()> {
        match self.idle_timeout {
            Some(idle) if self.last_entry_at.elapsed() >= idle => Err(Error::timeout(format!(
                "no entry on channel {:?} of process {} for {idle:?}",
                self.channel, self.processid
            ))),
            _ => Ok(()),
        }
    }

    async fn check_still_open(&self) -> Result<(), Ended> {
        self.check_idle().map_err(Ended::Fatal)?;
        let state = self.liveness.state(&self.client, &self.processid).await?;
        if state.is_closed() {
            return Err(Ended::Fatal(self.closed_error(state)));
        }
        Ok(())
    }

    /// A missing channel usually means the process was closed (its channels are deleted).
    async fn explain_not_found(&self, error: Error) -> Error {
        match self.liveness.state(&self.client, &self.processid).await {
            Ok(state) if state.is_closed() => self.closed_error(state),
            _ => error,
        }
    }

    fn closed_error(&self, state: ProcessState) -> Error {
        Error::new(
            ErrorKind::ProcessClosed,
            format!(
                "process {} is {state} and its channel {:?} is gone",
                self.processid, self.channel
            ),
        )
    }
}

/// What a stream has delivered, by sender and sequence: each sender's sequences as sorted,
/// disjoint ranges, so a long stream of consecutive sequences costs one range per sender.
#[derive(Default)]
struct Delivered {
    senders: HashMap<String, Vec<(i64, i64)>>,
    count: u64,
}

impl Delivered {
    /// Remembers `entry`; `false` if an entry of the same sender and sequence was delivered.
    fn insert(&mut self, entry: &ChannelEntry) -> bool {
        let ranges = self.senders.entry(entry.senderid.clone()).or_default();
        let sequence = entry.sequence;
        // Ranges before `at` end below `sequence`; the one at `at` (if any) ends at or above it.
        let at = ranges.partition_point(|&(_, last)| last < sequence);
        if ranges.get(at).is_some_and(|&(first, _)| first <= sequence) {
            return false;
        }
        let joins_left = at > 0 && ranges[at - 1].1.checked_add(1) == Some(sequence);
        let joins_right = at < ranges.len() && ranges[at].0.checked_sub(1) == Some(sequence);
        match (joins_left, joins_right) {
            (true, true) => {
                ranges[at - 1].1 = ranges[at].1;
                ranges.remove(at);
            }
            (true, false) => ranges[at - 1].1 = sequence,
            (false, true) => ranges[at].0 = sequence,
            (false, false) => ranges.insert(at, (sequence, sequence)),
        }
        self.count += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sender: &str, sequence: i64) -> ChannelEntry {
        ChannelEntry {
            senderid: sender.into(),
            sequence,
            ..ChannelEntry::default()
        }
    }

    #[test]
    fn repeats_are_skipped_by_sender_and_sequence() {
        let mut delivered = Delivered::default();
        assert!(delivered.insert(&entry("a", 1)));
        assert!(!delivered.insert(&entry("a", 1)));
        assert!(delivered.insert(&entry("b", 1)));
        assert!(delivered.insert(&entry("a", 3)));
        assert!(delivered.insert(&entry("a", 2)));
        assert!(!delivered.insert(&entry("a", 2)));
        assert!(!delivered.insert(&entry("a", 3)));
        assert_eq!(delivered.count, 4);
    }

    #[test]
    fn consecutive_sequences_cost_one_range() {
        let mut delivered = Delivered::default();
        for sequence in 1..=10_000 {
            assert!(delivered.insert(&entry("a", sequence)));
        }
        assert_eq!(delivered.senders["a"], vec![(1, 10_000)]);
        // Out of order, with gaps filled later, and negative or odd steps.
        let mut delivered = Delivered::default();
        for sequence in [5, 1, 3, 2, 4, -7, 9, 11, 10] {
            assert!(delivered.insert(&entry("b", sequence)));
        }
        assert_eq!(delivered.senders["b"], vec![(-7, -7), (1, 5), (9, 11)]);
        for sequence in [5, 1, 3, 2, 4, -7, 9, 11, 10] {
            assert!(!delivered.insert(&entry("b", sequence)));
        }
        assert!(delivered.insert(&entry("b", i64::MAX)));
        assert!(delivered.insert(&entry("b", i64::MIN)));
        assert!(!delivered.insert(&entry("b", i64::MAX)));
        assert!(!delivered.insert(&entry("b", i64::MIN)));
    }

    #[test]
    fn lost_connections_are_told_from_final_errors() {
        assert!(is_lost_connection(&Error::connection("x")));
        assert!(is_lost_connection(&Error::timeout("x")));
        assert!(is_lost_connection(&Error::from_server(503, "x")));
        assert!(!is_lost_connection(&Error::from_server(500, "x")));
        assert!(!is_lost_connection(&Error::from_server(403, "x")));
        assert!(!is_lost_connection(&Error::protocol("x")));
    }
}
