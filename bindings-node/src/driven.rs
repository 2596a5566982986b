//! Calls that Node's event loop drives itself, on the JS thread (`colonykit::direct`; Unix).
//!
//! A call that waits on the shared runtime costs two threads woken per reply: the runtime's
//! worker, which reads it, then the JS thread, which the worker wakes through the inbox's
//! threadsafe function. A driven call runs on the JS thread's own runtime instead, and libuv
//! watches that thread's poller (one descriptor, readable when a socket the calls wait on may be
//! ready) with a `uv_poll_t`: when it is readable, the loop turns the runtime and polls the calls
//! it woke, and their promises settle right there. One thread is woken per reply.
//!
//! What a driven call waits on besides its sockets also reaches it: a wake from another thread
//! (a host name resolved on tokio's blocking pool, say) comes through a `uv_async_t`, and a
//! timer (a call's timeout) fires at a step made when it is due, by a `uv_timer_t` armed as
//! `Driven::timer` says. The poll handle keeps Node's loop alive while a driven call is pending,
//! and only then. Each callback settles promises inside a callback scope, so their reactions run
//! when it ends, as after any other I/O callback.
//!
//! napi has no way to watch a descriptor: libuv's own functions are called, which Node exports to
//! addons (`uv.h`, part of Node's addon API). Each handle is allocated with the size libuv gives
//! (`uv_handle_size`) and freed in its close callback.

use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void};
use std::ptr;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use colonykit::direct;
use colonykit::driven::{Driven, Started};
use napi::bindgen_prelude::{PromiseRaw, ToNapiValue};
use napi::{check_status, sys, Env};

use crate::error::IntoNapi;
use crate::inbox::{settle_now, Deferred};
use crate::Outcome;

/// libuv's functions and constants used here (`uv.h`).
mod uv {
    use std::ffi::{c_int, c_void};

    /// `UV_ASYNC`, `UV_POLL`, `UV_TIMER` of `uv_handle_type`.
    pub const ASYNC: c_int = 1;
    pub const POLL: c_int = 8;
    pub const TIMER: c_int = 13;
    /// `UV_READABLE` of `uv_poll_event`.
    pub const READABLE: c_int = 1;

    pub type Callback = unsafe extern "C" fn(handle: *mut c_void);
    pub type PollCallback = unsafe extern "C" fn(handle: *mut c_void, status: c_int, events: c_int);

    extern "C" {
        pub fn uv_handle_size(kind: c_int) -> usize;
        pub fn uv_poll_init(event_loop: *mut c_void, handle: *mut c_void, fd: c_int) -> c_int;
        pub fn uv_poll_start(handle: *mut c_void, events: c_int, callback: PollCallback) -> c_int;
        pub fn uv_timer_init(event_loop: *mut c_void, handle: *mut c_void) -> c_int;
        pub fn uv_timer_start(
            handle: *mut c_void,
            callback: Callback,
            timeout: u64,
            repeat: u64,
        ) -> c_int;
        pub fn uv_async_init(
            event_loop: *mut c_void,
            handle: *mut c_void,
            callback: Callback,
        ) -> c_int;
        pub fn uv_async_send(handle: *mut c_void) -> c_int;
        pub fn uv_ref(handle: *mut c_void);
        pub fn uv_unref(handle: *mut c_void);
        pub fn uv_close(handle: *mut c_void, callback: Option<Callback>);
    }
}

/// What settles a finished call's promise on the JS thread.
type Settle = Box<dyn FnOnce(sys::napi_env) + Send>;

/// The async handle that wakes the JS thread for a step, null once the environment is gone.
struct Wake(*mut c_void);

// SAFETY: a `uv_async_t`, which `uv_async_send` may be called on from any thread; it is only used
// under its lock, which teardown takes to set it to null before closing the handle.
unsafe impl Send for Wake {}

