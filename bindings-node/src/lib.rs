//! Node bindings for colonykit (napi-rs).
//!
//! This addon is the native half of the npm package `colonykit`; users see the JS layer
//! (`index.js`, typed by `index.d.ts`), which adds the idiom: error classes, async iterators
//! and `AbortSignal`. The addon only converts: JS values to core types and back, core errors
//! to tagged JS errors (see [`error`]), core futures to promises. It holds no protocol logic.
//!
//! Every future runs on napi's shared tokio runtime and is guarded against panics; every
//! synchronous export is `catch_unwind`. Nothing here keeps Node's event loop alive except a
//! pending promise, and every wait can be ended: by its own timeout, by a [`CancelToken`]
//! (the JS `AbortSignal`), or for subscriptions by [`NativeSubscription::close`].

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod convert;
#[cfg(unix)]
mod driven;
mod error;
mod executor;
mod inbox;
mod json;
mod logging;
mod output;
mod runtime;
mod subscription;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use napi::bindgen_prelude::{Buffer, PromiseRaw, ToNapiValue};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use colonykit::{
    ChannelWriter, EntryKind, NewEntry, PrivateKey, Process, SubscribeOptions, WriterOptions,
};

use crate::convert::{
    count_u32, count_u64, millis, process_state, usize_count, JsChannelEntry, JsExecutor,
    JsNewExecutor, JsProcess, JsUser, JsWriterStats,
};
use crate::error::{aborted, from_panic, IntoNapi};
use crate::json::{from_json, to_json};
use crate::subscription::NativeSubscription;

/// Runs `future` and returns its promise.
///
/// The future is polled once on the JS thread (it signs and writes its request there), then runs
/// on the shared runtime from its first wake-up on, without a thread woken for the hand-over
/// (`colonykit::inline`); one that is done at once settles its promise here, any other through
/// this JS thread's [`inbox`]. It is guarded against panics (a panic rejects the promise) and,
/// with a `cancel` token, is dropped as soon as the token is cancelled (which closes whatever it
/// was waiting on) and the promise rejects with the `Aborted` kind.
fn promise<'env, T: ToNapiValue + Send + 'static>(
    env: &'env Env,
    cancel: Option<&CancelToken>,
    future: impl Outcome<T>,
) -> napi::Result<PromiseRaw<'env, T>> {
    on_shared_runtime(env, guarded(cancel, future))
}

/// As [`promise`], for a call that starts nothing that must go on after it (tasks it starts end
/// with it): on Unix, Node's event loop drives it on the JS thread ([`driven`]), which reads its
/// reply (one thread woken per call instead of two).
fn call_promise<'env, T: ToNapiValue + Send + 'static>(
    env: &'env Env,
    cancel: Option<&CancelToken>,
    future: impl Outcome<T>,
) -> napi::Result<PromiseRaw<'env, T>> {
    let outcome = guarded(cancel, future);
    #[cfg(unix)]
    let outcome = match driven::promise(env, outcome)? {
        Ok(promise) => return Ok(promise),
        Err(outcome) => outcome,
    };
    on_shared_runtime(env, outcome)
}

/// A future that a promise is made of.
trait Outcome<T>: Future<Output = napi::Result<T>> + Send + 'static {}

impl<T, F: Future<Output = napi::Result<T>> + Send + 'static> Outcome<T> for F {}

/// `future` guarded against panics and, with a `cancel` token, ended by it.
fn guarded<T: Send + 'static>(
    cancel: Option<&CancelToken>,
    future: impl Outcome<T>,
) -> impl Outcome<T> {
    let token = cancel.map(|c| c.token.clone());
    // Boxed at once: a call's future holds a whole request's state (kilobytes), and the layers
    // it goes through next (this one, the driven call) would each hold and copy it again.
    let future = Box::pin(future);
    async move {
        let guarded = async {
            match AssertUnwindSafe(future).catch_unwind().await {
                Ok(result) => result,
                Err(panic) => Err(from_panic(panic)),
            }
        };
        match token {
            None => guarded.await,
            Some(token) => tokio::select! {
                biased;
                () = token.cancelled() => Err(aborted()),
                result = guarded => result,
            },
        }
    }
}

/// Runs `outcome` on the shared runtime (see [`promise`]).
fn on_shared_runtime<'env, T: ToNapiValue + Send + 'static>(
    env: &'env Env,
    outcome: impl Outcome<T>,
) -> napi::Result<PromiseRaw<'env, T>> {
    let Some(handle) = runtime::handle() else {
        return env.spawn_future(outcome);
    };
    match colonykit::inline::poll_first(handle, outcome) {
        // Done at once (an item a stream had buffered): settled here, no thread crossed.
        Ok(Ok(value)) if colonykit::inline::may_settle_at_once() => PromiseRaw::resolve(env, value),
        Ok(Err(error)) if colonykit::inline::may_settle_at_once() => PromiseRaw::reject(env, error),
        // Now and then through the event loop, so that timers and I/O get a turn.
        Ok(outcome) => {
            let (promise, settle) = inbox::promise(env)?;
            settle(outcome);
            Ok(promise)
        }
        Err(parked) => {
            let (promise, settle) = inbox::promise(env)?;
            parked.then(settle);
            Ok(promise)
        }
    }
}

