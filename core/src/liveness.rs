//! Whether a process still runs, asked once for all the streams of a client that watch it.
//!
//! The server says nothing when a process closes under a channel subscription, so a quiet
//! stream asks for the process now and then. Many streams of one process (or many quiet streams
//! at once) would each ask; they share one answer instead: a stream that asks while another
//! stream's question is on its way waits for that answer, and an answer younger than
//! [`FRESH`] is reused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::time::Instant;

use crate::client::Client;
use crate::error::Result;
use crate::model::ProcessState;

/// How long an answer about a process is reused.
const FRESH: Duration = Duration::from_secs(1);

/// The shared checks of one client (and its clones), by process ID.
#[derive(Default)]
pub(crate) struct Liveness {
    checks: Mutex<HashMap<String, Weak<Check>>>,
}

/// The last answer about one process; held by every stream that watches it.
#[derive(Default)]
pub(crate) struct Check {
    last: tokio::sync::Mutex<Option<(Instant, Result<ProcessState>)>>,
}

impl Liveness {
    /// The shared check of `processid` (made when no stream holds one).
    pub(crate) fn watch(&self, processid: &str) -> Arc<Check> {
        // A poisoned lock only means another thread panicked while holding it; the map is
        // still whole.
        let mut checks = self.checks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(check) = checks.get(processid).and_then(Weak::upgrade) {
            return check;
        }
        checks.retain(|_, check| check.strong_count() > 0);
        let check = Arc::new(Check::default());
        checks.insert(processid.to_string(), Arc::downgrade(&check));
        check
    }
}

impl Check {
    /// The process's state: asked of the server unless a fresh answer is at hand.
    pub(crate) async fn state(&self, client: &Client, processid: &str) -> Result<ProcessState> {
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = last.as_ref() {
            if at.elapsed() < FRESH {
                return answer.clone();
            }
        }
        let answer = client.get_process(processid).await.map(|p| p.state);
        *last = Some((Instant::now(), answer.clone()));
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_of_one_process_share_one_check_while_they_hold_it() {
        let liveness = Liveness::default();
        let first = liveness.watch("p");
        let second = liveness.watch("p");
        assert!(Arc::ptr_eq(&first, &second));
        assert!(!Arc::ptr_eq(&first, &liveness.watch("q")));
        drop((first, second));
        let _third = liveness.watch("r");
        // Checks no stream holds are forgotten.
        assert_eq!(liveness.checks.lock().unwrap().len(), 1);
    }
}
