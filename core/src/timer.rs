//! The core's timers: tokio's, each also known to the event loop that drives its call, if one
//! does ([`crate::direct::next_timer`]): such a loop turns the runtime when a timer is due and
//! not before, so a timer it does not know of would never fire. `clippy.toml` keeps tokio's own
//! timer functions out of the rest of the crate.
//!
//! Each is a plain struct around tokio's future rather than an `async fn`: an `async fn` keeps its
//! arguments beside what it awaits, so the future it was given would be held twice, and a stream's
//! task (made of such futures) would grow by as much.
#![allow(clippy::disallowed_methods)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::error::Elapsed;
use tokio::time::Instant;

use crate::direct::Due;

pin_project_lite::pin_project! {
    /// A wait until a deadline (tokio's `Sleep`).
    pub(crate) struct Sleep {
        #[pin]
        inner: tokio::time::Sleep,
        due: Option<Due>,
    }
}

pin_project_lite::pin_project! {
    /// A future bounded by a deadline (tokio's `Timeout`).
    pub(crate) struct Timeout<F> {
        #[pin]
        inner: tokio::time::Timeout<F>,
        // None: too far away to count (past what an `Instant` holds).
        deadline: Option<Instant>,
        due: Option<Due>,
    }
}

/// Waits for `duration`.
pub(crate) fn sleep(duration: Duration) -> Sleep {
    Sleep {
        inner: tokio::time::sleep(duration),
        due: None,
    }
}

/// Waits until `deadline`.
pub(crate) fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        inner: tokio::time::sleep_until(deadline),
        due: None,
    }
}

/// `future`, unless `duration` passes first.
pub(crate) fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    match Instant::now().checked_add(duration) {
        Some(deadline) => timeout_at(deadline, future),
        None => Timeout {
            inner: tokio::time::timeout(duration, future),
            deadline: None,
            due: None,
        },
    }
}

/// `future`, unless `deadline` comes first.
pub(crate) fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        inner: tokio::time::timeout_at(deadline, future),
        deadline: Some(deadline),
        due: None,
    }
}

// The deadline is counted from the first poll: that is when a driven call waits on it, on the
// loop's thread.

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.due.is_none() {
            *this.due = Some(Due::new(this.inner.deadline()));
        }
        this.inner.poll(cx)
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let (None, Some(deadline)) = (&this.due, this.deadline) {
            *this.due = Some(Due::new(*deadline));
        }
        this.inner.poll(cx)
    }
}
