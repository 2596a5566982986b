//! Calls that run on the calling thread, which also waits for their replies: for synchronous
//! callers, such as the Python binding's blocking client, and for event loops that drive their
//! calls themselves, such as its asyncio client.
//!
//! A synchronous caller of an async client usually blocks on a multi-thread runtime: its thread
//! sleeps while a worker, which owns the reactor, waits for the reply, then wakes it. That is two
//! threads woken per call. [`block_on`] runs the future on a current-thread runtime of the calling
//! thread instead, whose reactor that thread runs itself while it waits: one wake per call, as a
//! blocking socket has.
//!
//! An event loop (asyncio's, say) cannot block: it waits on descriptors of its own. It drives its
//! calls here with [`poll`] and [`turn`], and watches [`descriptor`]: it becomes readable when a
//! socket that a driven call (or a task it started) waits on may be ready. The loop then calls
//! [`turn`], which takes in what is ready and wakes the calls waiting for it, and polls the woken
//! calls again. Timers (a call's timeout) fire at a turn once they are due: the loop also turns
//! when the first timer a call waits on is due ([`next_timer`]).
//!
//! A connection is registered with the reactor of the runtime that opened it, and only that
//! runtime reads it: the connection pool keeps the connections opened here apart, for this
//! thread only (see [`crate::pool`]). Tasks that a call spawns run on this thread's runtime
//! while a call runs here; the streams and writers of the client belong on a shared runtime
//! (start them inside its context), as they must go on between calls.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::{Error, Result};

thread_local! {
    /// This thread's runtime, and the process that made it.
    static RUNTIME: RefCell<Option<(u32, tokio::runtime::Runtime)>> = const { RefCell::new(None) };
    /// Whether a call runs here now ([`block_on`], [`poll`], [`turn`]).
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// Dropped when this thread ends: what the pool keeps for it can go then.
    static ALIVE: Arc<()> = Arc::new(());
    /// Whether an event loop drives the call that runs here now ([`poll`], [`turn`], [`run`]).
    static DRIVEN: Cell<bool> = const { Cell::new(false) };
    /// The sockets driven calls wait on, for [`descriptor`], and the process that made it.
    #[cfg(unix)]
    static POLLER: RefCell<Option<(u32, Poller)>> = const { RefCell::new(None) };
    /// When the timers that driven calls here wait on are due, for [`next_timer`].
    static TIMERS: Arc<Mutex<Timers>> = Arc::default();
}

/// How many timers driven calls wait on, by deadline.
type Timers = BTreeMap<Instant, usize>;

/// Runs `future` to its end on this thread (see the module's documentation). Fails only when
/// the runtime cannot be made, or when this thread is in a tokio runtime's context already (a
/// task, a runtime's `block_on`, its blocking pool, `Runtime::enter`, or this function): a
/// runtime cannot wait inside another one.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    on_this_runtime(|runtime| {
        let output = runtime.block_on(future);
        // A task the call started and left behind (a stream it dropped, say) ends now rather
        // than at this thread's next call.
        if runtime.metrics().num_alive_tasks() > 0 {
            runtime.block_on(tokio::task::yield_now());
        }
        output
    })
}

/// Polls `future` once on this thread's runtime, for an event loop that drives it, with `waker`,
/// which is woken when it can go on: from [`turn`] (a socket it waits on was ready, a timer was
/// due) or from another thread. Then lets the tasks it started run, if any. Fails as
/// [`block_on`] does.
pub fn poll<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Result<Poll<F::Output>> {
    driven(|runtime| {
        let polled = {
            let _entered = runtime.enter();
            future.poll(&mut Context::from_waker(waker))
        };
        if runtime.metrics().num_alive_tasks() > 0 {
            runtime.block_on(tokio::task::yield_now());
        }
        polled
    })
}

/// Takes in what this thread's runtime has ready, without waiting, for an event loop that drives
/// its calls: sockets that became ready and timers that are due wake the calls that wait for
/// them (through their wakers), and the tasks that calls started run; [`descriptor`] is no longer
/// readable for what was ready before. Fails as [`block_on`] does.
pub fn turn() -> Result<()> {
    #[cfg(unix)]
    with_poller(Poller::clear)?;
    // The runtime's scheduler looks at its reactor without waiting when a task yields.
    driven(|runtime| runtime.block_on(tokio::task::yield_now()))
}

