//! Keeps the runtime's timer awake while calls come, so that a call's timeout does not wake it.
//!
//! Every call bounds itself with a timer (its timeout). Tokio's timer wakes the thread that waits
//! on the reactor whenever a new timer is due before the wait it is in was to end: with nothing
//! else due, that is every call, and on a multi-thread runtime (or a binding's, whose calls start
//! on the language's thread) that is a thread switch per call for nothing. A pacer task sleeps
//! [`PACE`] at a time on the runtime while calls keep starting: the reactor's wait then always
//! ends within [`PACE`], before any call's timeout is due, so registering one wakes nobody. It
//! stops after a [`PACE`] without a new call (an idle client wakes nothing).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often the pacer wakes while calls come; timeouts shorter than this still wake the runtime.
pub(crate) const PACE: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct Pacer {
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    /// Calls started since the pacer last looked.
    started: AtomicU64,
    /// The process whose pacer task runs (0: none). A child made by `fork` has no task of its
    /// parent's, so it starts one of its own.
    running_in: AtomicU32,
}

impl Pacer {
    /// Notes a call; starts the pacer on the current runtime if it is not running.
    pub(crate) fn call_started(&self) {
        let state = &self.state;
        state.started.fetch_add(1, Ordering::Relaxed);
        let pid = crate::fork::pid();
        let running = state.running_in.load(Ordering::Acquire);
        if running == pid {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if state
            .running_in
            .compare_exchange(running, pid, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            drop(runtime.spawn(pace(Arc::clone(state), pid)));
        }
    }
}

async fn pace(state: Arc<State>, pid: u32) {
    loop {
        crate::timer::sleep(PACE).await;
        if state.started.swap(0, Ordering::Relaxed) > 0 {
            continue;
        }
        // No call for a whole pace: stop, unless one started just now and left it to this task.
        if state
            .running_in
            .compare_exchange(pid, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        if state.started.load(Ordering::Relaxed) == 0
            || state
                .running_in
                .compare_exchange(0, pid, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn paces_while_calls_come_and_stops_after() {
        let pacer = Pacer::default();
        pacer.call_started();
        assert_eq!(
            pacer.state.running_in.load(Ordering::Acquire),
            std::process::id()
        );
        for _ in 0..3 {
            crate::timer::sleep(PACE / 2).await;
            pacer.call_started();
        }
        assert_eq!(
            pacer.state.running_in.load(Ordering::Acquire),
            std::process::id()
        );
        crate::timer::sleep(PACE * 3).await;
        assert_eq!(
            pacer.state.running_in.load(Ordering::Acquire),
            0,
            "stopped when idle"
        );
        pacer.call_started();
        assert_eq!(
            pacer.state.running_in.load(Ordering::Acquire),
            std::process::id()
        );
    }
}
