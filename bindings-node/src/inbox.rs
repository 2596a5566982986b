//! Settling promises from the runtime's worker: one threadsafe function per JS environment.
//!
//! napi-rs's deferred makes a threadsafe function per promise (a uv async handle, an env cleanup
//! hook, their locks) and tears it down when the promise settles. Here each JS thread has one
//! threadsafe function for its whole life and a queue of finished calls (the inbox): the worker
//! pushes a call's outcome and wakes the JS thread only when the queue was empty, and the JS
//! thread settles every queued promise in one callback. The threadsafe function keeps Node's
//! event loop alive only while a promise of this inbox is pending.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::mem;
use std::ptr;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{JsValue, PromiseRaw, ToNapiValue};
use napi::{check_status, sys, Env, JsError};

/// What settles one promise on the JS thread.
type Settle = Box<dyn FnOnce(sys::napi_env) + Send>;

/// A promise's resolver, handed to the worker and used back on the JS thread only.
pub struct Deferred(pub sys::napi_deferred);

// SAFETY: the pointer is only dereferenced by napi on the JS thread that made it (in
// `settle`, run by the inbox's callback there); the worker only moves it.
unsafe impl Send for Deferred {}

/// The JS thread's threadsafe function (`None` once Node finalized it) and the finished calls.
struct Queue {
    tsfn: Option<Tsfn>,
    settles: Vec<Settle>,
    /// A callback is due (the threadsafe function was called since the last drain).
    scheduled: bool,
}

struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: calling a threadsafe function from any thread is what it is for; the queue's lock
// keeps it from being used after its finalizer ran (which sets it to `None` under that lock).
unsafe impl Send for Tsfn {}

/// The part of an inbox the worker holds.
struct Shared {
    queue: Mutex<Queue>,
}

impl Shared {
    /// Queues `settle` and wakes the JS thread unless a wake-up is due already. Dropped (its
    /// promise never settles) when the environment is gone.
    fn push(&self, settle: Settle) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let Some(tsfn) = queue.tsfn.as_ref().map(|t| t.0) else {
            return;
        };
        queue.settles.push(settle);
        if !queue.scheduled {
            queue.scheduled = true;
            // SAFETY: the threadsafe function is alive (its finalizer takes this lock first).
            let status = unsafe {
                sys::napi_call_threadsafe_function(
                    tsfn,
                    ptr::null_mut(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
            if status != sys::Status::napi_ok {
                // Closing: the environment is going away, nothing will be settled.
                queue.settles.clear();
            }
        }
    }
}

/// The inbox of one JS thread, as that thread sees it.
struct Local {
    env: sys::napi_env,
    tsfn: sys::napi_threadsafe_function,
    shared: Arc<Shared>,
    /// Promises of this inbox not settled yet: the threadsafe function is referenced (keeps the
    /// loop alive) while there are any.
    pending: Cell<usize>,
}

thread_local! {
    static INBOX: RefCell<Option<Rc<Local>>> = const { RefCell::new(None) };
}

/// This thread's inbox, made on first use.
fn local(env: &Env) -> napi::Result<Rc<Local>> {
    if let Some(local) = INBOX.with(|inbox| inbox.borrow().clone()) {
        if local.env == env.raw() {
            return Ok(local);
        }
    }
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue {
            tsfn: None,
            settles: Vec::new(),
            scheduled: false,
        }),
    });
    let name = env.create_string("colonykit")?;
    let context = Arc::into_raw(Arc::clone(&shared)) as *mut c_void;
    let mut tsfn = ptr::null_mut();
    // SAFETY: on the JS thread, with a live env; `context` is an owned `Arc` that the finalizer
    // gives back.
    let created = check_status!(unsafe {
        sys::napi_create_threadsafe_function(
            env.raw(),
            ptr::null_mut(),
            ptr::null_mut(),
            name.raw(),
            0,
            1,
            context,
            Some(finalize),
            context,
            Some(drain),
            &mut tsfn,
        )
    });
    if let Err(error) = created {
        // SAFETY: not handed to Node: this is the only owner of that reference.
        drop(unsafe { Arc::from_raw(context as *const Shared) });
        return Err(error);
    }
    // SAFETY: the threadsafe function was just made on this thread.
    check_status!(unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn) })?;
    shared.queue.lock().unwrap_or_else(|p| p.into_inner()).tsfn = Some(Tsfn(tsfn));
    let local = Rc::new(Local {
        env: env.raw(),
        tsfn,
        shared,
        pending: Cell::new(0),
    });
    INBOX.with(|inbox| *inbox.borrow_mut() = Some(Rc::clone(&local)));
    Ok(local)
}