/// The descriptor an event loop that drives calls on this thread watches for reading: it is
/// readable when a socket that one of them waits on may be ready (then the loop calls [`turn`]).
/// Fails where there is none to watch (outside Unix).
pub fn descriptor() -> Result<i64> {
    #[cfg(unix)]
    return with_poller(|poller| {
        use std::os::unix::io::AsRawFd;
        i64::from(poller.poll.as_raw_fd())
    });
    #[cfg(not(unix))]
    return Err(Error::invalid_argument(
        "colonykit::direct::descriptor needs Unix",
    ));
}

/// When the first timer that a driven call on this thread (or a task it started) waits on is
/// due, if one waits: the event loop that drives them calls [`turn`] then (a little after: the
/// runtime's timers count whole milliseconds), and asks again.
pub fn next_timer() -> Option<Instant> {
    TIMERS.with(|timers| lock(timers).keys().next().copied())
}

/// Counts a timer in [`next_timer`] while it lives, if a driven call waits on it.
pub(crate) struct Due(Option<(Arc<Mutex<Timers>>, Instant)>);

impl Due {
    pub(crate) fn new(deadline: tokio::time::Instant) -> Due {
        if !DRIVEN.get() {
            return Due(None);
        }
        let deadline = deadline.into_std();
        let timers = TIMERS.with(Arc::clone);
        *lock(&timers).entry(deadline).or_default() += 1;
        Due(Some((timers, deadline)))
    }
}

impl Drop for Due {
    fn drop(&mut self) {
        if let Some((timers, deadline)) = self.0.take() {
            let mut timers = lock(&timers);
            if let Some(count) = timers.get_mut(&deadline) {
                *count -= 1;
                if *count == 0 {
                    timers.remove(&deadline);
                }
            }
        }
    }
}

fn lock(timers: &Mutex<Timers>) -> std::sync::MutexGuard<'_, Timers> {
    timers.lock().unwrap_or_else(|p| p.into_inner())
}

/// What [`descriptor`] watches: every socket a driven call on this thread has waited on, until
/// it is closed (closing takes it out).
#[cfg(unix)]
struct Poller {
    poll: mio::Poll,
    events: mio::Events,
}

#[cfg(unix)]
impl Poller {
    /// Takes in the readiness it holds, so that its descriptor is readable again only for what
    /// comes next (the runtime's own reactor learns of the same readiness).
    fn clear(&mut self) {
        // Nothing to do on failure: the loop wakes again, and a tick turns anyway.
        let _ = self
            .poll
            .poll(&mut self.events, Some(std::time::Duration::ZERO));
    }

    /// Watches `descriptor` from now on (until it is closed).
    fn watch(&mut self, descriptor: i32) {
        use mio::{unix::SourceFd, Interest, Token};
        let interest = Interest::READABLE | Interest::WRITABLE;
        // Watched already (a socket that waited to connect, then to read) is fine; any other
        // failure leaves the wake-ups of this socket to the loop's ticks.
        let _ = self
            .poll
            .registry()
            .register(&mut SourceFd(&descriptor), Token(0), interest);
    }
}

/// Runs `run` with this thread's poller, made on first use.
#[cfg(unix)]
fn with_poller<T>(run: impl FnOnce(&mut Poller) -> T) -> Result<T> {
    POLLER.with_borrow_mut(|slot| {
        let pid = crate::fork::pid();
        if !matches!(slot, Some((owner, _)) if *owner == pid) {
            // A child made by `fork` leaves its parent's poller alone (it shares its interest
            // list): a new one, for the sockets the child opens.
            let poll = mio::Poll::new()
                .map_err(|e| Error::connection(format!("cannot make a poller: {e}")))?;
            let poller = Poller {
                poll,
                events: mio::Events::with_capacity(64),
            };
            std::mem::forget(slot.replace((pid, poller)));
        }
        match slot {
            Some((_, poller)) => Ok(run(poller)),
            None => Err(Error::connection("cannot make a poller")),
        }
    })
}

/// Runs `run` as [`poll`] polls a call: dropping a call its loop gave up on, say, whose parts
/// may start tasks to close what they held. Fails as [`block_on`] does.
pub fn run<T>(run: impl FnOnce() -> T) -> Result<T> {
    driven(|runtime| {
        let _entered = runtime.enter();
        run()
    })
}