thread_local! {
    /// This JS thread's environment and its driver, made at its first driven call (`None` if it
    /// could not be made: its calls run on the shared runtime).
    static DRIVER: RefCell<Option<(sys::napi_env, Option<Rc<Driver>>)>> =
        const { RefCell::new(None) };
}

/// The driven calls of one JS thread and the libuv handles that drive them.
struct Driver {
    env: sys::napi_env,
    calls: Driven<Settle>,
    poll: *mut c_void,
    timer: *mut c_void,
    wake: Arc<Mutex<Wake>>,
    /// The object and async context that the callbacks' callback scopes belong to.
    resource: sys::napi_ref,
    context: sys::napi_async_context,
    /// Whether the poll handle keeps the loop alive (only while calls wait).
    holding: Cell<bool>,
}

/// Runs `future` driven by this thread's event loop and returns its promise, or gives the future
/// back where it cannot be driven here (the caller runs it on the shared runtime then).
pub fn promise<'env, T: ToNapiValue + Send + 'static, F: Outcome<T>>(
    env: &'env Env,
    future: F,
) -> napi::Result<Result<PromiseRaw<'env, T>, F>> {
    let Some(driver) = driver(env) else {
        return Ok(Err(future));
    };
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: on the JS thread, with a live env.
    check_status!(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
    let deferred = Deferred(deferred);
    let running = async move {
        let outcome = future.await;
        Box::new(move |env: sys::napi_env| {
            let deferred = deferred;
            settle_now(env, deferred.0, outcome);
        }) as Settle
    };
    // Inside a JS call already: the settled promises' reactions run when it returns. (Starting
    // fails only inside a tokio runtime's context, which the JS thread never is.)
    let (started, others) = driver.calls.start(running).napi()?;
    if let Started::Done(settle) = started {
        settle(env.raw());
    }
    for settle in others {
        settle(env.raw());
    }
    driver.after_calls_moved();
    Ok(Ok(PromiseRaw::new(env.raw(), promise)))
}

/// This thread's driver for `env`, made on first use; `None` if it cannot be made.
fn driver(env: &Env) -> Option<Rc<Driver>> {
    let known = DRIVER.with_borrow(|slot| match slot {
        Some((known, driver)) if *known == env.raw() => Some(driver.clone()),
        _ => None,
    });
    if let Some(driver) = known {
        return driver;
    }
    let driver = Driver::new(env).ok().map(Rc::new);
    DRIVER.with_borrow_mut(|slot| *slot = Some((env.raw(), driver.clone())));
    driver
}

/// A zeroed libuv handle, freed by [`free_handle`] once closed. Every handle gets the size of
/// the largest kind used here, so that freeing needs no kind.
fn new_handle() -> *mut c_void {
    Box::into_raw(vec![0u64; handle_words()].into_boxed_slice()) as *mut u64 as *mut c_void
}

/// The size of a handle made by [`new_handle`], in 8-byte words.
fn handle_words() -> usize {
    let largest = [uv::POLL, uv::TIMER, uv::ASYNC]
        .into_iter()
        // SAFETY: a pure function of libuv.
        .map(|kind| unsafe { uv::uv_handle_size(kind) })
        .max()
        .unwrap_or(0);
    largest.div_ceil(8).max(1)
}

/// The close callback of every handle made by [`new_handle`].
unsafe extern "C" fn free_handle(handle: *mut c_void) {
    // SAFETY: the boxed slice `new_handle` made, closed by libuv, never used again.
    drop(unsafe {
        Box::from_raw(ptr::slice_from_raw_parts_mut(
            handle as *mut u64,
            handle_words(),
        ))
    });
}

