//! The calls an event loop drives on its own thread (see [`crate::direct`]): what the bindings
//! share, so that each only adds how its loop watches a descriptor, arms a timer, and settles a
//! result.
//!
//! A [`Driven`] set belongs to one loop, on one thread. [`Driven::start`] polls a new call there;
//! [`Driven::step`], called by the loop when [`crate::direct::descriptor`] is readable, when its
//! timer fires ([`Driven::timer`]), or when asked to, turns the thread's runtime and polls the
//! calls that were woken. Each gives back the outputs of the calls that ended. A call woken from
//! another thread (or outside a step) is queued, and the set asks its loop for a step with the
//! function it was made with.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::direct;
use crate::error::Result;

/// How many times in a row one step polls the calls woken meanwhile; calls woken more often
/// wait for the loop's next step, so that the loop's other work gets a turn.
const ROUNDS: usize = 8;

/// How long after a timer is due the loop steps for it: the runtime's timers count whole
/// milliseconds, so a step at the deadline itself may find it not due yet.
const TIMER_SLACK: Duration = Duration::from_millis(1);

/// The calls one event loop drives, each ending with an output of type `O` (how the binding
/// settles it).
pub struct Driven<O> {
    shared: Arc<Shared<O>>,
}

struct Shared<O> {
    /// Calls woken since the last step polled them.
    woken: Mutex<Vec<Arc<Call<O>>>>,
    /// Whether a step runs now (its end polls the calls woken meanwhile).
    stepping: AtomicBool,
    /// Asks the loop for a step.
    wake_loop: Box<dyn Fn() + Send + Sync>,
    /// Calls started and not ended.
    pending: AtomicUsize,
    /// When the loop's timer was last armed to fire ([`Driven::timer`]).
    armed: Mutex<Option<Instant>>,
}

type Running<O> = Pin<Box<dyn Future<Output = O> + Send>>;

/// One call: its future until it ends.
struct Call<O> {
    running: Mutex<Option<Running<O>>>,
    shared: Arc<Shared<O>>,
}

impl<O: Send + 'static> Wake for Call<O> {
    fn wake(self: Arc<Self>) {
        let shared = Arc::clone(&self.shared);
        let first = {
            let mut woken = shared.woken.lock().unwrap_or_else(|p| p.into_inner());
            if !woken.iter().any(|call| Arc::ptr_eq(call, &self)) {
                woken.push(self);
            }
            woken.len() == 1
        };
        // A step polls what is woken while it runs; otherwise the loop must step.
        if first && !shared.stepping.load(Ordering::SeqCst) {
            (shared.wake_loop)();
        }
    }
}

/// What became of a call just started.
pub enum Started<O> {
    /// It ended in its first poll.
    Done(O),
    /// It waits; this gives it up.
    Waiting(Abort<O>),
}

/// Gives up a call that waits.
pub struct Abort<O>(Arc<Call<O>>);

impl<O: Send + 'static> Driven<O> {
    /// An empty set for the loop of this thread; `wake_loop` asks that loop for a step (it may be
    /// called from any thread).
    pub fn new(wake_loop: impl Fn() + Send + Sync + 'static) -> Self {
        Driven {
            shared: Arc::new(Shared {
                woken: Mutex::new(Vec::new()),
                stepping: AtomicBool::new(false),
                wake_loop: Box::new(wake_loop),
                pending: AtomicUsize::new(0),
                armed: Mutex::new(None),
            }),
        }
    }

    /// How many calls have not ended.
    pub fn pending(&self) -> usize {
        self.shared.pending.load(Ordering::Relaxed)
    }

    /// Whether the loop must arm its timer, and for how long from now, for the first timer its
    /// calls wait on ([`direct::next_timer`]): then it arms it (in place of the one armed
    /// before) and, when it fires, calls [`timer_fired`](Self::timer_fired) and steps. `None`
    /// when no timer waits, or the timer armed before fires in time. Asked after each start and
    /// step.
    pub fn timer(&self) -> Option<Duration> {
        let due = direct::next_timer()? + TIMER_SLACK;
        let now = Instant::now();
        let mut armed = self.shared.armed.lock().unwrap_or_else(|p| p.into_inner());
        if armed.is_some_and(|at| now < at && at <= due) {
            return None;
        }
        let at = due.max(now);
        *armed = Some(at);
        Some(at - now)
    }

    /// The loop's timer fired: none is armed now. (It may fire a little early, by the loop's
    /// clock: the step then finds no timer due, and the loop is told to arm its timer again.)
    pub fn timer_fired(&self) {
        *self.shared.armed.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Starts `future`, polled once now; also the outputs of other calls that ended meanwhile.
    /// Fails as [`direct::poll`] does.
    pub fn start(
        &self,
        future: impl Future<Output = O> + Send + 'static,
    ) -> Result<(Started<O>, Vec<O>)> {
        let call = Arc::new(Call {
            running: Mutex::new(Some(Box::pin(future))),
            shared: Arc::clone(&self.shared),
        });
        self.shared.pending.fetch_add(1, Ordering::Relaxed);
        self.stepping(|| {
            let started = match advance(&call) {
                Ok(Some(output)) => Started::Done(output),
                Ok(None) => Started::Waiting(Abort(call)),
                Err(error) => {
                    // Never polled: it is not pending (its loop must not be kept alive for it).
                    self.shared.pending.fetch_sub(1, Ordering::Relaxed);
                    return Err(error);
                }
            };
            Ok((started, self.run_woken()?))
        })
    }

    /// Turns this thread's runtime and polls the calls woken (here or elsewhere): the outputs of
    /// those that ended. Fails as [`direct::turn`] does.
    pub fn step(&self) -> Result<Vec<O>> {
        self.stepping(|| {
            direct::turn()?;
            self.run_woken()
        })
    }

    /// Polls the calls woken so far, [`ROUNDS`] times at most.
    fn run_woken(&self) -> Result<Vec<O>> {
        let mut outputs = Vec::new();
        for _ in 0..ROUNDS {
            let woken =
                std::mem::take(&mut *self.shared.woken.lock().unwrap_or_else(|p| p.into_inner()));
            if woken.is_empty() {
                break;
            }
            for call in woken {
                outputs.extend(advance(&call)?);
            }
        }
        Ok(outputs)
    }

    /// Runs `run` as a step; calls still woken at its end (woken more than [`ROUNDS`] times, or
    /// just then from another thread) ask the loop for another.
    fn stepping<T>(&self, run: impl FnOnce() -> T) -> T {
        self.shared.stepping.store(true, Ordering::SeqCst);
        let output = run();
        self.shared.stepping.store(false, Ordering::SeqCst);
        let left = !self
            .shared
            .woken
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty();
        if left {
            (self.shared.wake_loop)();
        }
        output
    }
}

