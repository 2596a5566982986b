//! Core futures as asyncio awaitables.
//!
//! Every async method returns a real coroutine (`colonykit._aio._call`): nothing runs until it
//! is awaited. When it first runs, it starts the core future and awaits an `asyncio.Future` for
//! its result, in one of two ways:
//!
//! - driven by the loop (`crate::inbox`), for the client's calls where the loop can watch a
//!   descriptor (`add_reader`): the call runs on the loop thread's own runtime, and the loop
//!   reads its reply when it comes; one thread is woken per reply;
//! - on the one shared tokio runtime (one worker thread, started lazily), for streams and
//!   writers, which go on between calls, and on loops without `add_reader`: the future is polled
//!   once on the loop's thread (it signs and writes its request there, with the GIL released),
//!   then moves to the runtime at its first wake-up, without a thread woken for the hand-over
//!   (`colonykit::inline`), and its outcome comes back through the loop's inbox.
//!
//! A call done in its first poll (an item a stream had buffered) sets its future at once.
//! Cancelling the awaiting task gives the call up (`_Start.abort`): the core future is dropped
//! and closes whatever it was waiting on. Python objects are only ever touched with the GIL
//! held, and a closed loop is left alone ("Event loop is closed" never shows).

use std::cell::RefCell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use futures::future::AbortHandle;
use futures::FutureExt;
use pyo3::exceptions::PyRuntimeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};

use crate::inbox::{self, Inbox, InboxShared};
use crate::outcome::{set, Call, Convert, ToPython};

/// How a started call is given up.
enum Abort {
    /// On the shared runtime: the core future is dropped at once when it waits there, or at its
    /// first wake-up (see `colonykit::inline`).
    Shared(AbortHandle),
    /// Driven by the loop: dropped at once.
    Driven(inbox::Abort),
}

/// Starts a core future when its coroutine first runs (`colonykit._aio._call(start)`).
#[pyclass(frozen, module = "colonykit._native", name = "_Start")]
pub struct Start {
    call: Mutex<Option<Call>>,
    /// Whether the loop may drive the call itself (`crate::inbox`): a call that starts nothing
    /// that must go on after it.
    driven: bool,
    /// How to give up the call, once it waits.
    abort: Mutex<Option<Abort>>,
}

#[pymethods]
impl Start {
    /// Starts the future (driven by the running loop, or on the shared runtime); an
    /// `asyncio.Future` for its result.
    fn __call__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let call = self
            .call
            .lock()
            .map_err(|_| PyRuntimeError::new_err("colonykit: a call's lock is poisoned"))?
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("colonykit: this call was started already"))?;
        let event_loop = pyo3_async_runtimes::get_running_loop(py)?;
        let future = event_loop.call_method0(intern!(py, "create_future"))?;
        let inbox = inbox_of(&event_loop)?;
        let abort = if self.driven && inbox.get().watches_sockets() {
            inbox::start(py, &inbox, &future, call)?.map(Abort::Driven)
        } else {
            start_on_shared_runtime(py, &inbox.get().shared, &future, call)?.map(Abort::Shared)
        };
        *self.abort.lock().unwrap_or_else(|p| p.into_inner()) = abort;
        Ok(future)
    }

    /// Gives up the call if it still waits (its coroutine was cancelled or closed): the core
    /// future is dropped, which closes whatever it was waiting on.
    fn abort(&self, py: Python<'_>) -> PyResult<()> {
        match self.abort.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(Abort::Shared(handle)) => handle.abort(),
            Some(Abort::Driven(call)) => inbox::abort(py, call)?,
            None => {}
        }
        Ok(())
    }
}

/// Starts `call` on the shared runtime, to settle `future` through `inbox`: how to abort it if
/// it waits.
fn start_on_shared_runtime(
    py: Python<'_>,
    inbox: &Arc<InboxShared>,
    future: &Bound<'_, PyAny>,
    call: Call,
) -> PyResult<Option<AbortHandle>> {
    let (call, abort) = futures::future::abortable(AssertUnwindSafe(call).catch_unwind());
    // The GIL is released while the call signs and writes its request here: a worker may
    // need it (logging) while holding what the call waits for.
    let handle = runtime().handle();
    match py.detach(|| colonykit::inline::poll_first(handle, call)) {
        // Done at once (an item a stream had buffered): no thread crossed, no loop woken.
        Ok(Ok(outcome)) if colonykit::inline::may_settle_at_once() => set(py, future, outcome)?,
        // Now and then through the inbox, so that the loop's other tasks get a turn.
        Ok(Ok(outcome)) => inbox.deliver(future.clone().unbind(), outcome),
        Ok(Err(_aborted)) => {}
        Err(parked) => {
            let future = future.clone().unbind();
            let inbox = Arc::clone(inbox);
            parked.then(move |outcome| {
                // Aborted: the call was given up, and nothing waits for the outcome.
                if let Ok(outcome) = outcome {
                    inbox.deliver(future, outcome);
                }
            });
            return Ok(Some(abort));
        }
    }
    Ok(None)
}

thread_local! {
    /// The loop that made the last call on this thread, and its inbox, both held weakly (this
    /// keeps neither alive): the calls of one loop find its inbox here, without the Python
    /// frames and weak dictionary of `colonykit._aio._inbox`.
    static LAST_INBOX: RefCell<Option<(Py<PyWeakrefReference>, Py<PyWeakrefReference>)>> =
        const { RefCell::new(None) };
}

/// The inbox of `event_loop` (`colonykit._aio._inbox`).
fn inbox_of<'py>(event_loop: &Bound<'py, PyAny>) -> PyResult<Bound<'py, Inbox>> {
    let py = event_loop.py();
    let last = LAST_INBOX.with_borrow(|last| {
        let (loop_ref, inbox_ref) = last.as_ref()?;
        let same_loop = loop_ref.bind(py).upgrade()?.is(event_loop);
        same_loop.then(|| inbox_ref.bind(py).upgrade_as::<Inbox>().ok().flatten())?
    });
    if let Some(inbox) = last {
        return Ok(inbox);
    }
    let inbox = helper(py, &INBOX, "_inbox")?
        .call1((event_loop,))?
        .cast_into::<Inbox>()?;
    let refs = (
        PyWeakrefReference::new(event_loop)?.unbind(),
        PyWeakrefReference::new(inbox.as_any())?.unbind(),
    );
    LAST_INBOX.with_borrow_mut(|last| *last = Some(refs));
    Ok(inbox)
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
/// (`crate::inbox`).
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
    // A combinator, not an async block: awaiting the future in a block would move it (a call's
    // future is kilobytes) into the block's own state when first polled.
    let call: Call = Box::pin(future.map(|result| result.map(|value| Box::new(value) as Convert)));
    let start = Start {
        call: Mutex::new(Some(call)),
        driven,
        abort: Mutex::new(None),
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
    let pid = colonykit::fork::pid();
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
