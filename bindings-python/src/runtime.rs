//! Core futures as asyncio awaitables.
//!
//! Every async method returns a real coroutine (`colonykit._aio._call`): nothing runs until it
//! is awaited. When it first runs, it starts the core future and awaits an `asyncio.Future` for
//! its result: the future is polled once on the loop's thread (it signs and writes its request
//! there, with the GIL released), then moves to the one shared tokio runtime (one worker thread,
//! started lazily) at its first wake-up, without a thread woken for the hand-over
//! (`colonykit::inline`). Cancelling the awaiting task cancels that future, which aborts the
//! call: the core future is dropped and closes whatever it was waiting on.
//!
//! The outcome comes back through the loop's [`Inbox`] (a call done in its first poll, such as
//! an item a stream had buffered, sets its future at once): converted to Python objects on the
//! loop's thread, errors to `colonykit` exceptions, a panic to a `ColonyError`. Python objects
//! are only ever touched with the GIL held, and a closed loop is left alone ("Event loop is
//! closed" never shows).

use std::future::Future;
#[cfg(unix)]
use std::io::{Read, Write};
#[cfg(unix)]
use std::os::unix::io::AsRawFd;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};

use futures::future::AbortHandle;
use futures::FutureExt;
use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyList;

use colonykit::direct::Wait;

use crate::driven::{self, Driver, Task};
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

type Convert = Box<dyn Erased>;

/// A core future whose value type is erased.
pub type Call = Pin<Box<dyn Future<Output = colonykit::Result<Convert>> + Send>>;

/// What a core future ended with: a value, a core error, or a panic.
pub type Outcome = std::thread::Result<colonykit::Result<Convert>>;

/// The outcome as a Python value, or the exception to raise.
fn outcome_to_python(py: Python<'_>, outcome: Outcome) -> PyResult<Bound<'_, PyAny>> {
    match outcome {
        Ok(Ok(value)) => value.into_python(py),
        Ok(Err(error)) => Err(to_pyerr(py, &error)),
        Err(payload) => Err(panic_to_pyerr(py, payload.as_ref())),
    }
}

/// Where finished calls wait for their event loop, and how the loop is woken.
///
/// A tokio worker queues the outcome and, when the queue was empty, wakes the loop; the loop
/// then, on its own thread with the GIL, converts the outcomes and sets the futures, as many as
/// are queued per wake. `colonykit._aio` chooses the wake for each loop (see [`Wake`]).
#[pyclass(frozen, weakref, module = "colonykit._native", name = "_Inbox")]
pub struct Inbox {
    pub(crate) shared: Arc<InboxShared>,
    /// The end the loop watches (`loop.add_reader`), for the socket wake.
    #[cfg(unix)]
    wakes: Option<UnixStream>,
}

/// How a worker wakes the loop when it queues the first outcome.
enum Wake {
    /// One byte on a socket pair whose other end the loop watches with `loop.add_reader`: the
    /// worker never touches Python, and interpreter exit has nothing to stop. Unix selector loops.
    #[cfg(unix)]
    Socket(UnixStream),
    /// A Python callable that schedules the drain with `loop.call_soon_threadsafe`, called on the
    /// worker with the GIL (not at all once the interpreter is shutting down): for loops without
    /// `add_reader`, such as Windows' proactor loop.
    Threadsafe(Py<PyAny>),
}

/// Whether workers may still take the GIL to wake a loop (the threadsafe wake): false from
/// interpreter exit on (`atexit`, before finalization starts), when nothing waits for results and
/// taking the GIL would crash.
static THREADSAFE_WAKES: RwLock<bool> = RwLock::new(true);

pub struct InboxShared {
    queue: Mutex<Vec<Delivery>>,
    wake: Wake,
    /// The calls the loop drives itself.
    pub(crate) driver: Driver,
}

/// What waits in an inbox for its loop.
enum Delivery {
    /// The outcome of a call, for its `asyncio.Future`.
    Settle(Py<PyAny>, Outcome),
    /// A driven call woken from elsewhere than its loop's step, to poll again.
    Step(Arc<Task>),
}

impl InboxShared {
    /// Queues `outcome` for `future` and wakes the loop if it was not woken already.
    pub fn deliver(&self, future: Py<PyAny>, outcome: Outcome) {
        self.queue_up(Delivery::Settle(future, outcome));
    }

    /// Queues `task` to be polled on its loop, and wakes the loop if it was not woken already.
    pub fn step_later(&self, task: Arc<Task>) {
        self.queue_up(Delivery::Step(task));
    }

    fn queue_up(&self, delivery: Delivery) {
        let first = {
            let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.push(delivery);
            queue.len() == 1
        };
        // The lock is released first: the threadsafe wake waits for the GIL, which the loop's
        // thread may hold while it drains (and takes this lock). A wake that comes after a drain
        // has taken the outcome only makes an empty drain.
        if first {
            self.wake();
        }
    }

    fn wake(&self) {
        match &self.wake {
            // A full socket buffer means a wake is pending anyway.
            #[cfg(unix)]
            Wake::Socket(wake) => {
                let _ = (&*wake).write(&[1]);
            }
            Wake::Threadsafe(schedule) => {
                // Held until the GIL is released again: `Inbox::close_wakes` (at interpreter
                // exit) waits for it, so no worker takes the GIL once Python is finalizing.
                let open = THREADSAFE_WAKES.read().unwrap_or_else(|p| p.into_inner());
                if *open {
                    let _ = Python::try_attach(|py| {
                        if let Err(error) = schedule.call0(py) {
                            error.write_unraisable(py, Some(schedule.bind(py)));
                        }
                    });
                }
            }
        }
    }

    /// Takes every queued delivery: sets the futures of the outcomes, polls the driven calls.
    fn drain(&self, py: Python<'_>) {
        let queued = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()));
        for delivery in queued {
            match delivery {
                Delivery::Settle(future, outcome) => {
                    // One future that cannot be set must not strand the others: report it and
                    // go on.
                    if let Err(error) = set(py, future.bind(py), outcome) {
                        error.write_unraisable(py, Some(future.bind(py)));
                    }
                }
                Delivery::Step(task) => task.step(py),
            }
        }
    }
}

