//! The core's timers: tokio's, each also known to the event loop that drives its call, if one
//! does ([`crate::direct::next_timer`]): such a loop turns the runtime when a timer is due and
//! not before, so a timer it does not know of would never fire. `clippy.toml` keeps tokio's own
//! timer functions out of the rest of the crate.
#![allow(clippy::disallowed_methods)]

use std::future::Future;
use std::time::Duration;

use tokio::time::error::Elapsed;
use tokio::time::Instant;

use crate::direct::Due;

/// Waits for `duration` (forever, if it reaches past what an `Instant` holds).
pub(crate) async fn sleep(duration: Duration) {
    match Instant::now().checked_add(duration) {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Waits until `deadline`.
pub(crate) async fn sleep_until(deadline: Instant) {
    let _due = Due::new(deadline);
    tokio::time::sleep_until(deadline).await;
}

/// `future`, unless `duration` passes first (no limit if it reaches past what an `Instant`
/// holds).
pub(crate) async fn timeout<F: Future>(
    duration: Duration,
    future: F,
) -> Result<F::Output, Elapsed> {
    match Instant::now().checked_add(duration) {
        Some(deadline) => timeout_at(deadline, future).await,
        None => Ok(future.await),
    }
}

/// `future`, unless `deadline` comes first.
pub(crate) async fn timeout_at<F: Future>(
    deadline: Instant,
    future: F,
) -> Result<F::Output, Elapsed> {
    let _due = Due::new(deadline);
    tokio::time::timeout_at(deadline, future).await
}