/// A promise and the function that settles it from any thread (through this thread's inbox).
pub fn promise<T>(
    env: &Env,
) -> napi::Result<(
    PromiseRaw<'_, T>,
    impl FnOnce(napi::Result<T>) + Send + 'static,
)>
where
    T: ToNapiValue + Send + 'static,
{
    let local = local(env)?;
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: on the JS thread, with a live env.
    check_status!(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
    if local.pending.get() == 0 {
        // SAFETY: on the JS thread that made the threadsafe function.
        check_status!(unsafe { sys::napi_ref_threadsafe_function(env.raw(), local.tsfn) })?;
    }
    local.pending.set(local.pending.get() + 1);
    let shared = Arc::clone(&local.shared);
    let deferred = Deferred(deferred);
    let settle = move |outcome: napi::Result<T>| {
        shared.push(Box::new(move |env| {
            let deferred = deferred;
            settle_now(env, deferred.0, outcome);
        }));
    };
    Ok((PromiseRaw::new(env.raw(), promise), settle))
}

/// Resolves or rejects `deferred` with `outcome` (on its JS thread).
pub fn settle_now<T: ToNapiValue>(
    env: sys::napi_env,
    deferred: sys::napi_deferred,
    outcome: napi::Result<T>,
) {
    // SAFETY: on the JS thread, inside the threadsafe function's callback (a live env).
    unsafe {
        match outcome.and_then(|value| T::to_napi_value(env, value)) {
            Ok(value) => {
                sys::napi_resolve_deferred(env, deferred, value);
            }
            Err(error) => {
                sys::napi_reject_deferred(env, deferred, JsError::from(error).into_value(env));
            }
        }
    }
}

/// The threadsafe function's callback, on the JS thread: settles every finished call.
unsafe extern "C" fn drain(
    env: sys::napi_env,
    _callback: sys::napi_value,
    context: *mut c_void,
    _data: *mut c_void,
) {
    if env.is_null() || context.is_null() {
        return; // torn down
    }
    // SAFETY: `context` is the `Arc<Shared>` the finalizer releases, which has not run yet.
    let shared = unsafe { &*(context as *const Shared) };
    let settles = {
        let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.scheduled = false;
        mem::take(&mut queue.settles)
    };
    let count = settles.len();
    for settle in settles {
        let mut scope = ptr::null_mut();
        // SAFETY: on the JS thread with a live env; each promise's values in their own scope.
        let opened =
            unsafe { sys::napi_open_handle_scope(env, &mut scope) } == sys::Status::napi_ok;
        settle(env);
        if opened {
            // SAFETY: the scope opened above.
            unsafe { sys::napi_close_handle_scope(env, scope) };
        }
    }
    INBOX.with(|inbox| {
        if let Some(local) = inbox.borrow().as_ref().filter(|l| l.env == env) {
            let pending = local.pending.get().saturating_sub(count);
            local.pending.set(pending);
            if pending == 0 {
                // SAFETY: on the JS thread that made the threadsafe function.
                unsafe { sys::napi_unref_threadsafe_function(env, local.tsfn) };
            }
        }
    });
}

/// The threadsafe function's finalizer (the environment is going away): nothing more is queued.
unsafe extern "C" fn finalize(env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Arc<Shared>` given when the threadsafe function was made.
    let shared = unsafe { Arc::from_raw(data as *const Shared) };
    let settles = {
        let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.tsfn = None;
        mem::take(&mut queue.settles)
    };
    drop(settles);
    INBOX.with(|inbox| {
        let mut inbox = inbox.borrow_mut();
        if inbox.as_ref().is_some_and(|l| l.env == env) {
            *inbox = None;
        }
    });
}