/// Polls `call` once on this thread's runtime: its output if it ended.
fn advance<O: Send + 'static>(call: &Arc<Call<O>>) -> Result<Option<O>> {
    let mut running = call.running.lock().unwrap_or_else(|p| p.into_inner());
    let Some(future) = running.as_mut() else {
        return Ok(None); // ended already (woken again after its end, or given up)
    };
    let waker = Waker::from(Arc::clone(call));
    match direct::poll(future.as_mut(), &waker)? {
        Poll::Pending => Ok(None),
        Poll::Ready(output) => {
            *running = None;
            call.shared.pending.fetch_sub(1, Ordering::Relaxed);
            Ok(Some(output))
        }
    }
}

impl<O: Send + 'static> Abort<O> {
    /// Drops the call unless it has ended: what it waited on is closed. Fails as [`direct::run`]
    /// does.
    pub fn abort(self) -> Result<()> {
        let running = self
            .0
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(running) = running {
            self.0.shared.pending.fetch_sub(1, Ordering::Relaxed);
            // Inside the runtime: what the call held may start tasks to close.
            direct::run(|| drop(running))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn calls_end_through_steps_and_wakes_from_elsewhere_ask_for_one() {
        let asked = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&asked);
        let driven = Driven::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let Ok((Started::Done(5), others)) = driven.start(async { 5 }) else {
            panic!("a ready call ends at once");
        };
        assert!(others.is_empty());
        let (sender, receiver) = tokio::sync::oneshot::channel::<u32>();
        let Ok((Started::Waiting(_abort), _)) =
            driven.start(async move { receiver.await.unwrap_or(0) })
        else {
            panic!("a waiting call waits");
        };
        assert_eq!(driven.pending(), 1);
        std::thread::spawn(move || sender.send(7))
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(
            asked.load(Ordering::SeqCst),
            1,
            "the wake from elsewhere asked for a step"
        );
        assert_eq!(driven.step().unwrap(), vec![7]);
        assert_eq!(driven.pending(), 0);
    }

    #[test]
    fn a_call_that_cannot_start_is_not_pending() {
        let driven = Driven::new(|| {});
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _inside = runtime.enter();
        assert!(
            driven.start(async { 1 }).is_err(),
            "no call inside a runtime"
        );
        assert_eq!(driven.pending(), 0);
    }

    #[test]
    fn a_timer_ends_a_call_at_a_later_step_and_abort_drops_one() {
        let driven = Driven::new(|| {});
        assert_eq!(driven.timer(), None, "no timer waits");
        let Ok((Started::Waiting(_), _)) = driven.start(async {
            crate::timer::sleep(Duration::from_millis(20)).await;
            1
        }) else {
            panic!("a sleeping call waits");
        };
        let wait = driven.timer().expect("the loop is told to arm its timer");
        assert!(wait > Duration::from_millis(15) && wait <= Duration::from_millis(21));
        assert_eq!(driven.timer(), None, "armed already");
        driven.timer_fired();
        assert!(driven.timer().is_some(), "fired early: armed again");
        let Ok((Started::Waiting(sooner), _)) = driven.start(async {
            crate::timer::sleep(Duration::from_millis(5)).await;
            2
        }) else {
            panic!("a sleeping call waits");
        };
        let wait = driven
            .timer()
            .expect("a sooner timer arms the loop's again");
        assert!(wait <= Duration::from_millis(6));
        sooner.abort().unwrap();
        let Ok((Started::Waiting(abort), _)) = driven.start(std::future::pending::<u32>()) else {
            panic!("a pending call waits");
        };
        assert_eq!(driven.pending(), 2);
        abort.abort().unwrap();
        assert_eq!(driven.pending(), 1);
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(driven.step().unwrap(), vec![1]);
        assert_eq!(driven.timer(), None, "the timers ended with their calls");
    }
}
