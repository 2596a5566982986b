//! The pass-through operations as `Client` methods, expanded from the core's table
//! ([`colonykit::for_each_operation!`]): one async method per row, with the row's arguments in
//! its order (after `;` the optional ones, which take the row's default when left out or None).
//! Arguments are converted with [`FromPy`], so a wrong type raises a `TypeError` that names the
//! argument. The methods that need more than a pass-through are written by hand: in
//! `client.rs`, and the process streams below.

use colonykit::operations::prelude::*;
use colonykit::Subscription;
use pyo3::prelude::*;

use crate::client::PyClient;
use crate::convert::seconds;
use crate::errors::{guard, IntoPyResult};
use crate::fields::FromPy;
use crate::runtime::{awaitable, in_runtime};
use crate::stream::PyProcessSubscription;

/// Turns the core's table into async `Client` methods.
macro_rules! python_methods {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident(
            $($arg:ident: $ty:ty),* $(; $($opt:ident: $oty:ty = $default:expr),*)?
        ) -> $reply:ty;
    )*) => {
        #[pymethods]
        impl PyClient {
            $(
                $(#[doc = $doc])*
                #[pyo3(signature = ($($arg,)* $($($opt = None),*)?))]
                fn $name<'py>(
                    &self,
                    py: Python<'py>,
                    $($arg: &Bound<'_, PyAny>,)*
                    $($($opt: Option<&Bound<'_, PyAny>>,)*)?
                ) -> PyResult<Bound<'py, PyAny>> {
                    $(let $arg = <$ty as FromPy>::from_py($arg, stringify!($arg))?;)*
                    $($(
                        let $opt: $oty = match $opt {
                            Some(value) => <$oty as FromPy>::from_py(value, stringify!($opt))?,
                            None => $default,
                        };
                    )*)?
                    let client = self.inner.clone();
                    awaitable(py, async move {
                        client.$name($($arg.pass(),)* $($($opt.pass()),*)?).await
                    })
                }
            )*
        }
    };
}

colonykit::for_each_operation!(python_methods);

/// A process stream opened by `open` (inside the runtime), as a `ProcessSubscription`.
fn process_stream<'py>(
    py: Python<'py>,
    open: impl FnOnce() -> colonykit::Result<Subscription<Process>>,
) -> PyResult<Bound<'py, PyProcessSubscription>> {
    let stream = guard(py, || in_runtime(open).py_err(py))?;
    PyProcessSubscription::new(py, stream)
}

#[pymethods]
impl PyClient {
    /// Processes of ``executortype`` as they reach ``state`` (e.g. new WAITING ones), as an
    /// async iterator (``ProcessSubscription``). Only a registered executor may subscribe;
    /// use ``assignments`` to take work, this stream is for watching.
    fn subscribe_processes<'py>(
        slf: &Bound<'py, Self>,
        executortype: String,
        state: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyProcessSubscription>> {
        let state = ProcessState::from_py(state, "state")?;
        let client = &slf.get().inner;
        process_stream(slf.py(), || {
            client.subscribe_processes(&executortype, state)
        })
    }

    /// The processes assigned to this executor, one by one, as an async iterator
    /// (``ProcessSubscription``). Each poll waits up to ``poll`` seconds (whole, at least one);
    /// no work means waiting, not an error. Leaving the loop (or ``close()``) ends it at once.
    #[pyo3(signature = (colonyname, poll = 10.0))]
    fn assignments<'py>(
        slf: &Bound<'py, Self>,
        colonyname: String,
        poll: f64,
    ) -> PyResult<Bound<'py, PyProcessSubscription>> {
        let poll = seconds(slf.py(), poll, "poll")?;
        let client = &slf.get().inner;
        process_stream(slf.py(), || client.assignments(&colonyname, poll))
    }
}
