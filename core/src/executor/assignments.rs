//! The assignment loop as a stream (for hand-written executors; the runtime has its own).

use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::model::Process;
use crate::stream::Subscription;

/// Consecutive connection failures the assignment loop rides out before it gives up.
const MAX_RETRIES: u32 = 5;

impl Client {
    /// The processes assigned to this executor, one by one, as a stream.
    ///
    /// Each poll waits up to `poll` (whole seconds, at least one) for work; no work is not an
    /// error, the stream just waits again. A lost connection is retried a few times with
    /// backoff; any other error is yielded and ends the stream. Closing or dropping the stream
    /// ends it at once, also during a poll.
    pub fn assignments(&self, colonyname: &str, poll: Duration) -> Result<Subscription<Process>> {
        self.signing_key()?;
        crate::rpc::whole_seconds(poll, "poll timeout")?;
        let client = self.clone();
        let colonyname = colonyname.to_string();
        Subscription::spawn(move |feed| async move {
            let mut failures = 0;
            loop {
                match client.assign(&colonyname, poll).await {
                    Ok(Some(process)) => {
                        failures = 0;
                        if !feed.send(Ok(process)).await {
                            return;
                        }
                    }
                    Ok(None) => failures = 0,
                    Err(error) if retryable(&error) && failures < MAX_RETRIES => {
                        failures += 1;
                        crate::timer::sleep(Duration::from_millis(200 << failures)).await;
                    }
                    Err(error) => {
                        feed.send(Err(error)).await;
                        return;
                    }
                }
            }
        })
    }
}

/// An assign that the server may not have seen, or whose node went away while it waited
/// (`OutcomeUnknown`: a process may have been assigned and its answer lost; another assign is
/// all an executor can do either way).
fn retryable(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Connection | ErrorKind::Timeout | ErrorKind::OutcomeUnknown
    )
}
