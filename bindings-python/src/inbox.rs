//! How the outcomes of calls reach their asyncio loop: through the loop's inbox, or by the loop
//! driving the calls itself.
//!
//! A call on the shared runtime (a stream's next item, a writer's) finishes on the runtime's
//! worker, which queues its outcome in the loop's [`Inbox`] and wakes the loop; the loop then,
//! on its own thread with the GIL, sets the futures, as many as are queued per wake.
//!
//! A call that waits on the shared runtime costs two threads woken per reply: the runtime's
//! worker, which reads it, then the loop, which the worker wakes. A driven call runs on the loop
//! thread's own runtime instead, and the loop watches that thread's poller (one descriptor, which
//! is readable when a socket the calls wait on may be ready) with `add_reader`: when it is, the
//! loop wakes, turns the runtime and polls the calls it woke. One thread is woken per reply, as
//! in a pure-Python asyncio client.
//!
//! What a driven call waits on besides its sockets also reaches it: a wake from another thread
//! (a stream fed by the shared runtime) comes through the loop's inbox, and timers (a call's
//! timeout) fire at a tick, a turn every [`TICK`] while calls wait. Everything here runs on the
//! loop's thread with the GIL, which is released while Rust code polls.

use std::cell::{Cell, RefCell};
#[cfg(unix)]
use std::io::{Read, Write};
#[cfg(unix)]
use std::os::unix::io::AsRawFd;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Poll, Waker};

use colonykit::direct;
use futures::{Future, FutureExt};
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
        finish_step(slf.py(), slf)
    }

    /// A socket a driven call waits on may be ready (the loop's reader callback).
    fn ready(slf: &Bound<'_, Self>) -> PyResult<()> {
        ready(slf.py(), slf)
    }

    /// Fires the due timers of driven calls (scheduled with `loop.call_later`).
    fn tick(slf: &Bound<'_, Self>) -> PyResult<()> {
        tick(slf.py(), slf)
    }
}

impl Inbox {
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

/// How often a loop turns its runtime while driven calls wait, in seconds: the timers of its
/// calls (timeouts) fire that much late at most.
const TICK: f64 = 0.01;

/// How many times in a row the calls woken by a poll are polled at once; calls woken more often
/// wait for the loop's next round, so that its other tasks get a turn.
const ROUNDS: usize = 8;

thread_local! {
    /// Whether this thread polls driven calls now: a call woken then is polled at the end of
    /// the step, not through the inbox.
    static STEPPING: Cell<bool> = const { Cell::new(false) };
    /// The calls woken during this step.
    static READY: RefCell<Vec<Arc<Task>>> = const { RefCell::new(Vec::new()) };
}

/// What a loop knows of its driven calls.
pub struct Driver {
    /// The poller descriptor the loop watches (`colonykit::direct::descriptor`), or -1.
    watching: AtomicI64,
    /// How many have not ended.
    pending: AtomicUsize,
    /// Whether a tick is scheduled.
    ticking: AtomicBool,
}

impl Default for Driver {
    fn default() -> Self {
        Driver {
            watching: AtomicI64::new(-1),
            pending: AtomicUsize::new(0),
            ticking: AtomicBool::new(false),
        }
    }
}

/// A core future whose outcome is caught (a panic too).
type Running = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// A driven call: its future until it ends, and the `asyncio.Future` it settles.
pub struct Task {
    call: Mutex<Option<Running>>,
    future: Py<PyAny>,
    inbox: Arc<InboxShared>,
}

impl std::task::Wake for Task {
    fn wake(self: Arc<Self>) {
        if STEPPING.get() {
            READY.with_borrow_mut(|ready| {
                if !ready.iter().any(|task| Arc::ptr_eq(task, &self)) {
                    ready.push(self);
                }
            });
        } else {
            let inbox = Arc::clone(&self.inbox);
            inbox.step_later(self);
        }
    }
}

impl Task {
    /// Polls the call once: its outcome if it has ended.
    fn advance(self: &Arc<Self>, py: Python<'_>) -> Option<Outcome> {
        let mut call = self.call.lock().unwrap_or_else(|p| p.into_inner());
        let running = call.as_mut()?;
        let waker = Waker::from(Arc::clone(self));
        let outcome = match py.detach(|| stepping(|| direct::poll(running.as_mut(), &waker))) {
            Ok(Poll::Pending) => return None,
            Ok(Poll::Ready(outcome)) => outcome,
            Err(error) => Ok(Err(error)),
        };
        *call = None;
        self.inbox.driver.pending.fetch_sub(1, Ordering::Relaxed);
        Some(outcome)
    }

