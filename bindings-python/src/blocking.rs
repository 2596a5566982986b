//! The two ways a method runs a core future: as an asyncio awaitable (`Client`) or by blocking
//! the calling thread until it is done (`SyncClient`).
//!
//! A method is written once, with [`twins!`]: the macro emits it for the async class and for its
//! blocking twin, where the alias `Run` names [`Async`] or [`Blocking`]. `Run::call(py, future)`
//! then returns a coroutine, or the future's result.
//!
//! Blocking runs the future on the calling thread, inside the shared runtime (whose worker does
//! the I/O), with the GIL released: other Python threads run meanwhile, many threads may share
//! one client, and no event loop is involved (so it works where a loop is already running, as in
//! a notebook). It waits in slices and checks for signals between them, so Ctrl-C interrupts a
//! wait within a slice: the future is dropped, which closes whatever it was waiting on. The
//! slice's timer is kept per thread from call to call: a timer registered per call would wake
//! the runtime's worker on every call (a new earliest deadline) only for it to sleep again.

use std::cell::RefCell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::time::Duration;

use futures::FutureExt;
use pyo3::prelude::*;
use tokio::time::Sleep;

use crate::errors::{panic_to_pyerr, to_pyerr};
use crate::runtime::{awaitable, runtime, ToPython};

/// How a method hands back the outcome of a core future.
pub trait Mode {
    /// Whether the caller waits (`SyncClient`) or gets an awaitable (`Client`).
    const BLOCKING: bool;

    /// The outcome of `future`: a coroutine for it, or (blocking) its value as a Python object.
    fn call<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
    where
        T: ToPython,
        F: Future<Output = colonykit::Result<T>> + Send + 'static;
}

/// Methods return coroutines (`colonykit.Client`).
pub struct Async;

/// Methods block until the result is there (`colonykit.SyncClient`).
pub struct Blocking;

impl Mode for Async {
    const BLOCKING: bool = false;

    fn call<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
    where
        T: ToPython,
        F: Future<Output = colonykit::Result<T>> + Send + 'static,
    {
        awaitable(py, future)
    }
}

impl Mode for Blocking {
    const BLOCKING: bool = true;

    fn call<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
    where
        T: ToPython,
        F: Future<Output = colonykit::Result<T>> + Send + 'static,
    {
        block(py, future)
    }
}

/// How long a blocking call waits before it checks for signals (Ctrl-C).
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

thread_local! {
    /// This thread's signal slice: one timer kept between calls, so that a call does not
    /// register (and wake the runtime's worker for) a timer of its own. Tagged with the process
    /// that made it: a child made by `fork` gets a runtime of its own, and never touches (nor
    /// drops) its parent's timer.
    static SLICE: RefCell<Option<(u32, Pin<Box<Sleep>>)>> = const { RefCell::new(None) };
}

/// This thread's signal slice, on `runtime` (made there on first use, restarted once elapsed).
fn take_slice(runtime: &tokio::runtime::Runtime) -> Pin<Box<Sleep>> {
    let pid = std::process::id();
    let kept = SLICE.with(|cell| cell.borrow_mut().take());
    let mut slice = match kept {
        Some((owner, slice)) if owner == pid => slice,
        other => {
            // A parent's timer in a forked child: its runtime is not this one; leave it be.
            std::mem::forget(other);
            let _entered = runtime.enter();
            Box::pin(tokio::time::sleep(SIGNAL_SLICE))
        }
    };
    if slice.is_elapsed() {
        let _entered = runtime.enter();
        slice.as_mut().reset(tokio::time::Instant::now() + SIGNAL_SLICE);
    }
    slice
}

fn keep_slice(slice: Pin<Box<Sleep>>) {
    let _ = SLICE.try_with(|cell| *cell.borrow_mut() = Some((std::process::id(), slice)));
}

/// Runs `future` to its end on this thread with the GIL released; its value as a Python object,
/// or the matching `colonykit` exception. A pending signal whose handler raises (Ctrl-C:
/// `KeyboardInterrupt`) ends the wait and drops the future.
pub fn block<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    T: ToPython,
    F: Future<Output = colonykit::Result<T>> + Send + 'static,
{
    // Taken with the GIL held (see `runtime`), before it is released.
    let runtime = runtime();
    let mut future = Box::pin(AssertUnwindSafe(future).catch_unwind());
    loop {
        let mut slice = take_slice(runtime);
        let outcome = py.detach(|| {
            runtime.block_on(async {
                tokio::select! {
                    biased;
                    outcome = &mut future => Some(outcome),
                    () = slice.as_mut() => None,
                }
            })
        });
        keep_slice(slice);
        match outcome {
            Some(Ok(Ok(value))) => return value.to_python(py),
            Some(Ok(Err(error))) => return Err(to_pyerr(py, &error)),
            Some(Err(panic)) => return Err(panic_to_pyerr(py, panic.as_ref())),
            None => py.check_signals()?,
        }
    }
}

/// Writes `#[pymethods]` once for an async class and its blocking twin.
///
/// ```ignore
/// twins! {
///     impl PyClient, PySyncClient {
///         fn name<'py>(&self, py: Python<'py>, ...) -> PyResult<Bound<'py, PyAny>> {
///             Run::call(py, async move { ... })
///         }
///     }
/// }
/// ```
///
/// In each body, `Run` is [`Async`] in the first class and [`Blocking`] in the second. Both
/// classes must have the fields the bodies use.
macro_rules! twins {
    (
        impl $async_class:ty, $blocking_class:ty {
            $(
                $(#[$($attr:tt)*])*
                fn $name:ident $(<$lt:lifetime>)? ($($params:tt)*) $(-> $ret:ty)? $body:block
            )*
        }
    ) => {
        #[pymethods]
        impl $async_class {
            $(
                $(#[$($attr)*])*
                fn $name $(<$lt>)? ($($params)*) $(-> $ret)? {
                    #[allow(dead_code)]
                    type Run = $crate::blocking::Async;
                    $body
                }
            )*
        }

        #[pymethods]
        impl $blocking_class {
            $(
                $(#[$($attr)*])*
                fn $name $(<$lt>)? ($($params)*) $(-> $ret)? {
                    #[allow(dead_code)]
                    type Run = $crate::blocking::Blocking;
                    $body
                }
            )*
        }
    };
}

pub(crate) use twins;
