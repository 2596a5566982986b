//! The executor runtime for Node: a thin native layer over the core's [`Runtime`] and its
//! tasks. `lib/executor.js` adds the handler table, the dispatch, the signals and the
//! `AbortSignal`; everything the protocol needs is in the core.

use std::sync::{Arc, Mutex, PoisonError};

use colonykit::executor::{
    CancelReason, Channel, Context, FunctionDecl, Runtime, RuntimeOptions, Task,
};
use colonykit::WriterOptions;
use napi::bindgen_prelude::{Buffer, PromiseRaw};
use napi::Env;
use napi_derive::napi;
use serde::Deserialize;
use serde_json::Value;

use crate::convert::{count_u64, millis, JsExecutor};
use crate::error::{invalid_argument, IntoNapi};
use crate::json::{from_json, to_json};
use crate::{process_json, promise, CancelToken, NativeClient};

/// A function as `lib/executor.js` declares it (JSON).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsFunction {
    name: String,
    #[serde(default)]
    sync: Option<String>,
    #[serde(default)]
    sync_timeout_ms: Option<f64>,
}

/// The runtime's options as `lib/executor.js` passes them (JSON).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsOptions {
    #[serde(default)]
    executor_type: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    concurrency: Option<f64>,
    #[serde(default)]
    poll_ms: Option<f64>,
    #[serde(default)]
    check_interval_ms: Option<f64>,
    #[serde(default)]
    max_processes: Option<f64>,
}

fn reason_name(reason: CancelReason) -> String {
    match reason {
        CancelReason::Cancelled => "cancelled",
        CancelReason::Deadline => "deadline",
        CancelReason::Shutdown => "shutdown",
    }
    .to_string()
}

/// A started executor runtime.
#[napi]
pub struct NativeExecutorRuntime {
    inner: Arc<Runtime>,
}

#[napi]
impl NativeExecutorRuntime {
    /// Registers (see the core's `Runtime::start`) and starts taking work. `functions` and
    /// `options` are JSON text.
    #[napi(catch_unwind)]
    pub fn start<'env>(
        env: &'env Env,
        client: &NativeClient,
        colonyname: String,
        functions: String,
        options: String,
    ) -> napi::Result<PromiseRaw<'env, NativeExecutorRuntime>> {
        let functions: Vec<JsFunction> = from_json(&functions, "functions")?;
        let js: JsOptions = from_json(&options, "options")?;
        let mut decls = Vec::new();
        for function in functions {
            let mut decl = FunctionDecl::new(function.name);
            if let Some(channel) = function.sync {
                let timeout = millis(
                    function.sync_timeout_ms.unwrap_or(30_000.0),
                    "syncTimeoutMs",
                )?;
                decl = decl.sync_ack(channel, timeout);
            }
            decls.push(decl);
        }
        let mut options = RuntimeOptions::new(colonyname);
        options.executortype = js.executor_type;
        options.executorname = js.name;
        options.location = js.location;
        if let Some(concurrency) = js.concurrency {
            options.concurrency = usize::try_from(count_u64(concurrency, "concurrency")?)
                .map_err(|_| invalid_argument("concurrency is too large"))?;
        }
        if let Some(poll) = js.poll_ms {
            options.poll = millis(poll, "pollMs")?;
        }
        if let Some(every) = js.check_interval_ms {
            options.check_interval = millis(every, "checkIntervalMs")?;
        }
        if let Some(max) = js.max_processes {
            options.max_processes = Some(count_u64(max, "maxProcesses")?);
        }
        let client = client.inner.clone();
        promise(env, None, async move {
            let runtime = Runtime::start(client, options, decls).await.napi()?;
            Ok(NativeExecutorRuntime {
                inner: Arc::new(runtime),
            })
        })
    }

    /// The next task, or null once the runtime takes no more work.
    #[napi(catch_unwind)]
    pub fn next_task<'env>(
        &self,
        env: &'env Env,
    ) -> napi::Result<PromiseRaw<'env, Option<NativeExecutorTask>>> {
        let runtime = Arc::clone(&self.inner);
        promise(env, None, async move {
            let task = runtime.next_task().await.napi()?;
            Ok(task.map(|task| NativeExecutorTask {
                context: task.context(),
                task: Mutex::new(Some(task)),
            }))
        })
    }

    /// Stops taking work (running tasks go on).
    #[napi(catch_unwind)]
    pub fn stop(&self) {
        self.inner.stop();
    }

    /// Stops taking work, waits up to `graceMs` for unfinished tasks, fails the rest
    /// ("executor shutting down"), and removes a self-registered executor.
    #[napi(catch_unwind)]
    pub fn shutdown<'env>(
        &self,
        env: &'env Env,
        grace_ms: f64,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let grace = millis(grace_ms, "graceMs")?;
        let runtime = Arc::clone(&self.inner);
        promise(
            env,
            None,
            async move { runtime.shutdown(grace).await.napi() },
        )
    }

    /// The executor it runs as (JSON text).
    #[napi(getter, catch_unwind)]
    pub fn executor(&self) -> napi::Result<String> {
        to_json(&JsExecutor::from(self.inner.executor().clone()))
    }

    /// A client signing as that executor.
    #[napi(catch_unwind)]
    pub fn client(&self) -> NativeClient {
        NativeClient {
            inner: self.inner.client().clone(),
        }
    }
}

