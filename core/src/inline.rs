//! Starting a future on the calling thread, for callers outside the runtime (the bindings).
//!
//! A binding's call begins on the language's thread (an asyncio loop, Node's main thread) while
//! the runtime's worker does the I/O. Spawning the call onto the runtime wakes the worker just to
//! sign and write the request, after which it sleeps again until the reply: two thread switches
//! and a wake-up per call for the hand-over alone. [`spawn`] polls the future once on the calling
//! thread instead (inside the runtime's context, so the sockets and timers it registers are the
//! runtime's): signing and writing the request happen there, and the future moves to the runtime
//! at its first wake-up, which comes on the worker (usually: the reply is readable), so no thread
//! is woken for the hand-over itself.
//!
//! A future that completes in its first poll never touches the runtime, and [`poll_first`] gives
//! its output back at once (a binding settles the call without crossing threads). The future
//! must not panic (wrap it in `catch_unwind` when it may): its first poll runs on the caller's
//! thread.

use std::cell::Cell;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use tokio::runtime::Handle;

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How many calls in a row one thread may settle at once (see [`may_settle_at_once`]).
const AT_ONCE_IN_A_ROW: u32 = 32;

thread_local! {
    /// Calls settled at once in a row on this thread.
    static IN_A_ROW: Cell<u32> = const { Cell::new(0) };
}

/// Whether a call done in its first poll may settle at once: not every
/// [`AT_ONCE_IN_A_ROW`]-th time in a row, when the binding must settle it the ordinary way
/// instead (through the event loop), so that a consumer reading a stream whose buffer keeps
/// filling still gives its event loop a turn (asyncio's other tasks, Node's timers and I/O).
pub fn may_settle_at_once() -> bool {
    IN_A_ROW.with(|count| {
        let n = count.get() + 1;
        if n >= AT_ONCE_IN_A_ROW {
            count.set(0);
            false
        } else {
            count.set(n);
            true
        }
    })
}

/// Where a future started by [`spawn`] is.
enum State {
    /// In its first poll, on the calling thread.
    Polling,
    /// Woken during (or after) its first poll, before it was parked: it goes to the runtime
    /// when it is parked.
    Woken,
    /// Waiting for its first wake-up, which hands it to the runtime.
    Waiting(Task),
    /// Done in its first poll, or handed to the runtime (a late wake-up of the first poll's
    /// waker is then ignored: the runtime's task registered its own).
    Gone,
}

struct FirstWake {
    handle: Handle,
    state: Mutex<State>,
}

impl Wake for FirstWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match mem::replace(&mut *state, State::Gone) {
            State::Polling | State::Woken => *state = State::Woken,
            State::Waiting(task) => {
                drop(state);
                // On a worker (the usual case: its reactor delivers the wake-up) this queues the
                // task locally, without waking any thread.
                drop(self.handle.spawn(task));
            }
            State::Gone => {}
        }
    }
}

/// Runs `future` to its end: polled once on this thread, then on `handle`'s runtime from its
/// first wake-up on. Nothing is returned: the future delivers its own outcome.
pub fn spawn<F>(handle: &Handle, future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    if let Err(parked) = poll_first(handle, future) {
        parked.then(|()| ());
    }
}

/// Polls `future` once on this thread: its output if it is ready at once (it never reaches the
/// runtime then), else the future, waiting for its first wake-up; [`Parked::then`] says what to
/// do with its output.
pub fn poll_first<F>(handle: &Handle, future: F) -> Result<F::Output, Parked<F>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut future = Box::pin(future);
    let first = Arc::new(FirstWake {
        handle: handle.clone(),
        state: Mutex::new(State::Polling),
    });
    let waker = Waker::from(Arc::clone(&first));
    let polled = {
        let _entered = handle.enter();
        future.as_mut().poll(&mut Context::from_waker(&waker))
    };
    match polled {
        Poll::Ready(output) => {
            *first.state.lock().unwrap_or_else(|p| p.into_inner()) = State::Gone;
            Ok(output)
        }
        Poll::Pending => {
            IN_A_ROW.with(|count| count.set(0));
            Err(Parked { future, first })
        }
    }
}

/// A future started by [`poll_first`] that did not finish in its first poll.
pub struct Parked<F: Future> {
    future: Pin<Box<F>>,
    first: Arc<FirstWake>,
}

impl<F> Parked<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// Runs the rest of the future on the runtime (from its first wake-up on, which may have
    /// come already) and hands its output to `deliver` there.
    pub fn then(self, deliver: impl FnOnce(F::Output) + Send + 'static) {
        let Parked { future, first } = self;
        let task: Task = Box::pin(async move { deliver(future.await) });
        let mut state = first.state.lock().unwrap_or_else(|p| p.into_inner());
        match mem::replace(&mut *state, State::Gone) {
            State::Woken => {
                drop(state);
                drop(first.handle.spawn(task));
            }
            _ => *state = State::Waiting(task),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn runs_to_the_end_and_moves_to_the_runtime() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let caller = std::thread::current().id();
        let (sender, receiver) = std::sync::mpsc::channel();
        spawn(runtime.handle(), async move {
            let first = std::thread::current().id();
            crate::timer::sleep(Duration::from_millis(10)).await;
            let after = std::thread::current().id();
            let _ = sender.send((first, after));
        });
        let (first, after) = receiver
            .recv_timeout(Duration::from_secs(5))
            .expect("the future ran to its end");
        assert_eq!(first, caller, "the first poll runs on the calling thread");
        assert_ne!(after, caller, "after its first wait it runs on the runtime");
    }

    #[test]
    fn a_future_ready_at_once_never_reaches_the_runtime() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let (sender, receiver) = std::sync::mpsc::channel();
        spawn(runtime.handle(), async move {
            let _ = sender.send(std::thread::current().id());
        });
        assert_eq!(receiver.try_recv().ok(), Some(std::thread::current().id()));
    }

    #[test]
    fn an_output_ready_at_once_is_given_back() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        assert!(matches!(poll_first(runtime.handle(), async { 5 }), Ok(5)));
    }

    #[test]
    fn a_wake_during_the_first_poll_is_not_lost() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .expect("a runtime");
        let (sender, receiver) = std::sync::mpsc::channel();
        spawn(runtime.handle(), async move {
            // Wakes itself, then waits once: only the runtime can finish it.
            tokio::task::yield_now().await;
            let _ = sender.send(());
        });
        assert!(receiver.recv_timeout(Duration::from_secs(5)).is_ok());
    }
}
