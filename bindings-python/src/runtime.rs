//! Core futures as asyncio awaitables.
//!
//! Every async method returns a real coroutine (`colonykit._aio._call`): nothing runs until it
//! is awaited. When it first runs, it starts the core future on the one shared tokio runtime
//! (one worker thread, started lazily) and awaits an `asyncio.Future` for its result.
//! Cancelling the awaiting task cancels that future, which aborts the tokio task: the core future
//! is dropped and closes whatever it was waiting on.
//!
//! The outcome comes back through the loop's [`Inbox`]: converted to Python objects on the
//! loop's thread, errors to `colonykit` exceptions, a panic to a `ColonyError`. No other thread
//! ever touches Python, so interpreter exit needs no care, and a closed loop is left alone
//! ("Event loop is closed" never shows).

use std::future::Future;
use std::io::{Read, Write};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

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

/// Where finished calls wait for their event loop, and the socket that wakes it.
///
/// A tokio worker never touches Python: it only queues the outcome and, when the queue was
/// empty, writes one byte. The loop watches the other end (`loop.add_reader`, see
/// `colonykit._aio`) and, on its own thread with the GIL, converts the outcomes and sets the
/// futures, as many as are queued per wake. Nothing waits for the GIL outside Python's thread,
/// and interpreter exit has nothing to stop: queued outcomes are simply dropped.
#[pyclass(frozen, module = "colonykit._native", name = "_Inbox")]
pub struct Inbox {
    shared: Arc<InboxShared>,
    wakes: UnixStream,
}

struct InboxShared {
    queue: Mutex<Vec<(Py<PyAny>, Outcome)>>,
    wake: UnixStream,
}

impl InboxShared {
    /// Queues `outcome` for `future` and wakes the loop if it was not woken already.
    fn deliver(&self, future: Py<PyAny>, outcome: Outcome) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.push((future, outcome));
        if queue.len() == 1 {
            // A full socket buffer means a wake is pending anyway.
            let _ = (&self.wake).write(&[1]);
        }
    }
}

#[pymethods]
impl Inbox {
    #[new]
    fn new() -> PyResult<Self> {
        let (wake, wakes) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        wakes.set_nonblocking(true)?;
        Ok(Inbox {
            shared: Arc::new(InboxShared {
                queue: Mutex::new(Vec::new()),
                wake,
            }),
            wakes,
        })
    }

    /// The descriptor the loop watches.
    #[getter]
    fn fd(&self) -> i32 {
        self.wakes.as_raw_fd()
    }

    /// Sets the futures of every queued outcome (on the loop's thread: its reader callback).
    fn drain(&self, py: Python<'_>) {
        // Empty the socket before taking the queue: an outcome queued after the take then
        // writes a byte this drain has not consumed, and wakes the loop again.
        let mut bytes = [0u8; 256];
        while matches!((&self.wakes).read(&mut bytes), Ok(n) if n > 0) {}
        let queued =
            std::mem::take(&mut *self.shared.queue.lock().unwrap_or_else(|p| p.into_inner()));
        for (future, outcome) in queued {
            // One future that cannot be set must not strand the others: report it and go on.
            if let Err(error) = set(py, future.bind(py), outcome) {
                error.write_unraisable(py, Some(future.bind(py)));
            }
        }
    }
}

/// Sets `future`'s result or exception, unless it is done already (cancelled).
fn set(py: Python<'_>, future: &Bound<'_, PyAny>, outcome: Outcome) -> PyResult<()> {
    if future.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    match outcome_to_python(py, outcome) {
        Ok(value) => future.call_method1(intern!(py, "set_result"), (value,))?,
        Err(error) => future.call_method1(intern!(py, "set_exception"), (error.into_value(py),))?,
    };
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
        let inbox = helper(py, &INBOX, "_inbox")?.call1((event_loop,))?;
        let inbox = Arc::clone(&inbox.cast::<Inbox>()?.get().shared);
        let future_ref = future.clone().unbind();
        let task = runtime().spawn(async move {
            let outcome = AssertUnwindSafe(call).catch_unwind().await;
            inbox.deliver(future_ref, outcome);
        });
        let abort = Abort {
            task: task.abort_handle(),
        };
        future.call_method1(intern!(py, "add_done_callback"), (abort,))?;
        Ok(future)
    }
}

static CALL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static INBOX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
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

/// The shared runtime of this process: one worker thread does all the I/O (a second one would
/// only add hand-overs between threads; the work per call is small).
///
/// A child made by `fork` has none of its parent's threads, so it gets a runtime of its own on
/// its first call; the parent's is left alone (never dropped in the child: its reactor's
/// registrations belong to the parent). Always called with the GIL held, as `os.fork` is, so a
/// fork never happens while the lock below is held.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static CURRENT: Mutex<Option<(u32, &'static tokio::runtime::Runtime)>> = Mutex::new(None);
    let pid = std::process::id();
    let mut current = CURRENT.lock().unwrap_or_else(|p| p.into_inner());
    match *current {
        Some((owner, runtime)) if owner == pid => runtime,
        _ => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("colonykit")
                .enable_all()
                .build()
                .unwrap_or_else(|error| panic!("colonykit: cannot start its runtime: {error}"));
            // Lives as long as the process (and a parent's is never freed in its child).
            let runtime: &'static tokio::runtime::Runtime = Box::leak(Box::new(runtime));
            *current = Some((pid, runtime));
            runtime
        }
    }
}

/// Runs `f` inside the shared runtime's context (for core calls that spawn tasks).
pub fn in_runtime<T>(f: impl FnOnce() -> T) -> T {
    let _entered = runtime().enter();
    f()
}