/// One assigned process: its context, and its completion (exactly once; dropping it
/// unfinished fails the process).
#[napi]
pub struct NativeExecutorTask {
    context: Context,
    task: Mutex<Option<Task>>,
}

impl NativeExecutorTask {
    fn take(&self) -> napi::Result<Task> {
        self.task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| invalid_argument("the task is finished already"))
    }
}

#[napi]
impl NativeExecutorTask {
    /// The process (JSON text).
    #[napi(getter, catch_unwind)]
    pub fn process(&self) -> napi::Result<String> {
        process_json(self.context.process().clone())
    }

    #[napi(getter, catch_unwind)]
    pub fn funcname(&self) -> String {
        self.context.process().spec.funcname.clone()
    }

    /// Milliseconds left until the deadline (`maxexectime`), or null without one.
    #[napi(getter, catch_unwind)]
    pub fn remaining_ms(&self) -> Option<f64> {
        self.context
            .remaining()
            .map(|left| left.as_secs_f64() * 1000.0)
    }

    /// Why the cancellation signal fired ("cancelled", "deadline", "shutdown"), or null.
    #[napi(getter, catch_unwind)]
    pub fn cancel_reason(&self) -> Option<String> {
        self.context.cancel_reason().map(reason_name)
    }

    /// Resolves with the reason when the cancellation signal fires; `cancel` ends the wait.
    #[napi(catch_unwind)]
    pub fn cancelled<'env>(
        &self,
        env: &'env Env,
        cancel: &CancelToken,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let context = self.context.clone();
        promise(env, Some(cancel), async move {
            Ok(reason_name(context.cancelled().await))
        })
    }

    /// The writer of a declared channel (opened on first send, ended by the runtime).
    #[napi(catch_unwind)]
    pub fn channel(
        &self,
        name: String,
        first_sequence: i64,
        step: i64,
    ) -> napi::Result<NativeTaskChannel> {
        let options = WriterOptions {
            first_sequence,
            step,
            ..WriterOptions::default()
        };
        let channel = self.context.channel_with(&name, options).napi()?;
        Ok(NativeTaskChannel { channel })
    }

    /// Adds a line to the process log.
    #[napi(catch_unwind)]
    pub fn log<'env>(&self, env: &'env Env, message: String) -> napi::Result<PromiseRaw<'env, ()>> {
        let context = self.context.clone();
        promise(env, None, async move { context.log(&message).await.napi() })
    }

    /// Closes the process with `output` (JSON text of a list) after ending and draining its
    /// writers.
    #[napi(catch_unwind)]
    pub fn complete<'env>(
        &self,
        env: &'env Env,
        output: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let output: Vec<Value> = from_json(&output, "output")?;
        let task = self.take()?;
        promise(env, None, async move { task.complete(output).await.napi() })
    }

    /// Fails the process with `message` and its type; `detail` goes to the process log.
    #[napi(catch_unwind)]
    pub fn fail<'env>(
        &self,
        env: &'env Env,
        message: String,
        kind: String,
        detail: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let task = self.take()?;
        promise(env, None, async move {
            task.fail(&message, &kind, &detail).await.napi()
        })
    }

    /// Fails the process with exactly `errors`; `detail` goes to the process log.
    #[napi(catch_unwind)]
    pub fn fail_errors<'env>(
        &self,
        env: &'env Env,
        errors: Vec<String>,
        detail: String,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let task = self.take()?;
        promise(env, None, async move {
            task.fail_errors(errors, &detail).await.napi()
        })
    }
}

/// A channel writer of one task.
#[napi]
pub struct NativeTaskChannel {
    channel: Channel,
}

#[napi]
impl NativeTaskChannel {
    /// Queues a data entry (answering `inreplyto` when given); resolves to its sequence.
    #[napi(catch_unwind)]
    pub fn send<'env>(
        &self,
        env: &'env Env,
        payload: Buffer,
        inreplyto: Option<i64>,
    ) -> napi::Result<PromiseRaw<'env, i64>> {
        let channel = self.channel.clone();
        let payload = payload.to_vec();
        promise(env, None, async move {
            channel.write(inreplyto, payload).await.napi()
        })
    }
}