    /// Polls the call once, and settles its future if it has ended.
    pub fn step(self: &Arc<Self>, py: Python<'_>) {
        if let Some(outcome) = self.advance(py) {
            self.settle(py, outcome);
        }
    }

    fn settle(&self, py: Python<'_>, outcome: Outcome) {
        let future = self.future.bind(py);
        if let Err(error) = set(py, future, outcome) {
            error.write_unraisable(py, Some(future));
        }
    }
}

/// Starts `call` driven by the running loop, whose inbox is `inbox`; it settles `future`. How
/// to abort it if it waits.
pub fn start(
    py: Python<'_>,
    inbox: &Bound<'_, Inbox>,
    future: &Bound<'_, PyAny>,
    call: Call,
) -> PyResult<Option<Abort>> {
    let shared = Arc::clone(&inbox.get().shared);
    shared.driver.watch(py, inbox)?;
    shared.driver.pending.fetch_add(1, Ordering::Relaxed);
    let task = Arc::new(Task {
        call: Mutex::new(Some(Box::pin(AssertUnwindSafe(call).catch_unwind()))),
        future: future.clone().unbind(),
        inbox: shared,
    });
    let abort = match task.advance(py) {
        // Done at once (an error found before any I/O): settled without a loop round, except
        // now and then (see `colonykit::inline::may_settle_at_once`).
        Some(outcome) if colonykit::inline::may_settle_at_once() => {
            task.settle(py, outcome);
            None
        }
        Some(outcome) => {
            task.inbox.deliver(future.clone().unbind(), outcome);
            None
        }
        None => Some(Abort {
            task,
            inbox: inbox.clone().unbind(),
        }),
    };
    finish_step(py, inbox)?;
    Ok(abort)
}

/// Turns this thread's runtime, then finishes the step.
fn turn(py: Python<'_>, inbox: &Bound<'_, Inbox>) -> PyResult<()> {
    if let Err(error) = py.detach(|| stepping(direct::turn)) {
        // Only possible inside a tokio runtime, which a loop's thread is not.
        return Err(to_pyerr(py, &error));
    }
    finish_step(py, inbox)
}

/// Polls the calls woken during this step, then schedules a tick if calls still wait.
pub fn finish_step(py: Python<'_>, inbox: &Bound<'_, Inbox>) -> PyResult<()> {
    for _ in 0..ROUNDS {
        let ready = READY.with_borrow_mut(std::mem::take);
        if ready.is_empty() {
            break;
        }
        for task in ready {
            task.step(py);
        }
    }
    for task in READY.with_borrow_mut(std::mem::take) {
        let inbox = Arc::clone(&task.inbox);
        inbox.step_later(task);
    }
    let driver = &inbox.get().shared.driver;
    if driver.pending.load(Ordering::Relaxed) > 0 && !driver.ticking.swap(true, Ordering::Relaxed) {
        let tick = inbox.getattr(intern!(py, "tick"))?;
        running_loop(py)?.call_method1(intern!(py, "call_later"), (TICK, tick))?;
    }
    Ok(())
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
}

/// The poller the loop watches is readable: the runtime turns.
pub fn ready(py: Python<'_>, inbox: &Bound<'_, Inbox>) -> PyResult<()> {
    turn(py, inbox)
}

/// A tick: the runtime turns, so that the timers of waiting calls fire.
pub fn tick(py: Python<'_>, inbox: &Bound<'_, Inbox>) -> PyResult<()> {
    inbox
        .get()
        .shared
        .driver
        .ticking
        .store(false, Ordering::Relaxed);
    turn(py, inbox)
}

fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    pyo3_async_runtimes::get_running_loop(py)
}

/// Runs `run` as a step: calls woken meanwhile go to [`READY`].
fn stepping<T>(run: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            STEPPING.set(false);
        }
    }
    STEPPING.set(true);
    let _reset = Reset;
    run()
}

/// Gives up a driven call.
pub struct Abort {
    task: Arc<Task>,
    inbox: Py<Inbox>,
}

impl Abort {
    /// Drops the call if it has not ended: its sockets close.
    pub fn abort(self, py: Python<'_>) -> PyResult<()> {
        let Abort { task, inbox } = self;
        let call = task.call.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(call) = call {
            task.inbox.driver.pending.fetch_sub(1, Ordering::Relaxed);
            // Dropped as a driven call runs: what it held may start tasks to close.
            if let Err(error) = py.detach(|| stepping(|| direct::run(|| drop(call)))) {
                return Err(to_pyerr(py, &error));
            }
            finish_step(py, inbox.bind(py))?;
        }
        Ok(())
    }
}
