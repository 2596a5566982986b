//! Core futures as asyncio awaitables.
//!
//! Every async method returns a real coroutine (`colonykit._aio._call`): nothing runs until it
//! is awaited. When it first runs, it starts the core future on the one shared tokio runtime
//! (pyo3-async-runtimes' runtime, started lazily) and awaits an `asyncio.Future` for its result.
//! Cancelling the awaiting task cancels that future, which aborts the tokio task: the core future
//! is dropped and closes whatever it was waiting on.
//!
//! The result is handed back with `loop.call_soon_threadsafe` from a blocking-pool thread (so a
//! tokio worker never waits for the GIL); it is converted to Python objects there, and errors to
//! `colonykit` exceptions; a panic becomes a `ColonyError`. Interpreter exit is safe: an `atexit`
//! hook stops all hand-backs and waits for those in progress, so no thread touches Python while
//! the interpreter finalizes, and a closed loop is left alone ("Event loop is closed" never
//! shows).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::FutureExt;
use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyList;
use tokio::task::AbortHandle;

use crate::errors::{panic_to_pyerr, to_pyerr};

/// A core value that has a Python form.
pub trait ToPython: Send + 'static {
    /// The value as a Python object (called with the GIL held).
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>>;
}

impl ToPython for () {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(py.None().into_bound(py))
    }
}

impl<T: ToPython> ToPython for Option<T> {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        match self {
            Some(value) => value.to_python(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

impl<T: ToPython> ToPython for Vec<T> {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let list = PyList::empty(py);
        for item in self {
            list.append(item.to_python(py)?)?;
        }
        Ok(list.into_any())
    }
}

/// The next item of an async iterator: `None` ends the iteration (`StopAsyncIteration`).
pub struct Next<T>(pub Option<T>);

impl<T: ToPython> ToPython for Next<T> {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        match self.0 {
            Some(value) => value.to_python(py),
            None => Err(PyStopAsyncIteration::new_err(())),
        }
    }
}

/// A core value whose type is erased, converted to Python once the GIL is held.
trait Erased: Send {
    fn into_python(self: Box<Self>, py: Python<'_>) -> PyResult<Bound<'_, PyAny>>;
}

impl<T: ToPython> Erased for T {
    fn into_python(self: Box<Self>, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        (*self).to_python(py)
    }
}

type Convert = Box<dyn Erased>;

/// A core future whose value type is erased.
type Call = Pin<Box<dyn Future<Output = colonykit::Result<Convert>> + Send>>;

/// What a core future ended with: a value, a core error, or a panic.
type Outcome = std::thread::Result<colonykit::Result<Convert>>;

/// The outcome as a Python value, or the exception to raise.
fn outcome_to_python(py: Python<'_>, outcome: Outcome) -> PyResult<Bound<'_, PyAny>> {
    match outcome {
        Ok(Ok(value)) => value.into_python(py),
        Ok(Err(error)) => Err(to_pyerr(py, &error)),
        Err(payload) => Err(panic_to_pyerr(py, payload.as_ref())),
    }
}

/// Set at interpreter exit: from then on no result is handed back to Python.
static SHUTDOWN: AtomicBool = AtomicBool::new(false);
/// Hand-backs that may be touching Python right now.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// The longest interpreter exit waits for hand-backs in progress.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// Called by `atexit`: stops handing results back and waits (without the GIL) until the
/// hand-backs in progress are done, so that none touches Python while it finalizes.
#[pyfunction]
pub fn _shutdown(py: Python<'_>) {
    SHUTDOWN.store(true, Ordering::SeqCst);
    py.detach(|| {
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        while IN_FLIGHT.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Hands `outcome` to `future` on its loop (runs on a blocking-pool thread).
fn hand_back(event_loop: Py<PyAny>, future: Py<PyAny>, outcome: Outcome) {
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    if !SHUTDOWN.load(Ordering::SeqCst) {
        Python::attach(move |py| {
            // Fails only when the loop is closing or closed: nobody waits for the result then.
            let _ = set_soon(py, event_loop.bind(py), future.bind(py), outcome);
        });
    }
    // At exit the objects are dropped without the GIL: pyo3 defers their release.
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
}

static SET: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn set_soon(
    py: Python<'_>,
    event_loop: &Bound<'_, PyAny>,
    future: &Bound<'_, PyAny>,
    outcome: Outcome,
) -> PyResult<()> {
    if event_loop
        .call_method0(intern!(py, "is_closed"))?
        .is_truthy()?
    {
        return Ok(());
    }
    let (ok, value) = match outcome_to_python(py, outcome) {
        Ok(value) => (true, value),
        Err(error) => (false, error.into_value(py).into_bound(py).into_any()),
    };
    let set = helper(py, &SET, "_set")?;
    event_loop.call_method1(
        intern!(py, "call_soon_threadsafe"),
        (set, future, ok, value),
    )?;
    Ok(())
}

/// Aborts the tokio task of a cancelled `asyncio.Future` (its done callback).
#[pyclass(frozen, module = "colonykit._native", name = "_Abort")]
pub struct Abort {
    task: AbortHandle,
}

#[pymethods]
impl Abort {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future
            .call_method0(intern!(future.py(), "cancelled"))?
            .is_truthy()?
        {
            self.task.abort();
        }
        Ok(())
    }
}

/// Starts a core future when its coroutine first runs (`colonykit._aio._call(start)`).
#[pyclass(frozen, module = "colonykit._native", name = "_Start")]
pub struct Start {
    call: Mutex<Option<Call>>,
}

#[pymethods]
impl Start {
    /// Starts the future on the shared runtime; an `asyncio.Future` for its result.
    fn __call__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let call = self
            .call
            .lock()
            .map_err(|_| PyRuntimeError::new_err("colonykit: a call's lock is poisoned"))?
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("colonykit: this call was started already"))?;
        let event_loop = pyo3_async_runtimes::get_running_loop(py)?;
        let future = event_loop.call_method0(intern!(py, "create_future"))?;
        let (loop_ref, future_ref) = (event_loop.unbind(), future.clone().unbind());
        let task = pyo3_async_runtimes::tokio::get_runtime().spawn(async move {
            let outcome = AssertUnwindSafe(call).catch_unwind().await;
            drop(tokio::task::spawn_blocking(move || {
                hand_back(loop_ref, future_ref, outcome)
            }));
        });
        let abort = Abort {
            task: task.abort_handle(),
        };
        future.call_method1(intern!(py, "add_done_callback"), (abort,))?;
        Ok(future)
    }
}

static CALL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static READY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The helper `name` of `colonykit._aio`.
fn helper<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.import("colonykit._aio")?.getattr(name)?.unbind())
    })
    .map(|helper| helper.bind(py))
}

/// A coroutine that runs `future` on the shared runtime when awaited, and returns its result
/// as a Python object (or raises the matching `colonykit` exception).
pub fn awaitable<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    T: ToPython,
    F: Future<Output = colonykit::Result<T>> + Send + 'static,
{
    let call: Call = Box::pin(async move { future.await.map(|value| Box::new(value) as Convert) });
    let start = Start {
        call: Mutex::new(Some(call)),
    };
    helper(py, &CALL, "_call")?.call1((start,))
}

/// A coroutine that returns `value` at once.
pub fn ready<'py>(py: Python<'py>, value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    helper(py, &READY, "_ready")?.call1((value,))
}

/// Runs `f` inside the shared runtime's context (for core calls that spawn tasks).
pub fn in_runtime<T>(f: impl FnOnce() -> T) -> T {
    let _entered = pyo3_async_runtimes::tokio::get_runtime().enter();
    f()
}
