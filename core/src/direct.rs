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
//! calls here with [`poll`] and [`turn`]. After each, [`changes`] says which sockets the calls
//! (and the tasks they started) now wait on, and which they no longer wait on; the loop watches
//! the first, and when one is ready it calls [`turn`], which takes in what is ready and wakes the
//! calls waiting for it, and polls the woken calls again. Timers (a call's timeout) fire at a
//! turn once they are due, so a loop also turns now and then while calls wait.
//!
//! A connection is registered with the reactor of the runtime that opened it, and only that
//! runtime reads it: the connection pool keeps the connections opened here apart, for this
//! thread only (see [`crate::pool`]). Tasks that a call spawns run on this thread's runtime
//! while a call runs here; the streams and writers of the client belong on a shared runtime
//! (start them inside its context), as they must go on between calls.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};

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
    /// What the sockets of driven calls did since [`changes`] was last called.
    static CHANGES: RefCell<Vec<Change>> = const { RefCell::new(Vec::new()) };
}

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

/// A socket and a direction: reading from it, or writing to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Wait {
    /// A Unix file descriptor, or a Windows socket.
    pub descriptor: i64,
    /// Whether this is about writing to the socket rather than reading from it.
    pub write: bool,
}

/// A change in what a driven call (or a task it started) waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub wait: Wait,
    /// It waits now (the socket was not ready), or no longer does (it was, or it was closed).
    pub waiting: bool,
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
/// them (through their wakers), and the tasks that calls started run. Fails as [`block_on`] does.
pub fn turn() -> Result<()> {
    // The runtime's scheduler looks at its reactor without waiting when a task yields.
    driven(|runtime| runtime.block_on(tokio::task::yield_now()))
}

/// Runs `run` as [`poll`] polls a call: dropping a call its loop gave up on, say, so that the
/// sockets it closes show in [`changes`]. Fails as [`block_on`] does.
pub fn run<T>(run: impl FnOnce() -> T) -> Result<T> {
    driven(|runtime| {
        let _entered = runtime.enter();
        run()
    })
}

/// What the sockets of driven calls did since the last call, in order. An event loop that drives
/// calls takes them after each [`poll`], [`turn`] and [`run`], and watches the sockets waited on
/// until they are no longer (or until they are ready: a wait it was told of ends at the next
/// `turn` after the socket was ready, when it is told again if the call still waits).
pub fn changes() -> Vec<Change> {
    CHANGES.with_borrow_mut(std::mem::take)
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
        let pid = std::process::id();
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

/// The descriptor of a socket, as [`Wait`] gives it.
pub(crate) trait Descriptor {
    fn descriptor(&self) -> i64;
}

#[cfg(unix)]
impl<T: std::os::unix::io::AsRawFd> Descriptor for T {
    fn descriptor(&self) -> i64 {
        i64::from(self.as_raw_fd())
    }
}

#[cfg(windows)]
impl<T: std::os::windows::io::AsRawSocket> Descriptor for T {
    fn descriptor(&self) -> i64 {
        // Socket handles are small numbers; one that is not cannot be watched by a loop anyway.
        i64::try_from(self.as_raw_socket()).unwrap_or(-1)
    }
}

/// Notes a change for [`changes`] (only while a driven call runs here).
fn note(descriptor: i64, write: bool, waiting: bool) {
    if DRIVEN.get() {
        let wait = Wait { descriptor, write };
        CHANGES.with_borrow_mut(|changes| changes.push(Change { wait, waiting }));
    }
}

/// A socket whose waits show in [`changes`].
pub(crate) struct Watched<S> {
    socket: S,
    waits: Waits,
}

impl<S: Descriptor> Watched<S> {
    pub(crate) fn new(socket: S) -> Self {
        let waits = Waits::new(socket.descriptor());
        Watched { socket, waits }
    }
}

/// The waits on one socket, noted for [`changes`]; their end is noted when it is dropped.
struct Waits {
    descriptor: i64,
    /// Whether a wait to read, and one to write, was noted and has not ended yet.
    noted: [bool; 2],
}

impl Waits {
    fn new(descriptor: i64) -> Self {
        Waits {
            descriptor,
            noted: [false; 2],
        }
    }

    /// `result` of an operation in direction `write`, after noting whether it waits: every
    /// time it does (the loop may have stopped watching at a wake-up), and when it no longer
    /// does.
    fn watch<T>(&mut self, result: Poll<T>, write: bool) -> Poll<T> {
        let waiting = result.is_pending();
        let noted = &mut self.noted[usize::from(write)];
        if (waiting || *noted) && DRIVEN.get() {
            *noted = waiting;
            note(self.descriptor, write, waiting);
        }
        result
    }
}

impl Drop for Waits {
    fn drop(&mut self) {
        for write in [false, true] {
            if self.noted[usize::from(write)] {
                note(self.descriptor, write, false);
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.socket).poll_read(cx, buf);
        self.waits.watch(result, false)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.socket).poll_write(cx, buf);
        self.waits.watch(result, true)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.socket).poll_write_vectored(cx, bufs);
        self.waits.watch(result, true)
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.socket).poll_flush(cx);
        self.waits.watch(result, true)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.socket).poll_shutdown(cx);
        self.waits.watch(result, true)
    }
}

/// Connects `socket` to `address`, noting a wait on it while the connection is under way.
pub(crate) async fn connect(
    socket: tokio::net::TcpSocket,
    address: std::net::SocketAddr,
) -> io::Result<tokio::net::TcpStream> {
    let mut waits = Waits::new(socket.descriptor());
    let mut connecting = std::pin::pin!(socket.connect(address));
    std::future::poll_fn(|cx| waits.watch(connecting.as_mut().poll(cx), true)).await
}