#[pymethods]
impl Inbox {
    /// An inbox woken through a socket pair (`schedule` is None; Unix only), or by calling
    /// `schedule()` from the worker, which must arrange for `drain` to run on the loop.
    #[new]
    #[pyo3(signature = (schedule=None))]
    fn new(schedule: Option<Py<PyAny>>) -> PyResult<Self> {
        if let Some(schedule) = schedule {
            return Ok(Inbox {
                shared: Arc::new(InboxShared {
                    queue: Mutex::new(Vec::new()),
                    wake: Wake::Threadsafe(schedule),
                    driver: Driver::default(),
                }),
                #[cfg(unix)]
                wakes: None,
            });
        }
        Self::with_socket()
    }

    /// Whether this platform has the socket wake (`_Inbox()` without `schedule`).
    #[classattr]
    fn socket_wake() -> bool {
        cfg!(unix)
    }

    /// Stops the threadsafe wakes for good, after waiting for those under way (registered with
    /// `atexit` by `colonykit._aio`: finalization must not find a worker taking the GIL).
    #[staticmethod]
    fn close_wakes(py: Python<'_>) {
        py.detach(|| {
            *THREADSAFE_WAKES.write().unwrap_or_else(|p| p.into_inner()) = false;
        });
    }

    /// The descriptor the loop watches (socket wake only).
    #[getter]
    fn fd(&self) -> PyResult<i64> {
        #[cfg(unix)]
        if let Some(wakes) = &self.wakes {
            return Ok(i64::from(wakes.as_raw_fd()));
        }
        Err(PyRuntimeError::new_err(
            "colonykit: this inbox is woken with call_soon_threadsafe and has no descriptor",
        ))
    }

    /// Sets the futures of every queued outcome, and polls the driven calls woken from
    /// elsewhere (on the loop's thread).
    fn drain(slf: &Bound<'_, Self>) -> PyResult<()> {
        let inbox = slf.get();
        // Empty the socket before taking the queue: an outcome queued after the take then
        // writes a byte this drain has not consumed, and wakes the loop again.
        #[cfg(unix)]
        if let Some(wakes) = &inbox.wakes {
            let mut bytes = [0u8; 256];
            while matches!((&*wakes).read(&mut bytes), Ok(n) if n > 0) {}
        }
        inbox.shared.drain(slf.py());
        driven::finish_step(slf.py(), slf)
    }

