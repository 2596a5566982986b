//! The pass-through operations as `Client` and `SyncClient` methods, expanded from the core's
//! table ([`colonykit::for_each_operation!`]): per row, one async method of `Client` and one
//! blocking method of `SyncClient` (`twins!`), with the row's arguments in its order (after `;` the optional ones, which take the row's default when left out or None).
//! Arguments are converted with [`FromPy`], so a wrong type raises a `TypeError` that names the
//! argument. The methods that need more than a pass-through are written by hand: in
//! `client.rs`, and the process streams below.

use colonykit::operations::prelude::*;
use colonykit::Subscription;
use pyo3::prelude::*;

use crate::blocking::{twins, Mode};
use crate::client::{PyClient, PySyncClient};
use crate::convert::seconds;
use crate::errors::{guard, IntoPyResult};
use crate::fields::FromPy;
use crate::runtime::in_runtime;
use crate::stream::process_subscription;

/// Turns the core's table into async `Client` methods and blocking `SyncClient` ones.
macro_rules! python_methods {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident(
            $($arg:ident: $ty:ty),* $(; $($opt:ident: $oty:ty = $default:expr),*)?
        ) -> $reply:ty;
    )*) => {
        twins! {
        impl PyClient, PySyncClient {
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
                    Run::call(py, async move {
                        client.$name($($arg.pass(),)* $($($opt.pass()),*)?).await
                    })
                }
            )*
        }
        }
    };
}

colonykit::for_each_operation!(python_methods);

/// A process stream opened by `open` (inside the runtime), as a `ProcessSubscription` or (if
/// `blocking`) a `SyncProcessSubscription`.
fn process_stream<'py>(
    py: Python<'py>,
    blocking: bool,
    open: impl FnOnce() -> colonykit::Result<Subscription<Process>>,
) -> PyResult<Bound<'py, PyAny>> {
    let stream = guard(py, || in_runtime(open).py_err(py))?;
    process_subscription(py, blocking, stream)
}

twins! {
impl PyClient, PySyncClient {
    /// Processes of ``executortype`` as they reach ``state`` (e.g. new WAITING ones), as an
    /// iterator (``ProcessSubscription``; from ``SyncClient``, ``SyncProcessSubscription``). Only a registered executor may subscribe;
    /// use ``assignments`` to take work, this stream is for watching.
    fn subscribe_processes<'py>(
        slf: &Bound<'py, Self>,
        executortype: String,
        state: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let state = ProcessState::from_py(state, "state")?;
        let client = &slf.get().inner;
        process_stream(slf.py(), Run::BLOCKING, || {
            client.subscribe_processes(&executortype, state)
        })
    }

    /// The processes assigned to this executor, one by one, as an iterator
    /// (``ProcessSubscription``; from ``SyncClient``, ``SyncProcessSubscription``). Each poll waits up to ``poll`` seconds (whole, at least one);
    /// no work means waiting, not an error. Leaving the loop (or ``close()``) ends it at once.
    #[pyo3(signature = (colonyname, poll = 10.0))]
    fn assignments<'py>(
        slf: &Bound<'py, Self>,
        colonyname: String,
        poll: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let poll = seconds(slf.py(), poll, "poll")?;
        let client = &slf.get().inner;
        process_stream(slf.py(), Run::BLOCKING, || {
            client.assignments(&colonyname, poll)
        })
    }
}
}
