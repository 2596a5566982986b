//! How one value of a core type becomes a Python object ([`ToPy`]) and back ([`FromPy`]).
//!
//! The record classes (`records.rs`, `types.rs`) read and assign their fields through these traits, and the
//! client methods (`api.rs`) convert their arguments with [`FromPy`]. `what` names the argument
//! or the field (`"Cron.interval"`) in error messages: a wrong type is a `TypeError`, a right
//! type with a bad value a `colonykit.InvalidArgumentError`.

use std::time::Duration;

use colonykit::ProcessState;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyType};
use serde_json::Value;

use crate::convert::{json_list_to_py, json_to_py, py_to_json, py_to_json_list, py_to_strings};
use crate::errors::{invalid_argument, wrong_type};

/// The Python module that defines the state enums.
const ENUMS_MODULE: &str = "colonykit._enums";

static PROCESS_STATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static EXECUTOR_STATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `enum_class(value)`, or the plain int for a value the enum does not know.
fn enum_member<'py>(
    py: Python<'py>,
    cell: &PyOnceLock<Py<PyType>>,
    name: &str,
    value: i64,
) -> PyResult<Bound<'py, PyAny>> {
    match cell
        .import(py, ENUMS_MODULE, name)
        .and_then(|class| class.call1((value,)))
    {
        Ok(member) => Ok(member),
        Err(_) => Ok(value.into_pyobject(py)?.into_any()),
    }
}

pub fn process_state<'py>(
    py: Python<'py>,
    state: colonykit::ProcessState,
) -> PyResult<Bound<'py, PyAny>> {
    enum_member(py, &PROCESS_STATE, "ProcessState", state.into())
}

pub fn executor_state<'py>(
    py: Python<'py>,
    state: colonykit::ExecutorState,
) -> PyResult<Bound<'py, PyAny>> {
    enum_member(py, &EXECUTOR_STATE, "ExecutorState", state.into())
}

/// `name=repr(value), ...` for a repr.
pub fn fields(items: &[(&str, Bound<'_, PyAny>)]) -> PyResult<String> {
    let mut parts = Vec::with_capacity(items.len());
    for (name, value) in items {
        parts.push(format!("{name}={}", value.repr()?));
    }
    Ok(parts.join(", "))
}

/// A core value that can be shown to Python.
pub trait ToPy {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
}

/// A core value that can be made from a Python object.
pub trait FromPy: Sized {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self>;
}

impl ToPy for String {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, self).into_any())
    }
}

impl FromPy for String {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        value
            .extract()
            .map_err(|_| wrong_type(what, "a str", value))
    }
}

impl ToPy for bool {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyBool::new(py, *self).to_owned().into_any())
    }
}

impl FromPy for bool {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        match value.cast::<PyBool>() {
            Ok(flag) => Ok(flag.is_true()),
            Err(_) => Err(wrong_type(what, "a bool", value)),
        }
    }
}

/// An int that is not a bool (`True` is an int in Python, but never meant as a count).
fn integer(value: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    if !value.is_instance_of::<PyInt>() || value.is_instance_of::<PyBool>() {
        return Err(wrong_type(what, "an int", value));
    }
    value
        .extract()
        .map_err(|_| invalid_argument(value.py(), format!("{what} is outside the 64-bit range")))
}

impl ToPy for i64 {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.into_pyobject(py)?.into_any())
    }
}

impl FromPy for i64 {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        integer(value, what)
    }
}

/// Counts and limits: an int ≥ 0.
impl FromPy for u32 {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        let number = integer(value, what)?;
        u32::try_from(number).map_err(|_| {
            invalid_argument(
                value.py(),
                format!("{what} must be a non-negative integer in range, got {number}"),
            )
        })
    }
}

impl ToPy for f64 {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyFloat::new(py, *self).into_any())
    }
}

impl FromPy for f64 {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        if value.is_instance_of::<PyBool>()
            || !(value.is_instance_of::<PyFloat>() || value.is_instance_of::<PyInt>())
        {
            return Err(wrong_type(what, "a float", value));
        }
        value.extract()
    }
}

/// Seconds (an int or a float) as a duration.
impl FromPy for Duration {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        let seconds = f64::from_py(value, what)?;
        crate::convert::seconds(value.py(), seconds, what)
    }
}

/// Free-form JSON (`None` when unset).
impl ToPy for Value {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, self)
    }
}

impl FromPy for Value {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        py_to_json(value, what)
    }
}

impl ToPy for Vec<Value> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(json_list_to_py(py, self)?.into_any())
    }
}

impl FromPy for Vec<Value> {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        py_to_json_list(value, what)
    }
}

impl ToPy for Vec<String> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyList::new(py, self)?.into_any())
    }
}

impl FromPy for Vec<String> {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        py_to_strings(value, what)
    }
}

/// A `colonykit.ProcessState`.
impl ToPy for ProcessState {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        process_state(py, *self)
    }
}

/// A `ProcessState`, its name or its number.
impl FromPy for ProcessState {
    fn from_py(value: &Bound<'_, PyAny>, _what: &str) -> PyResult<Self> {
        crate::convert::process_state(value)
    }
}

/// A state, or None for "any state".
impl FromPy for Option<ProcessState> {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        if value.is_none() {
            return Ok(None);
        }
        ProcessState::from_py(value, what).map(Some)
    }
}

/// A core type with a Python class of its own (a record, a `FunctionSpec`): lists of them
/// convert item by item.
pub trait Object: ToPy + FromPy {}

impl<T: Object> ToPy for Vec<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let list = PyList::empty(py);
        for item in self {
            list.append(item.to_py(py)?)?;
        }
        Ok(list.into_any())
    }
}

impl<T: Object> FromPy for Vec<T> {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        if value.is_instance_of::<PyString>() {
            return Err(wrong_type(what, "a list", value));
        }
        let items = value
            .try_iter()
            .map_err(|_| wrong_type(what, "a list", value))?;
        let mut converted = Vec::new();
        for item in items {
            converted.push(T::from_py(&item?, &format!("each item of {what}"))?);
        }
        Ok(converted)
    }
}
