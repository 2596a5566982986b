//! How the outcomes of calls reach their asyncio loop: through the loop's inbox, or by the loop
//! driving the calls itself.
//!
//! A call on the shared runtime (a stream's next item, a writer's) finishes on the runtime's
//! worker, which queues its outcome in the loop's [`Inbox`] and wakes the loop; the loop then,
//! on its own thread with the GIL, sets the futures, as many as are queued per wake.
//!
//! A call that waits on the shared runtime costs two threads woken per reply: the runtime's
//! worker, which reads it, then the loop, which the worker wakes. A driven call runs on the loop
//! thread's own runtime instead (`colonykit::driven`), and the loop watches that thread's poller
//! (one descriptor, readable when a socket the calls wait on may be ready) with `add_reader`:
//! when it is, the loop steps its calls (the runtime turns, the woken calls are polled, those
//! that ended are settled). One thread is woken per reply, as in a pure-Python asyncio client.
//!
//! What a driven call waits on besides its sockets also reaches it: a wake from another thread
//! (a host name resolved on tokio's blocking pool) asks for a step through the loop's inbox, and
//! a timer (a call's timeout) fires at a step the loop makes when it is due (`loop.call_later`,
//! armed as `Driven::timer` says). Everything here runs on the loop's thread with the GIL,
//! which is released while Rust code polls.

#[cfg(unix)]
use std::io::{Read, Write};
#[cfg(unix)]
use std::os::unix::io::AsRawFd;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use colonykit::direct;
use colonykit::driven::{Driven, Started};
use futures::FutureExt;
use pyo3::exceptions::PyRuntimeError;
use pyo3::intern;
use pyo3::prelude::*;

use crate::errors::to_pyerr;
use crate::outcome::{set, Call, Outcome};

/// Where finished calls wait for their event loop, and how the loop is woken.
///
/// A tokio worker queues the outcome and, when the queue was empty, wakes the loop; the loop
/// then, on its own thread with the GIL, converts the outcomes and sets the futures, as many as
/// are queued per wake. `colonykit._aio` chooses the wake for each loop (see [`Wake`]).
#[pyclass(frozen, weakref, module = "colonykit._native", name = "_Inbox")]
pub struct Inbox {
    pub(crate) shared: Arc<InboxShared>,
    /// The calls the loop drives itself.
    driver: Driver,
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
    queue: Mutex<Vec<Settled>>,
    wake: Wake,
    /// The driven calls asked for a step (a call was woken elsewhere than in a step).
    step_asked: AtomicBool,
}

/// A call's outcome, for its `asyncio.Future`.
type Settled = (Py<PyAny>, Outcome);

impl InboxShared {
    /// Queues `outcome` for `future` and wakes the loop if it was not woken already.
    pub fn deliver(&self, future: Py<PyAny>, outcome: Outcome) {
        let first = {
            let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.push((future, outcome));
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

    /// Wakes the loop for a step of its driven calls, unless one was asked for already.
    fn ask_step(&self) {
        if !self.step_asked.swap(true, Ordering::SeqCst) {
            self.wake();
        }
    }

    /// Takes every queued outcome and sets its future.
    fn drain(&self, py: Python<'_>) {
        let queued = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()));
        settle_all(py, queued);
    }
}

#[pymethods]
impl Inbox {
    /// An inbox woken through a socket pair (`schedule` is None; Unix only), or by calling
    /// `schedule()` from the worker, which must arrange for `drain` to run on the loop.
    #[new]
    #[pyo3(signature = (schedule=None))]
    fn new(schedule: Option<Py<PyAny>>) -> PyResult<Self> {
        match schedule {
            Some(schedule) => Ok(Inbox::woken_by(Wake::Threadsafe(schedule), None)),
            None => Self::with_socket(),
        }
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
        if inbox.shared.step_asked.swap(false, Ordering::SeqCst) {
            step(slf.py(), slf)?;
        }
        Ok(())
    }

    /// A socket a driven call waits on may be ready (the loop's reader callback).
    fn ready(slf: &Bound<'_, Self>) -> PyResult<()> {
        step(slf.py(), slf)
    }

    /// Fires the due timers of driven calls (armed with `loop.call_later`).
    fn timer_fired(slf: &Bound<'_, Self>) -> PyResult<()> {
        slf.get().driver.calls.timer_fired();
        step(slf.py(), slf)
    }
}

impl Inbox {
    fn woken_by(wake: Wake, #[cfg(unix)] wakes: Option<UnixStream>) -> Self {
        let shared = Arc::new(InboxShared {
            queue: Mutex::new(Vec::new()),
            wake,
            step_asked: AtomicBool::new(false),
        });
        // The inbox wakes the loop for the driven calls' steps too (held weakly: the calls'
        // set is part of the inbox).
        let asks = Arc::downgrade(&shared);
        let driver = Driver {
            calls: Driven::new(move || {
                if let Some(shared) = asks.upgrade() {
                    shared.ask_step();
                }
            }),
            watching: AtomicI64::new(-1),
        };
        Inbox {
            shared,
            driver,
            #[cfg(unix)]
            wakes,
        }
    }