/// Runs `run` on this thread's runtime for a driven call.
fn driven<T>(run: impl FnOnce(&tokio::runtime::Runtime) -> T) -> Result<T> {
    on_this_runtime(|runtime| {
        DRIVEN.set(true);
        let _reset = Reset(&DRIVEN);
        run(runtime)
    })
}

/// Runs `run` with this thread's runtime, while calls that run here use this thread's
/// connections.
fn on_this_runtime<T>(run: impl FnOnce(&tokio::runtime::Runtime) -> T) -> Result<T> {
    if ACTIVE.get() || tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::invalid_argument(
            "colonykit::direct cannot run a call inside an async context",
        ));
    }
    RUNTIME.with(|cell| {
        let pid = crate::fork::pid();
        let runtime = match cell.borrow_mut().take() {
            Some((owner, runtime)) if owner == pid => runtime,
            parents => {
                // A child made by `fork` finds its parent's runtime here, whose reactor the
                // parent still uses: it is left alone, never dropped.
                std::mem::forget(parents);
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| Error::connection(format!("cannot start a runtime: {e}")))?
            }
        };
        let output = {
            ACTIVE.set(true);
            let _reset = Reset(&ACTIVE);
            run(&runtime)
        };
        *cell.borrow_mut() = Some((pid, runtime));
        Ok(output)
    })
}

/// Whether the current call runs here ([`block_on`], [`poll`], [`turn`], [`run`]) on this thread.
pub(crate) fn active() -> bool {
    ACTIVE.get()
}

/// A handle that stops upgrading once this thread has ended.
pub(crate) fn this_thread() -> Weak<()> {
    ALIVE.with(Arc::downgrade)
}

/// Clears a flag ([`ACTIVE`], [`DRIVEN`]) when the call ends, also by a panic.
struct Reset(&'static std::thread::LocalKey<Cell<bool>>);

impl Drop for Reset {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// The descriptor of a socket, where [`descriptor`] can watch it (Unix).
pub(crate) trait Descriptor {
    fn raw_descriptor(&self) -> Option<i32>;
}

#[cfg(unix)]
impl<T: std::os::unix::io::AsRawFd> Descriptor for T {
    fn raw_descriptor(&self) -> Option<i32> {
        Some(self.as_raw_fd())
    }
}

#[cfg(not(unix))]
impl<T> Descriptor for T {
    fn raw_descriptor(&self) -> Option<i32> {
        None
    }
}

/// A socket that [`descriptor`] watches once a driven call has waited on it.
pub(crate) struct Watched<S> {
    socket: S,
    watch: Watch,
}

impl<S: Descriptor> Watched<S> {
    pub(crate) fn new(socket: S) -> Self {
        let watch = Watch::new(socket.raw_descriptor());
        Watched { socket, watch }
    }
}

/// Has [`descriptor`] watch a socket from the first time a driven call waits on it.
struct Watch {
    /// The socket's descriptor, until it is watched.
    descriptor: Option<i32>,
}

impl Watch {
    fn new(descriptor: Option<i32>) -> Self {
        Watch { descriptor }
    }

    /// `result` of an operation on the socket, after watching it if the operation waits.
    fn see<T>(&mut self, result: Poll<T>) -> Poll<T> {
        if result.is_pending() && DRIVEN.get() {
            #[cfg(unix)]
            if let Some(descriptor) = self.descriptor.take() {
                // Only fails when no poller can be made: the loop's ticks still turn.
                let _ = with_poller(|poller| poller.watch(descriptor));
            }
        }
        result
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.socket).poll_read(cx, buf);
        self.watch.see(result)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.socket).poll_write(cx, buf);
        self.watch.see(result)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.socket).poll_write_vectored(cx, bufs);
        self.watch.see(result)
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.socket).poll_flush(cx);
        self.watch.see(result)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.socket).poll_shutdown(cx);
        self.watch.see(result)
    }
}

/// Connects `socket` to `address`, watched as a [`Watched`] socket is.
pub(crate) async fn connect(
    socket: tokio::net::TcpSocket,
    address: std::net::SocketAddr,
) -> io::Result<tokio::net::TcpStream> {
    let mut watch = Watch::new(socket.raw_descriptor());
    let mut connecting = std::pin::pin!(socket.connect(address));
    std::future::poll_fn(|cx| watch.see(connecting.as_mut().poll(cx))).await
}
