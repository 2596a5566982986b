//! Core values on their way to Python: what a call ends with, and how it becomes the result of
//! its `asyncio.Future` (converted on the loop's thread with the GIL held: errors to `colonykit`
//! exceptions, a panic to a `ColonyError`).

use std::future::Future;
use std::pin::Pin;

use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::intern;
use pyo3::prelude::*;
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
pub trait Erased: Send {
    fn into_python(self: Box<Self>, py: Python<'_>) -> PyResult<Bound<'_, PyAny>>;
}

impl<T: ToPython> Erased for T {
    fn into_python(self: Box<Self>, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        (*self).to_python(py)
    }
}

pub type Convert = Box<dyn Erased>;

/// A core future whose value type is erased.
pub type Call = Pin<Box<dyn Future<Output = colonykit::Result<Convert>> + Send>>;

/// What a core future ended with: a value, a core error, or a panic.
pub type Outcome = std::thread::Result<colonykit::Result<Convert>>;

/// The outcome as a Python value, or the exception to raise.
pub fn outcome_to_python(py: Python<'_>, outcome: Outcome) -> PyResult<Bound<'_, PyAny>> {
    match outcome {
        Ok(Ok(value)) => value.into_python(py),
        Ok(Err(error)) => Err(to_pyerr(py, &error)),
        Err(payload) => Err(panic_to_pyerr(py, payload.as_ref())),
    }
}

/// Sets `future`'s result or exception, unless it is done already (cancelled). Whether it is
/// done is asked only when setting fails: asking first would cost a method call on every call.
pub fn set(py: Python<'_>, future: &Bound<'_, PyAny>, outcome: Outcome) -> PyResult<()> {
    let set = match outcome_to_python(py, outcome) {
        Ok(value) => future.call_method1(intern!(py, "set_result"), (value,)),
        Err(error) => future.call_method1(intern!(py, "set_exception"), (error.into_value(py),)),
    };
    match set {
        Err(_) if future.call_method0(intern!(py, "done"))?.is_truthy()? => Ok(()),
        set => set.map(drop),
    }
}
