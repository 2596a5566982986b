//! Core futures as asyncio awaitables.
//!
//! Every async method returns a real coroutine (`colonykit._aio._call`): when it first runs, it
//! starts the core future on the one shared tokio runtime (started lazily by
//! pyo3-async-runtimes) and awaits an `asyncio.Future` for it. Cancelling the awaiting task
//! cancels that future, which drops the core future and closes whatever it was waiting on; a
//! coroutine that is never awaited runs nothing.
//! The result is converted to Python objects, and errors to `colonykit` exceptions, while the
//! future's result is set (the only moment the GIL is held); a panic becomes a `ColonyError`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Mutex;

use futures::FutureExt;
use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyList;

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
struct Outcome(std::thread::Result<colonykit::Result<Convert>>);

impl<'py> IntoPyObject<'py> for Outcome {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            Ok(Ok(value)) => value.into_python(py),
            Ok(Err(error)) => Err(to_pyerr(py, &error)),
            Err(payload) => Err(panic_to_pyerr(py, payload.as_ref())),
        }
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
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            Ok(Outcome(AssertUnwindSafe(call).catch_unwind().await))
        })
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