    /// Whether its loop watches sockets (`add_reader`): the socket wake's does.
    pub fn watches_sockets(&self) -> bool {
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
        Ok(Inbox::woken_by(Wake::Socket(wake), Some(wakes)))
    }

    #[cfg(not(unix))]
    fn with_socket() -> PyResult<Self> {
        Err(PyRuntimeError::new_err(
            "colonykit: the socket wake needs Unix; pass a schedule callable",
        ))
    }
}

/// What a loop knows of the calls it drives.
struct Driver {
    calls: Driven<Settled>,
    /// The poller descriptor the loop watches (`colonykit::direct::descriptor`), or -1.
    watching: AtomicI64,
}

/// Gives up a driven call.
pub type Abort = colonykit::driven::Abort<Settled>;

/// Starts `call` driven by the running loop, whose inbox is `inbox`; it settles `future`. How
/// to give it up if it waits.
pub fn start(
    py: Python<'_>,
    inbox: &Bound<'_, Inbox>,
    future: &Bound<'_, PyAny>,
    call: Call,
) -> PyResult<Option<Abort>> {
    let driver = &inbox.get().driver;
    driver.watch(py, inbox)?;
    let target = future.clone().unbind();
    let running = async move { (target, AssertUnwindSafe(call).catch_unwind().await) };
    let (started, others) = py
        .detach(|| driver.calls.start(running))
        .map_err(|error| to_pyerr(py, &error))?;
    settle_all(py, others);
    let abort = match started {
        // Done at once (an error found before any I/O): settled without a loop round, except
        // now and then (see `colonykit::inline::may_settle_at_once`).
        Started::Done((future, outcome)) if colonykit::inline::may_settle_at_once() => {
            settle_all(py, vec![(future, outcome)]);
            None
        }
        Started::Done((future, outcome)) => {
            inbox.get().shared.deliver(future, outcome);
            None
        }
        Started::Waiting(abort) => Some(abort),
    };
    driver.arm_timer(py, inbox)?;
    Ok(abort)
}

/// Gives up a driven call (its coroutine was cancelled or closed).
pub fn abort(py: Python<'_>, abort: Abort) -> PyResult<()> {
    py.detach(|| abort.abort())
        .map_err(|error| to_pyerr(py, &error))
}

/// A step of the driven calls: the runtime turns, the calls woken are polled and those that
/// ended are settled.
fn step(py: Python<'_>, inbox: &Bound<'_, Inbox>) -> PyResult<()> {
    let driver = &inbox.get().driver;
    let ended = py
        .detach(|| driver.calls.step())
        .map_err(|error| to_pyerr(py, &error))?;
    settle_all(py, ended);
    driver.arm_timer(py, inbox)
}

/// Sets the futures of `settled`; one that cannot be set is reported and the others still are.
fn settle_all(py: Python<'_>, settled: Vec<Settled>) {
    for (future, outcome) in settled {
        if let Err(error) = set(py, future.bind(py), outcome) {
            error.write_unraisable(py, Some(future.bind(py)));
        }
    }
}

impl Driver {
    /// Has the running loop watch this thread's poller, whose readiness calls `inbox.ready()`
    /// (once per loop and thread: a loop may move to another thread).
    fn watch(&self, py: Python<'_>, inbox: &Bound<'_, Inbox>) -> PyResult<()> {
        let descriptor = direct::descriptor().map_err(|error| to_pyerr(py, &error))?;
        let before = self.watching.swap(descriptor, Ordering::Relaxed);
        if before != descriptor {
            let event_loop = running_loop(py)?;
            if before >= 0 {
                event_loop.call_method1(intern!(py, "remove_reader"), (before,))?;
            }
            let ready = inbox.getattr(intern!(py, "ready"))?;
            event_loop.call_method1(intern!(py, "add_reader"), (descriptor, ready))?;
        }
        Ok(())
    }

    /// Arms a loop timer for the first timer the calls wait on, when `Driven::timer` says so.
    /// One armed before is left to fire for nothing (rare: only a sooner timer arms again);
    /// keeping its handle to cancel it would keep the loop alive through this inbox.
    fn arm_timer(&self, py: Python<'_>, inbox: &Bound<'_, Inbox>) -> PyResult<()> {
        if let Some(wait) = self.calls.timer() {
            let fired = inbox.getattr(intern!(py, "timer_fired"))?;
            running_loop(py)?
                .call_method1(intern!(py, "call_later"), (wait.as_secs_f64(), fired))?;
        }
        Ok(())
    }
}

fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    pyo3_async_runtimes::get_running_loop(py)
}
