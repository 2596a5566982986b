//! Streams from the core (channel entries, process events, assignments) as one native class:
//! `next()` resolves to the next item, or `null` when the stream has ended; `close()` ends it at
//! once, also while a `next()` is pending. The JS layer wraps it in an async iterator.

use std::sync::Arc;

use futures::future::BoxFuture;
use futures::FutureExt;
use napi::bindgen_prelude::{Either, PromiseRaw};
use napi::Env;
use napi_derive::napi;

use colonykit::{Closer, Process, Subscription};

use crate::convert::{millis, process_state, JsChannelEntry, JsProcess};
use crate::error::{from_core, IntoNapi};
use crate::json::to_json;
use crate::{promise, NativeClient};

/// An item as it crosses: a channel entry as an object, anything else as JSON text.
type Item = Either<JsChannelEntry, String>;

type Next = dyn Fn() -> BoxFuture<'static, napi::Result<Option<Item>>> + Send + Sync;

/// A subscription to one of the core's streams.
#[napi]
pub struct NativeSubscription {
    next: Arc<Next>,
    closer: Closer,
}

impl NativeSubscription {
    /// Wraps `stream`, converting each item with `convert`.
    pub fn new<T>(stream: Subscription<T>, convert: fn(T) -> napi::Result<Item>) -> Self
    where
        T: Send + Unpin + 'static,
    {
        let closer = stream.closer();
        let stream = Arc::new(tokio::sync::Mutex::new(stream));
        let next = move || {
            let stream = Arc::clone(&stream);
            async move {
                match stream.lock().await.next_item().await {
                    None => Ok(None),
                    Some(Ok(item)) => convert(item).map(Some),
                    Some(Err(error)) => Err(from_core(error)),
                }
            }
            .boxed()
        };
        NativeSubscription {
            next: Arc::new(next),
            closer,
        }
    }
}

#[napi]
impl NativeSubscription {
    /// The next item, or `null` once the stream has ended (or was closed).
    #[napi(catch_unwind, ts_return_type = "Promise<ChannelEntry | string | null>")]
    pub fn next<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Option<Item>>> {
        promise(env, None, (self.next)())
    }

    /// Closes the subscription: its socket closes, a pending `next()` resolves to `null`.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.closer.close();
    }
}

fn process_item(process: Process) -> napi::Result<Item> {
    to_json(&JsProcess::from(process)).map(Either::B)
}

/// Starts a core stream on the shared runtime (its task is spawned there).
fn start<T>(
    open: impl FnOnce() -> colonykit::Result<Subscription<T>>,
) -> napi::Result<Subscription<T>> {
    napi::bindgen_prelude::within_runtime_if_available(open).napi()
}

#[napi]
impl NativeClient {
    /// Processes of `executortype` as they reach `state` (items: processes as JSON text).
    #[napi(catch_unwind)]
    pub fn subscribe_processes(
        &self,
        executortype: String,
        state: String,
    ) -> napi::Result<NativeSubscription> {
        let state = process_state(&state)?;
        let stream = start(|| self.inner.subscribe_processes(&executortype, state))?;
        Ok(NativeSubscription::new(stream, process_item))
    }

    /// The processes assigned to this executor, polling `pollMs` at a time (items: processes
    /// as JSON text).
    #[napi(catch_unwind)]
    pub fn assignments(
        &self,
        colonyname: String,
        poll_ms: f64,
    ) -> napi::Result<NativeSubscription> {
        let poll = millis(poll_ms, "pollMs")?;
        let stream = start(|| self.inner.assignments(&colonyname, poll))?;
        Ok(NativeSubscription::new(stream, process_item))
    }
}

/// Wraps a channel stream.
pub fn channel(stream: colonykit::ChannelStream) -> NativeSubscription {
    NativeSubscription::new(stream, |entry| Ok(Either::A(entry.into())))
}
