//! Core errors and Rust panics as Python exceptions.
//!
//! The exception classes are plain Python (`colonykit/_errors.py`): `ColonyError` and one
//! subclass per core [`ErrorKind`], some of them also subclasses of a builtin (`ValueError`,
//! `TimeoutError`, `ConnectionError`). This module only picks the class and fills it in.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use colonykit::{Error, ErrorKind, WriteProgress};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyModule, PyTuple};

/// The Python module that defines the exception classes.
const ERRORS_MODULE: &str = "colonykit._errors";

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The Python class for an error kind (`NotFound` → `NotFoundError`).
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidArgument => "InvalidArgumentError",
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::Unauthorized => "UnauthorizedError",
        ErrorKind::InvalidRequest => "InvalidRequestError",
        ErrorKind::Conflict => "ConflictError",
        ErrorKind::RateLimited => "RateLimitedError",
        ErrorKind::Timeout => "TimeoutError",
        ErrorKind::Connection => "ConnectionError",
        ErrorKind::Protocol => "ProtocolError",
        ErrorKind::Server => "ServerError",
        ErrorKind::ProcessClosed => "ProcessClosedError",
        ErrorKind::Tls => "TlsError",
        ErrorKind::OutcomeUnknown => "OutcomeUnknownError",
        ErrorKind::ChannelLost => "ChannelLostError",
        // A kind added to the core later: the base class still carries its name.
        _ => "ColonyError",
    }
}

/// An instance of `colonykit.<class>(message, kind, status, write_progress)` as a `PyErr`.
fn colony_error(
    py: Python<'_>,
    class: &str,
    kind: &str,
    status: Option<u16>,
    message: &str,
    progress: Option<&WriteProgress>,
) -> PyErr {
    let made = ERRORS
        .get_or_try_init(py, || py.import(ERRORS_MODULE).map(Bound::unbind))
        .and_then(|module| {
            let module = module.bind(py);
            let progress = match progress {
                Some(p) => Some(
                    module
                        .getattr("WriteProgress")?
                        .call1((p.accepted, PyTuple::new(py, &p.not_accepted)?))?,
                ),
                None => None,
            };
            module
                .getattr(class)?
                .call1((message, kind, status, progress))
        });
    match made {
        Ok(instance) => PyErr::from_value(instance),
        // Only if the package is broken (e.g. `_errors.py` missing): still say what happened.
        Err(_) => PyRuntimeError::new_err(format!("{kind}: {message}")),
    }
}

/// A core error as the matching `colonykit` exception.
pub fn to_pyerr(py: Python<'_>, error: &Error) -> PyErr {
    colony_error(
        py,
        class_name(error.kind()),
        error.kind().name(),
        error.status(),
        error.message(),
        error.write_progress(),
    )
}

/// A Rust panic (a bug) as a `colonykit.ColonyError` of kind `Internal`, never a
/// `PanicException`.
pub fn panic_to_pyerr(py: Python<'_>, payload: &(dyn Any + Send)) -> PyErr {
    let what = if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.as_str()
    } else {
        "unknown panic"
    };
    colony_error(
        py,
        "ColonyError",
        "Internal",
        None,
        &format!("internal error in colonykit (please report it): {what}"),
        None,
    )
}

/// Runs `f`, turning a core error into its exception and a panic into `ColonyError`.
pub fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(panic_to_pyerr(py, payload.as_ref())),
    }
}

/// Converts a core result, raising the matching exception.
pub trait IntoPyResult<T> {
    /// The value, or the core error as its `colonykit` exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for colonykit::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}

/// An `InvalidArgumentError` (also a `ValueError`).
pub fn invalid_argument(py: Python<'_>, message: impl Into<String>) -> PyErr {
    to_pyerr(py, &Error::new(ErrorKind::InvalidArgument, message))
}

/// A `TypeError` that names what was expected and what was given.
pub fn wrong_type(what: &str, expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("{what} must be {expected}, not {}", type_name(got)))
}

/// The name of an object's type (`int`, `dict`, ...).
pub fn type_name(object: &Bound<'_, PyAny>) -> String {
    use pyo3::types::PyTypeMethods;
    object
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "an unknown type".into())
}