/// An object and an async context for the driver's callback scopes.
fn async_context(env: sys::napi_env) -> napi::Result<(sys::napi_ref, sys::napi_async_context)> {
    let name = "colonykit";
    let (mut object, mut text) = (ptr::null_mut(), ptr::null_mut());
    let (mut resource, mut context) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: on the JS thread, with a live env; the reference keeps the object for the
    // driver's life.
    unsafe {
        check_status!(sys::napi_create_object(env, &mut object))?;
        check_status!(sys::napi_create_string_utf8(
            env,
            name.as_ptr().cast(),
            name.len() as isize,
            &mut text
        ))?;
        check_status!(sys::napi_create_reference(env, object, 1, &mut resource))?;
        if sys::napi_async_init(env, object, text, &mut context) != sys::Status::napi_ok {
            sys::napi_delete_reference(env, resource);
            return Err(napi::Error::from_reason("cannot make an async context"));
        }
    }
    Ok((resource, context))
}

/// The poll handle watching `descriptor` (started), the timer (stopped) and the async handle, on
/// `event_loop`; none of them keeps the loop alive. `None` if one cannot be made (those
/// made are closed again).
fn open_handles(
    event_loop: *mut c_void,
    descriptor: c_int,
) -> Option<(*mut c_void, *mut c_void, *mut c_void)> {
    let (poll, timer, wake) = (new_handle(), new_handle(), new_handle());
    let mut opened = Vec::new();
    // SAFETY: fresh handles, initialised on this thread's loop; each one initialised is closed
    // (never freed directly) if a later step fails.
    unsafe {
        let ok = (uv::uv_poll_init(event_loop, poll, descriptor) == 0 && {
            opened.push(poll);
            uv::uv_poll_start(poll, uv::READABLE, on_readable) == 0
        }) && (uv::uv_timer_init(event_loop, timer) == 0 && {
            opened.push(timer);
            true
        }) && (uv::uv_async_init(event_loop, wake, on_wake) == 0 && {
            opened.push(wake);
            true
        });
        if ok {
            uv::uv_unref(poll);
            uv::uv_unref(timer);
            uv::uv_unref(wake);
            return Some((poll, timer, wake));
        }
        for handle in [poll, timer, wake] {
            if opened.contains(&handle) {
                uv::uv_close(handle, Some(free_handle));
            } else {
                free_handle(handle);
            }
        }
    }
    None
}

impl Driver {
    fn new(env: &Env) -> napi::Result<Driver> {
        let raw = env.raw();
        let descriptor = direct::descriptor()
            .ok()
            .and_then(|d| c_int::try_from(d).ok())
            .ok_or_else(|| napi::Error::from_reason("no descriptor to watch"))?;
        let mut event_loop = ptr::null_mut();
        // SAFETY: on the JS thread, with a live env.
        check_status!(unsafe { sys::napi_get_uv_event_loop(raw, &mut event_loop) })?;
        let event_loop = event_loop as *mut c_void;
        let (resource, context) = async_context(raw)?;
        let Some((poll, timer, wake)) = open_handles(event_loop, descriptor) else {
            // SAFETY: made just above, on this thread.
            unsafe {
                sys::napi_async_destroy(raw, context);
                sys::napi_delete_reference(raw, resource);
            }
            return Err(napi::Error::from_reason("cannot watch the descriptor"));
        };
        let wake = Arc::new(Mutex::new(Wake(wake)));
        let asks = Arc::clone(&wake);
        let driver = Driver {
            env: raw,
            calls: Driven::new(move || {
                let wake = asks.lock().unwrap_or_else(|p| p.into_inner());
                if !wake.0.is_null() {
                    // SAFETY: a live async handle (see `Wake`).
                    unsafe { uv::uv_async_send(wake.0) };
                }
            }),
            poll,
            timer,
            wake,
            resource,
            context,
            holding: Cell::new(false),
        };
        // SAFETY: the hook runs on this thread when the environment goes away.
        let hooked =
            unsafe { sys::napi_add_env_cleanup_hook(raw, Some(teardown), ptr::null_mut()) };
        if hooked != sys::Status::napi_ok {
            driver.close();
            return Err(napi::Error::from_reason(
                "cannot watch the environment's end",
            ));
        }
        Ok(driver)
    }

