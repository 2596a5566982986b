//! The two ways a method runs a core future: as an asyncio awaitable (`Client`) or by blocking
//! the calling thread until it is done (`SyncClient`).
//!
//! A method is written once, with [`twins!`]: the macro emits it for the async class and for its
//! blocking twin, where the alias `Run` names [`Async`] or [`Blocking`]. `Run::call(py, future)`
//! then returns a coroutine, or the future's result.
//!
//! Blocking runs the future on the calling thread with the GIL released: other Python threads
//! run meanwhile, many threads may share one client, and no event loop is involved (so it works
//! where a loop is already running, as in a notebook). A method's call runs on the thread's own
//! runtime, whose reactor the thread runs while it waits (`colonykit::direct`: one thread woken
//! per reply, not two). A call that starts tasks which must go on after it (making a writer)
//! waits inside the shared runtime instead, where streams and writers run between calls. It
//! waits in slices and checks for signals between them, so Ctrl-C interrupts a wait within a
//! slice: the future is dropped, which closes whatever it was waiting on.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use pyo3::prelude::*;

use crate::errors::{panic_to_pyerr, to_pyerr};
use crate::outcome::ToPython;
use crate::runtime::{awaitable, driven_awaitable, runtime};

/// How a method hands back the outcome of a core future.
pub trait Mode {
    /// Whether the caller waits (`SyncClient`) or gets an awaitable (`Client`).
    const BLOCKING: bool;

    /// The outcome of `future`: a coroutine for it, or (blocking) its value as a Python object.
    fn call<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
    where
        T: ToPython,
        F: Future<Output = colonykit::Result<T>> + Send + 'static;

    /// As [`Mode::call`], for a future that starts tasks which must go on after it (a writer's):
    /// blocking, it waits inside the shared runtime, where they are started.
    fn call_on_shared_runtime<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
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
        driven_awaitable(py, future)
    }

    fn call_on_shared_runtime<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
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
        wait(py, future, Where::Here)
    }

    fn call_on_shared_runtime<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
    where
        T: ToPython,
        F: Future<Output = colonykit::Result<T>> + Send + 'static,
    {
        wait(py, future, Where::Shared)
    }
}

/// How long a blocking call waits before it checks for signals (Ctrl-C).
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// Which runtime a blocking call waits in.
enum Where {
    /// The shared runtime (its worker does the I/O).
    Shared,
    /// This thread's own (`colonykit::direct`).
    Here,
}

/// Runs `future` to its end on this thread with the GIL released; its value as a Python object,
/// or the matching `colonykit` exception. A pending signal whose handler raises (Ctrl-C:
/// `KeyboardInterrupt`) ends the wait and drops the future.
fn wait<'py, T, F>(py: Python<'py>, future: F, place: Where) -> PyResult<Bound<'py, PyAny>>
where
    T: ToPython,
    F: Future<Output = colonykit::Result<T>> + Send + 'static,
{
    // Taken with the GIL held (see `runtime`), before it is released; only where it is used.
    let shared = matches!(place, Where::Shared).then(runtime);
    let mut future = std::pin::pin!(AssertUnwindSafe(future).catch_unwind());
    loop {
        let slice = py.detach(|| {
            let slice = async { tokio::time::timeout(SIGNAL_SLICE, &mut future).await };
            match shared {
                Some(runtime) => Ok(runtime.block_on(slice)),
                None => colonykit::direct::block_on(slice),
            }
        });
        let slice = slice.map_err(|error| to_pyerr(py, &error))?;
        match slice {
            Ok(Ok(Ok(value))) => return value.to_python(py),
            Ok(Ok(Err(error))) => return Err(to_pyerr(py, &error)),
            Ok(Err(panic)) => return Err(panic_to_pyerr(py, panic.as_ref())),
            Err(_still_waiting) => py.check_signals()?,
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