/// Parses a private key; the key never appears in an error.
fn parse_key(prvkey: &str) -> napi::Result<PrivateKey> {
    PrivateKey::from_hex(prvkey).napi()
}

/// A fresh random private key, as 64 hex characters.
#[napi(catch_unwind)]
pub fn generate_key() -> String {
    PrivateKey::generate().to_hex()
}

/// The ID of a private key (the name the server knows its owner by).
#[napi(catch_unwind)]
pub fn key_id(prvkey: String) -> napi::Result<String> {
    Ok(parse_key(&prvkey)?.id().to_string())
}

/// Cancels the operations it was given to (the native side of an `AbortSignal`).
#[napi]
pub struct CancelToken {
    token: CancellationToken,
}

#[napi]
impl CancelToken {
    /// A token that has not been cancelled.
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        CancelToken {
            token: CancellationToken::new(),
        }
    }

    /// Cancels every operation given this token; they reject with the `Aborted` kind.
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.token.cancel();
    }
}

impl Default for CancelToken {
    fn default() -> Self {
        CancelToken::new()
    }
}

/// A channel writer: ordered, pipelined appends that ride out the rate limit. The JS layer
/// calls it one call at a time (it chains them), so entries are numbered in call order.
#[napi]
pub struct NativeWriter {
    writer: Arc<tokio::sync::Mutex<Option<ChannelWriter>>>,
}

fn writer_finished() -> napi::Error {
    error::invalid_argument("the writer is finished")
}

#[napi]
impl NativeWriter {
    /// Queues a `data` entry (answering `inreplyto` when given); resolves to its sequence.
    #[napi(catch_unwind)]
    pub fn send<'env>(
        &self,
        env: &'env Env,
        payload: Buffer,
        inreplyto: Option<i64>,
    ) -> napi::Result<PromiseRaw<'env, i64>> {
        let writer = Arc::clone(&self.writer);
        let payload = payload.to_vec();
        promise(env, None, async move {
            let mut guard = writer.lock().await;
            let writer = guard.as_mut().ok_or_else(writer_finished)?;
            match inreplyto {
                Some(inreplyto) => writer.reply(inreplyto, payload).await,
                None => writer.send(payload).await,
            }
            .napi()
        })
    }

    /// Sends `end` (`kind` "end") or an `error` entry with `message` (`kind` "error"), or
    /// nothing (`kind` "finish"); resolves once every entry is written.
    #[napi(catch_unwind)]
    pub fn close<'env>(
        &self,
        env: &'env Env,
        kind: String,
        message: Option<Buffer>,
    ) -> napi::Result<PromiseRaw<'env, JsWriterStats>> {
        let writer = Arc::clone(&self.writer);
        let message = message.map(|m| m.to_vec()).unwrap_or_default();
        promise(env, None, async move {
            let writer = writer.lock().await.take().ok_or_else(writer_finished)?;
            let stats = match kind.as_str() {
                "end" => writer.end().await,
                "error" => writer.error(message).await,
                _ => writer.finish().await,
            };
            stats.map(Into::into).napi()
        })
    }
}

/// The native client; see `Client` in `index.d.ts` for the documented API. Processes and
/// executors are returned, and JSON arguments taken, as JSON text (see [`convert`]).
#[napi]
pub struct NativeClient {
    inner: colonykit::Client,
}

/// The TLS options of a client (`caFile`, `caPem`, `clientCert`, `clientKey`,
/// `dangerSkipTlsVerify`; see `ClientOptions` in index.d.ts).
#[napi(object)]
pub struct NativeTlsOptions {
    pub ca_file: Option<String>,
    pub ca_pem: Option<String>,
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
    pub danger_skip_tls_verify: Option<bool>,
}

impl From<NativeTlsOptions> for colonykit::TlsSettings {
    fn from(tls: NativeTlsOptions) -> Self {
        colonykit::TlsSettings {
            ca_file: tls.ca_file.map(Into::into),
            ca_pem: tls.ca_pem,
            client_cert: tls.client_cert.map(Into::into),
            client_key: tls.client_key.map(Into::into),
            danger_skip_tls_verify: tls.danger_skip_tls_verify.unwrap_or(false),
        }
    }
}

