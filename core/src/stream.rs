//! [`Subscription`]: a stream fed by a background task, with a bounded buffer between them.
//!
//! The task owns the socket; the consumer owns the [`Subscription`]. `next()` only waits on the
//! buffer, so it is cancel-safe: dropping a pending `next()` loses nothing. Closing (by
//! [`Subscription::close`], a [`Closer`] or dropping the stream) ends a pending `next()` at once
//! and stops the task, which closes its socket.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use crate::error::{Error, Result};

/// How many items may wait between the socket and a slow consumer.
pub(crate) const BUFFER: usize = 64;

/// A stream of `T` from the server. Ends with `None`; a failure is yielded once as `Err`, then
/// the stream ends.
pub struct Subscription<T> {
    items: mpsc::Receiver<Boxed<T>>,
    closed: Pin<Box<WaitForCancellationFutureOwned>>,
    token: CancellationToken,
    finished: bool,
}

/// An item as it waits in the buffer: boxed, because tokio's channel allocates its slots 32 at a
/// time when it is made, and 32 unboxed channel entries (≈ 150 bytes each) would be ≈ 5 kB per
/// idle subscription.
type Boxed<T> = Box<Result<T>>;

/// Where the background task puts what it read.
pub(crate) struct Feed<T>(mpsc::Sender<Boxed<T>>);

impl<T> Feed<T> {
    /// Hands `item` to the consumer, waiting while the buffer is full. `false` when the consumer
    /// is gone.
    pub(crate) async fn send(&self, item: Result<T>) -> bool {
        self.0.send(Box::new(item)).await.is_ok()
    }
}

/// Closes a [`Subscription`] from anywhere (another task, a signal handler, a binding).
#[derive(Debug, Clone)]
pub struct Closer(CancellationToken);

impl Closer {
    /// Closes the subscription: a pending or later `next()` returns `None`, the socket closes.
    pub fn close(&self) {
        self.0.cancel();
    }
}

impl<T: Send + 'static> Subscription<T> {
    /// Starts `produce` on the current tokio runtime, feeding a new subscription.
    pub(crate) fn spawn<F, Fut>(produce: F) -> Result<Self>
    where
        F: FnOnce(Feed<T>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::invalid_argument("subscriptions must be started inside a tokio runtime")
        })?;
        let (sender, items) = mpsc::channel(BUFFER);
        let token = CancellationToken::new();
        let stop = token.clone();
        let feed = Feed(sender);
        runtime.spawn(async move {
            // `produce` is called in here, not outside: a future moved into an async block is
            // kept twice in the task's state (as the block's capture and inside `select!`), and
            // the task lives as long as the subscription.
            tokio::select! {
                () = stop.cancelled() => {}
                () = produce(feed) => {}
            }
        });
        Ok(Subscription {
            items,
            closed: Box::pin(token.clone().cancelled_owned()),
            token,
            finished: false,
        })
    }
}

impl<T> Subscription<T> {
    /// The next item, or `None` when the stream has ended. Cancel-safe.
    pub async fn next_item(&mut self) -> Option<Result<T>>
    where
        T: Unpin,
    {
        futures::StreamExt::next(self).await
    }

    /// Closes the stream now: the socket closes and `next` returns `None`.
    pub fn close(&self) {
        self.token.cancel();
    }

    /// A handle that closes this stream from elsewhere.
    pub fn closer(&self) -> Closer {
        Closer(self.token.clone())
    }
}

impl<T> Stream for Subscription<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.finished || this.closed.as_mut().poll(cx).is_ready() {
            this.finished = true;
            return Poll::Ready(None);
        }
        match this.items.poll_recv(cx) {
            Poll::Ready(Some(item)) => Poll::Ready(Some(*item)),
            Poll::Ready(None) => {
                this.finished = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for Subscription<T> {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

impl<T> std::fmt::Debug for Subscription<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}
