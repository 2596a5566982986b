//! Calls that run to their end on the calling thread, which also waits for their replies: for
//! synchronous callers, such as the Python binding's blocking client.
//!
//! A synchronous caller of an async client usually blocks on a multi-thread runtime: its thread
//! sleeps while a worker, which owns the reactor, waits for the reply, then wakes it. That is two
//! threads woken per call. [`block_on`] runs the future on a current-thread runtime of the calling
//! thread instead, whose reactor that thread runs itself while it waits: one wake per call, as a
//! blocking socket has.
//!
//! A connection is registered with the reactor of the runtime that opened it, and only that
//! runtime reads it: the connection pool keeps the connections opened here apart, for this
//! thread only (see [`crate::pool`]). Tasks that a call spawns run on this thread's runtime
//! while a call runs here; the streams and writers of the client belong on a shared runtime
//! (start them inside its context), as they must go on between calls.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::{Arc, Weak};

use crate::error::{Error, Result};

thread_local! {
    /// This thread's runtime, and the process that made it.
    static RUNTIME: RefCell<Option<(u32, tokio::runtime::Runtime)>> = const { RefCell::new(None) };
    /// Whether [`block_on`] runs on this thread now.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// Dropped when this thread ends: what the pool keeps for it can go then.
    static ALIVE: Arc<()> = Arc::new(());
}

/// Runs `future` to its end on this thread (see the module's documentation). Fails only when
/// the runtime cannot be made, or when this thread is in a tokio runtime's context already (a
/// task, a runtime's `block_on`, its blocking pool, `Runtime::enter`, or this function): a
/// runtime cannot wait inside another one.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    if ACTIVE.get() || tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::invalid_argument(
            "colonykit::direct::block_on cannot run inside an async context",
        ));
    }
    RUNTIME.with(|cell| {
        let pid = std::process::id();
        let runtime = match cell.borrow_mut().take() {
            Some((owner, runtime)) if owner == pid => runtime,
            parents => {
                // A child made by `fork` finds its parent's runtime here, whose reactor the
                // parent still uses: it is left alone, never dropped.
                std::mem::forget(parents);
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| Error::connection(format!("cannot start a runtime: {e}")))?
            }
        };
        let output = {
            // Set while anything runs on this runtime: its tasks' calls also use this thread's
            // connections.
            ACTIVE.set(true);
            let _reset = Reset;
            let output = runtime.block_on(future);
            // A task the call started and left behind (a stream it dropped, say) ends now
            // rather than at this thread's next call.
            if runtime.metrics().num_alive_tasks() > 0 {
                runtime.block_on(tokio::task::yield_now());
            }
            output
        };
        *cell.borrow_mut() = Some((pid, runtime));
        Ok(output)
    })
}

/// Whether the current call runs in [`block_on`] on this thread.
pub(crate) fn active() -> bool {
    ACTIVE.get()
}

/// A handle that stops upgrading once this thread has ended.
pub(crate) fn this_thread() -> Weak<()> {
    ALIVE.with(Arc::downgrade)
}

/// Clears [`ACTIVE`] when the call ends, also by a panic.
struct Reset;

impl Drop for Reset {
    fn drop(&mut self) {
        ACTIVE.set(false);
    }
}