    /// After calls started or stepped: the loop is kept alive while calls wait, and the timer
    /// armed for the first timer they wait on (in place of the one armed before).
    fn after_calls_moved(&self) {
        let waiting = self.calls.pending() > 0;
        // SAFETY: live handles of this thread.
        unsafe {
            if waiting != self.holding.get() {
                self.holding.set(waiting);
                match waiting {
                    true => uv::uv_ref(self.poll),
                    false => uv::uv_unref(self.poll),
                }
            }
            if let Some(wait) = self.calls.timer() {
                let millis = u64::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(u64::MAX);
                uv::uv_timer_start(self.timer, on_timer, millis, 0);
            }
        }
    }

    /// A callback's work: a step of the calls, whose ended ones settle in a callback scope.
    fn step(&self) {
        if let Ok(settles) = self.calls.step() {
            if !settles.is_empty() {
                self.settle_in_scope(settles);
            }
        }
        self.after_calls_moved();
    }

    /// Runs `settles` in a handle scope and a callback scope, whose end runs the promises'
    /// reactions (as after any I/O callback).
    fn settle_in_scope(&self, settles: Vec<Settle>) {
        let env = self.env;
        let mut handles = ptr::null_mut();
        let mut callbacks = ptr::null_mut();
        // SAFETY: on the JS thread, in a libuv callback, with a live env (torn down only after
        // `teardown`, which closes the handles that call this).
        unsafe {
            if sys::napi_open_handle_scope(env, &mut handles) != sys::Status::napi_ok {
                return;
            }
            let mut resource = ptr::null_mut();
            let scoped = sys::napi_get_reference_value(env, self.resource, &mut resource)
                == sys::Status::napi_ok
                && sys::napi_open_callback_scope(env, resource, self.context, &mut callbacks)
                    == sys::Status::napi_ok;
            for settle in settles {
                let mut scope = ptr::null_mut();
                let opened = sys::napi_open_handle_scope(env, &mut scope) == sys::Status::napi_ok;
                settle(env);
                if opened {
                    sys::napi_close_handle_scope(env, scope);
                }
            }
            if scoped {
                sys::napi_close_callback_scope(env, callbacks);
            }
            sys::napi_close_handle_scope(env, handles);
        }
    }

    /// Stops and closes the handles; calls still pending never settle (the environment is gone).
    fn close(&self) {
        let wake = std::mem::replace(
            &mut self.wake.lock().unwrap_or_else(|p| p.into_inner()).0,
            ptr::null_mut(),
        );
        // SAFETY: handles of this thread, closed once; their memory is freed by `free_handle`.
        // The env is alive (its cleanup hooks run first).
        unsafe {
            for handle in [self.poll, self.timer, wake] {
                uv::uv_close(handle, Some(free_handle));
            }
            sys::napi_async_destroy(self.env, self.context);
            sys::napi_delete_reference(self.env, self.resource);
        }
    }
}

/// The driver of this thread, for a libuv callback.
fn with_driver(run: impl FnOnce(&Driver)) {
    if let Some(driver) = DRIVER.with_borrow(|slot| slot.as_ref().and_then(|(_, d)| d.clone())) {
        run(&driver);
    }
}

unsafe extern "C" fn on_readable(_handle: *mut c_void, _status: c_int, _events: c_int) {
    with_driver(Driver::step);
}

unsafe extern "C" fn on_timer(_handle: *mut c_void) {
    with_driver(|driver| {
        driver.calls.timer_fired();
        driver.step();
    });
}

unsafe extern "C" fn on_wake(_handle: *mut c_void) {
    with_driver(Driver::step);
}

/// The environment's cleanup hook: the driver's handles close.
unsafe extern "C" fn teardown(_arg: *mut c_void) {
    if let Some((_, Some(driver))) = DRIVER.with_borrow_mut(Option::take) {
        driver.close();
    }
}
