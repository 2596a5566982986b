//! Calls that their asyncio loop drives itself, on its own thread (`colonykit::direct`).
//!
//! A call that waits on the shared runtime costs two threads woken per reply: the runtime's
//! worker, which reads it, then the loop, which the worker wakes. A driven call runs on the loop
//! thread's own runtime instead, and the loop watches its sockets with `add_reader` and
//! `add_writer` (`Driver::apply`): when one is ready, the loop wakes, turns that runtime and polls
//! the calls it woke. One thread is woken per reply, as in a pure-Python asyncio client.
//!
//! What a driven call waits on besides its sockets also reaches it: a wake from another thread
//! (a stream fed by the shared runtime) comes through the loop's inbox, and timers (a call's
//! timeout) fire at a tick, a turn every [`TICK`] while calls wait. Everything here runs on the
//! loop's thread with the GIL, which is released while Rust code polls.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};

use colonykit::direct::{self, Change, Wait};
use futures::FutureExt;
use pyo3::intern;
use pyo3::prelude::*;

use crate::runtime::{set, Call, Inbox, InboxShared, Outcome};

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
#[derive(Default)]
pub struct Driver {
    /// The sockets the loop watches for them.
    watched: Mutex<HashSet<Wait>>,
    /// How many have not ended.
    pending: AtomicUsize,
    /// Whether a tick is scheduled.
    ticking: AtomicBool,
}

/// A core future whose outcome is caught (a panic too).
type Running = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// A driven call: its future until it ends, and the `asyncio.Future` it settles.
pub struct Task {
    call: Mutex<Option<Running>>,
    future: Py<PyAny>,
    inbox: Arc<InboxShared>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        if STEPPING.get() {
            READY.with_borrow_mut(|ready| {
                if !ready.iter().any(|task| Arc::ptr_eq(task, &self)) {
                    ready.push(self);
                }
            });
        } else {
            Arc::clone(&self.inbox).step_later(self);
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

/// Starts `call` driven by the running loop, whose inbox is `inbox`; it settles `future`.
pub fn start(
    py: Python<'_>,
    inbox: &Bound<'_, Inbox>,
    future: &Bound<'_, PyAny>,
    call: Call,
) -> PyResult<()> {
    let shared = Arc::clone(&inbox.get().shared);
    shared.driver.pending.fetch_add(1, Ordering::Relaxed);
    let task = Arc::new(Task {
        call: Mutex::new(Some(Box::pin(AssertUnwindSafe(call).catch_unwind()))),
        future: future.clone().unbind(),
        inbox: shared,
    });
    match task.advance(py) {
        // Done at once (an error found before any I/O): settled without a loop round, except
        // now and then (see `colonykit::inline::may_settle_at_once`).
        Some(outcome) if colonykit::inline::may_settle_at_once() => task.settle(py, outcome),
        Some(outcome) => task.inbox.deliver(future.clone().unbind(), outcome),
        None => {
            let cancel = Cancel {
                task: Arc::clone(&task),
                inbox: inbox.clone().unbind(),
            };
            future.call_method1(intern!(py, "add_done_callback"), (cancel,))?;
        }
    }
    finish_step(py, inbox)
}

/// Turns this thread's runtime, then finishes the step.
fn turn(py: Python<'_>, inbox: &Bound<'_, Inbox>) -> PyResult<()> {
    if let Err(error) = py.detach(|| stepping(direct::turn)) {
        // Only possible inside a tokio runtime, which a loop's thread is not.
        return Err(crate::errors::to_pyerr(py, &error));
    }
    finish_step(py, inbox)
}

/// Polls the calls woken during this step, then has the loop watch what they wait on now and
/// schedules a tick if calls still wait.
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
        Arc::clone(&task.inbox).step_later(task);
    }
    let driver = &inbox.get().shared.driver;
    driver.apply(py, inbox, direct::changes())?;
    if driver.pending.load(Ordering::Relaxed) > 0 && !driver.ticking.swap(true, Ordering::Relaxed)
    {
        let tick = inbox.getattr(intern!(py, "tick"))?;
        running_loop(py)?.call_method1(intern!(py, "call_later"), (TICK, tick))?;
    }
    Ok(())
}

impl Driver {
    /// Has the running loop watch the sockets in `changes` that calls wait on, and no longer
    /// watch those they stopped waiting on. A ready socket calls `inbox.ready(descriptor,
    /// write)`.
    fn apply(&self, py: Python<'_>, inbox: &Bound<'_, Inbox>, changes: Vec<Change>) -> PyResult<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let event_loop = running_loop(py)?;
        let mut watched = self.watched.lock().unwrap_or_else(|p| p.into_inner());
        for Change { wait, waiting } in changes {
            if waiting && watched.insert(wait) {
                let method = match wait.write {
                    false => intern!(py, "add_reader"),
                    true => intern!(py, "add_writer"),
                };
                let ready = inbox.getattr(intern!(py, "ready"))?;
                event_loop.call_method1(method, (wait.descriptor, ready, wait.descriptor, wait.write))?;
            } else if !waiting && watched.remove(&wait) {
                unwatch(&event_loop, wait)?;
            }
        }
        Ok(())
    }

}

/// A socket the loop watched is ready: it is no longer watched (the calls that still wait on
/// it say so again when they are polled), and the runtime turns.
pub fn ready(py: Python<'_>, inbox: &Bound<'_, Inbox>, wait: Wait) -> PyResult<()> {
    let driver = &inbox.get().shared.driver;
    let watched = driver.watched.lock().unwrap_or_else(|p| p.into_inner()).remove(&wait);
    if watched {
        unwatch(&running_loop(py)?, wait)?;
    }
    turn(py, inbox)
}

/// A tick: the runtime turns, so that the timers of waiting calls fire.
pub fn tick(py: Python<'_>, inbox: &Bound<'_, Inbox>) -> PyResult<()> {
    inbox.get().shared.driver.ticking.store(false, Ordering::Relaxed);
    turn(py, inbox)
}

fn unwatch(event_loop: &Bound<'_, PyAny>, wait: Wait) -> PyResult<()> {
    let py = event_loop.py();
    let method = match wait.write {
        false => intern!(py, "remove_reader"),
        true => intern!(py, "remove_writer"),
    };
    event_loop.call_method1(method, (wait.descriptor,))?;
    Ok(())
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

/// Drops the call of a cancelled future (its done callback): its sockets close, and the loop
/// stops watching them.
#[pyclass(frozen, module = "colonykit._native", name = "_Cancel")]
pub struct Cancel {
    task: Arc<Task>,
    inbox: Py<Inbox>,
}

#[pymethods]
impl Cancel {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = future.py();
        if !future.call_method0(intern!(py, "cancelled"))?.is_truthy()? {
            return Ok(());
        }
        let task = &self.task;
        let call = task.call.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(call) = call {
            task.inbox.driver.pending.fetch_sub(1, Ordering::Relaxed);
            // Dropped as a driven call runs, so that the sockets it closes are known.
            if let Err(error) = py.detach(|| stepping(|| direct::run(|| drop(call)))) {
                return Err(crate::errors::to_pyerr(py, &error));
            }
            finish_step(py, self.inbox.bind(py))?;
        }
        Ok(())
    }
}