    /// A socket a driven call waits on is ready (the loop's callback).
    fn ready(slf: &Bound<'_, Self>, descriptor: i64, write: bool) -> PyResult<()> {
        driven::ready(slf.py(), slf, Wait { descriptor, write })
    }

    /// Fires the due timers of driven calls (scheduled with `loop.call_later`).
    fn tick(slf: &Bound<'_, Self>) -> PyResult<()> {
        driven::tick(slf.py(), slf)
    }
}

impl Inbox {
    /// Whether its loop watches sockets (`add_reader`): the socket wake's does.
    fn watches_sockets(&self) -> bool {
        #[cfg(unix)]
        return self.wakes.is_some();
        #[cfg(not(unix))]
        return false;
    }

    #[cfg(unix)]
    fn with_socket() -> PyResult<Self> {
        let (wake, wakes) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        wakes.set_nonblocking(true)?;
        Ok(Inbox {
            shared: Arc::new(InboxShared {
                queue: Mutex::new(Vec::new()),
                wake: Wake::Socket(wake),
                driver: Driver::default(),
            }),
            wakes: Some(wakes),
        })
    }

    #[cfg(not(unix))]
    fn with_socket() -> PyResult<Self> {
        Err(PyRuntimeError::new_err(
            "colonykit: the socket wake needs Unix; pass a schedule callable",
        ))
    }
}

/// Sets `future`'s result or exception, unless it is done already (cancelled).
pub fn set(py: Python<'_>, future: &Bound<'_, PyAny>, outcome: Outcome) -> PyResult<()> {
    if future.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    match outcome_to_python(py, outcome) {
        Ok(value) => future.call_method1(intern!(py, "set_result"), (value,))?,
        Err(error) => future.call_method1(intern!(py, "set_exception"), (error.into_value(py),))?,
    };
    Ok(())
}

/// Aborts the call of a cancelled `asyncio.Future` (its done callback): the core future is
/// dropped at once when it waits on the runtime, or at its first wake-up (see
/// `colonykit::inline`).
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
    /// Whether the loop may drive the call itself (`crate::driven`): a call that starts nothing
    /// that must go on after it.
    driven: bool,
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
        let inbox = inbox.cast::<Inbox>()?;
        if self.driven && inbox.get().watches_sockets() {
            driven::start(py, inbox, &future, call)?;
            return Ok(future);
        }
        let inbox = Arc::clone(&inbox.get().shared);
        let (call, abort) = futures::future::abortable(AssertUnwindSafe(call).catch_unwind());
        // The GIL is released while the call signs and writes its request here: a worker may
        // need it (logging) while holding what the call waits for.
        let handle = runtime().handle();
        match py.detach(|| colonykit::inline::poll_first(handle, call)) {
            // Done at once (an item a stream had buffered): no thread crossed, no loop woken.
            Ok(Ok(outcome)) if colonykit::inline::may_settle_at_once() => {
                set(py, &future, outcome)?
            }
            // Now and then through the inbox, so that the loop's other tasks get a turn.
            Ok(Ok(outcome)) => inbox.deliver(future.clone().unbind(), outcome),
            Ok(Err(_aborted)) => {}
            Err(parked) => {
                let future_ref = future.clone().unbind();
                parked.then(move |outcome| {
                    // Aborted: the future was cancelled, and nothing waits for the outcome.
                    if let Ok(outcome) = outcome {
                        inbox.deliver(future_ref, outcome);
                    }
                });
                future.call_method1(intern!(py, "add_done_callback"), (Abort { task: abort },))?;
            }
        }
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
    coroutine(py, future, false)
}

/// As [`awaitable`], for a call that starts nothing that must go on after it (tasks it starts
/// end with it): where the loop can watch sockets, it drives the call itself, on its thread
/// (`crate::driven`).
pub fn driven_awaitable<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    T: ToPython,
    F: Future<Output = colonykit::Result<T>> + Send + 'static,
{
    coroutine(py, future, true)
}

fn coroutine<'py, T, F>(py: Python<'py>, future: F, driven: bool) -> PyResult<Bound<'py, PyAny>>
where
    T: ToPython,
    F: Future<Output = colonykit::Result<T>> + Send + 'static,
{
    let call: Call = Box::pin(async move { future.await.map(|value| Box::new(value) as Convert) });
    let start = Start {
        call: Mutex::new(Some(call)),
        driven,
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