#[napi]
impl NativeClient {
    /// A client of `servers` (`http://host:port`: one, or the nodes of a cluster), signing with
    /// `prvkey` when given.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        servers: Vec<String>,
        prvkey: Option<String>,
        timeout_ms: Option<f64>,
        max_in_flight: Option<f64>,
        tls: Option<NativeTlsOptions>,
    ) -> napi::Result<Self> {
        let mut builder = colonykit::Client::cluster_builder(servers);
        if let Some(prvkey) = prvkey {
            builder = builder.key(parse_key(&prvkey)?);
        }
        if let Some(ms) = timeout_ms {
            builder = builder.timeout(millis(ms, "timeoutMs")?);
        }
        if let Some(calls) = max_in_flight {
            builder = builder.max_in_flight(usize_count(calls, "maxInFlight")?);
        }
        Ok(NativeClient {
            inner: builder
                .tls(tls.map(Into::into).unwrap_or_default())
                .build()
                .napi()?,
        })
    }

    /// A client set up from `COLONIES_SERVER_HOST`, `COLONIES_SERVER_PORT`, `COLONIES_TLS` (or
    /// `COLONIES_SERVER_TLS`), `COLONIES_CA_FILE` and `COLONIES_PRVKEY`, with `tls` on top.
    #[napi(factory, catch_unwind)]
    pub fn from_env(tls: Option<NativeTlsOptions>) -> napi::Result<Self> {
        let builder = colonykit::Client::builder_from_env().napi()?;
        Ok(NativeClient {
            inner: builder
                .tls(tls.map(Into::into).unwrap_or_default())
                .build()
                .napi()?,
        })
    }

    /// A client that signs with `prvkey` and shares this client's connection pool.
    #[napi(catch_unwind)]
    pub fn with_key(&self, prvkey: String) -> napi::Result<NativeClient> {
        Ok(NativeClient {
            inner: self.inner.with_key(parse_key(&prvkey)?),
        })
    }

    /// The ID of the key this client signs with, or `null`.
    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> Option<String> {
        self.inner.key().map(|key| key.id().to_string())
    }

    /// The (first) server's RPC endpoint.
    #[napi(getter, catch_unwind)]
    pub fn server(&self) -> String {
        self.inner.server().to_string()
    }

    /// The RPC endpoints of every server, in the order given.
    #[napi(getter, catch_unwind)]
    pub fn servers(&self) -> Vec<String> {
        self.inner.servers().into_iter().map(String::from).collect()
    }

    // --- The operations that need more than a pass-through ------------------------------------
    // (The others come from the core's table: see `api.rs`.)

    // --- Users --------------------------------------------------------------------------------

    #[napi(catch_unwind)]
    pub fn add_user<'env>(
        &self,
        env: &'env Env,
        user: JsUser,
    ) -> napi::Result<PromiseRaw<'env, JsUser>> {
        let client = self.inner.clone();
        call_promise(env, None, async move {
            client.add_user(&user.into()).await.map(Into::into).napi()
        })
    }

    // --- Executors ----------------------------------------------------------------------------

    #[napi(catch_unwind)]
    pub fn add_executor<'env>(
        &self,
        env: &'env Env,
        executor: JsNewExecutor,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let client = self.inner.clone();
        call_promise(env, None, async move {
            client
                .add_executor(&executor.into())
                .await
                .napi()
                .and_then(|e| to_json(&JsExecutor::from(e)))
        })
    }

    // --- Processes ----------------------------------------------------------------------------

    /// Resolves to the assigned process, or `null` when none came within `timeoutMs`.
    #[napi(catch_unwind)]
    pub fn assign<'env>(
        &self,
        env: &'env Env,
        colonyname: String,
        timeout_ms: f64,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<PromiseRaw<'env, Option<String>>> {
        let client = self.inner.clone();
        let timeout = millis(timeout_ms, "timeoutMs")?;
        call_promise(env, cancel, async move {
            client
                .assign(&colonyname, timeout)
                .await
                .napi()?
                .map(process_json)
                .transpose()
        })
    }

    /// Resolves to the process once it is in `state`.
    #[napi(catch_unwind)]
    pub fn wait_for_state<'env>(
        &self,
        env: &'env Env,
        processid: String,
        state: String,
        timeout_ms: f64,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let client = self.inner.clone();
        let state = process_state(&state)?;
        let timeout = millis(timeout_ms, "timeoutMs")?;
        call_promise(env, cancel, async move {
            client
                .wait_for_state(&processid, state, timeout)
                .await
                .napi()
                .and_then(process_json)
        })
    }

    // --- Channels -----------------------------------------------------------------------------

    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn append<'env>(
        &self,
        env: &'env Env,
        processid: String,
        channel: String,
        sequence: i64,
        payload: Buffer,
        kind: String,
        inreplyto: i64,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let client = self.inner.clone();
        let entry = NewEntry {
            sequence,
            payload: payload.to_vec(),
            kind: EntryKind::from(kind),
            inreplyto,
        };
        call_promise(env, None, async move {
            client.append(&processid, &channel, entry).await.napi()
        })
    }

    #[napi(catch_unwind)]
    pub fn read_channel<'env>(
        &self,
        env: &'env Env,
        processid: String,
        channel: String,
        after: f64,
        limit: f64,
    ) -> napi::Result<PromiseRaw<'env, Vec<JsChannelEntry>>> {
        let client = self.inner.clone();
        let after = count_u64(after, "after")?;
        let limit = count_u32(limit, "limit")?;
        call_promise(env, None, async move {
            client
                .read_channel(&processid, &channel, after, limit)
                .await
                .map(convert_all)
                .napi()
        })
    }

    /// Starts a subscription to a channel (entries after the first `after`, ending with a
    /// `Timeout` error after `idleTimeoutMs` without an entry, when given).
    #[napi(catch_unwind)]
    pub fn subscribe_channel(
        &self,
        processid: String,
        channel: String,
        after: f64,
        idle_timeout_ms: Option<f64>,
        reconnect_deadline_ms: Option<f64>,
    ) -> napi::Result<NativeSubscription> {
        let options = SubscribeOptions {
            after: count_u64(after, "after")?,
            idle_timeout: idle_timeout_ms
                .map(|ms| millis(ms, "idleTimeoutMs"))
                .transpose()?,
            reconnect_deadline: reconnect_deadline_ms
                .map(|ms| millis(ms, "reconnectDeadlineMs"))
                .transpose()?,
        };
        // The stream's task is spawned on the shared runtime.
        let stream = napi::bindgen_prelude::within_runtime_if_available(|| {
            self.inner
                .subscribe_channel_with(&processid, &channel, options)
        })
        .napi()?;
        Ok(subscription::channel(stream))
    }

    /// Opens a channel writer (its own pipelined connection).
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn channel_writer<'env>(
        &self,
        env: &'env Env,
        processid: String,
        channel: String,
        first_sequence: i64,
        step: i64,
        max_in_flight: f64,
        reconnect_deadline_ms: Option<f64>,
    ) -> napi::Result<PromiseRaw<'env, NativeWriter>> {
        let client = self.inner.clone();
        let options = WriterOptions {
            first_sequence,
            step,
            max_in_flight: usize_count(max_in_flight, "maxInFlight")?,
            reconnect_deadline: reconnect_deadline_ms
                .map(|ms| millis(ms, "reconnectDeadlineMs"))
                .transpose()?,
        };
        promise(env, None, async move {
            let writer = client
                .channel_writer_with(&processid, &channel, options)
                .await
                .napi()?;
            Ok(NativeWriter {
                writer: Arc::new(tokio::sync::Mutex::new(Some(writer))),
            })
        })
    }

    #[napi(catch_unwind)]
    pub fn wait_for_ack<'env>(
        &self,
        env: &'env Env,
        processid: String,
        sync_channel: String,
        timeout_ms: f64,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let client = self.inner.clone();
        let timeout = millis(timeout_ms, "timeoutMs")?;
        call_promise(env, cancel, async move {
            client
                .wait_for_ack(&processid, &sync_channel, timeout)
                .await
                .napi()
        })
    }

    #[napi(catch_unwind)]
    pub fn close_after_ack<'env>(
        &self,
        env: &'env Env,
        processid: String,
        sync_channel: String,
        output: String,
        timeout_ms: f64,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let client = self.inner.clone();
        let output: Vec<Value> = from_json(&output, "output")?;
        let timeout = millis(timeout_ms, "timeoutMs")?;
        call_promise(env, cancel, async move {
            client
                .close_after_ack(&processid, &sync_channel, output, timeout)
                .await
                .napi()
        })
    }
}

fn convert_all<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

/// A process as JSON text (see [`convert`]).
fn process_json(process: Process) -> napi::Result<String> {
    to_json(&JsProcess::from(process))
}

/// Test hooks: prove that a panic in the addon rejects or throws instead of crashing Node.
/// (The only deliberate panics in this crate.)
#[napi(catch_unwind, js_name = "__panicSync")]
#[allow(clippy::panic)]
pub fn panic_sync() -> napi::Result<()> {
    std::panic::panic_any("test panic (sync)".to_string())
}

/// See [`panic_sync`].
#[napi(catch_unwind, js_name = "__panicAsync")]
#[allow(clippy::panic)]
pub fn panic_async(env: &Env) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, None, async {
        std::panic::panic_any("test panic (async)".to_string())
    })
}
