//! [`Executor`]: the Rust face of the runtime, async handlers by function name.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use serde_json::Value;
use tokio::task::JoinSet;

use super::runtime::{FunctionDecl, Runtime, RuntimeOptions};
use super::task::{Context, Task};
use crate::client::Client;
use crate::error::Result;

/// What a handler usually returns: a value (the process's output is `[value]`, `[]` for
/// `null`) or an error. A handler may return any [`IntoOutput`], e.g. [`Output`].
pub type HandlerResult = std::result::Result<Value, HandlerError>;

type Outputs = std::result::Result<Vec<Value>, HandlerError>;
type BoxedHandler =
    Arc<dyn Fn(Context) -> Pin<Box<dyn Future<Output = Outputs> + Send>> + Send + Sync>;

/// A process's whole output list, for a handler that closes with several values (or none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output(pub Vec<Value>);

/// What a handler's value becomes: the process's output list.
pub trait IntoOutput {
    fn into_output(self) -> Vec<Value>;
}

impl IntoOutput for Value {
    /// `[value]`, or `[]` for `null`.
    fn into_output(self) -> Vec<Value> {
        output_of(self)
    }
}

impl IntoOutput for Output {
    fn into_output(self) -> Vec<Value> {
        self.0
    }
}

impl IntoOutput for () {
    fn into_output(self) -> Vec<Value> {
        Vec::new()
    }
}

/// Why a handler failed: the message and type name go to the process's errors
/// (`Type: message`), the detail (the error's sources) to its log.
///
/// Any error converts into it with `?`, its type name taken from the Rust type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerError {
    pub message: String,
    pub kind: String,
    pub detail: String,
    /// When not empty: the process's errors exactly (instead of `Type: message`).
    pub errors: Vec<String>,
}

impl HandlerError {
    /// An error with `message` and no type.
    pub fn new(message: impl Into<String>) -> HandlerError {
        HandlerError {
            message: message.into(),
            kind: String::new(),
            detail: String::new(),
            errors: Vec::new(),
        }
    }

    /// Fails the process with exactly these errors.
    pub fn errors<I, S>(errors: I) -> HandlerError
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let errors: Vec<String> = errors.into_iter().map(Into::into).collect();
        HandlerError {
            message: errors.first().cloned().unwrap_or_default(),
            errors,
            ..HandlerError::new("")
        }
    }
}

impl<E: std::error::Error> From<E> for HandlerError {
    fn from(error: E) -> HandlerError {
        let kind = std::any::type_name::<E>()
            .rsplit("::")
            .next()
            .unwrap_or_default()
            .to_string();
        let mut detail = String::new();
        let mut source = error.source();
        while let Some(cause) = source {
            detail.push_str("caused by: ");
            detail.push_str(&cause.to_string());
            detail.push('\n');
            source = cause.source();
        }
        HandlerError {
            message: error.to_string(),
            kind,
            detail,
            errors: Vec::new(),
        }
    }
}

/// An executor built from async handlers; see [`Executor::builder`].
pub struct Executor;

impl Executor {
    /// An executor working in `colony`, signing with `client`'s key (an executor key, or the
    /// colony key together with [`ExecutorBuilder::executor_type`] to register a new executor).
    pub fn builder(client: Client, colony: impl Into<String>) -> ExecutorBuilder {
        ExecutorBuilder {
            client,
            options: RuntimeOptions::new(colony),
            functions: Vec::new(),
            grace: Duration::from_secs(10),
        }
    }
}

/// Options and handlers of an [`Executor`].
pub struct ExecutorBuilder {
    client: Client,
    options: RuntimeOptions,
    functions: Vec<(FunctionDecl, BoxedHandler)>,
    grace: Duration,
}

impl ExecutorBuilder {
    /// Runs `handler` for processes of `funcname` `name`.
    pub fn function<F, Fut, O>(self, name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<O, HandlerError>> + Send + 'static,
        O: IntoOutput + 'static,
    {
        self.function_with(FunctionDecl::new(name), handler)
    }

    /// Runs `handler` for the function `decl` (e.g. with the sync-ack handshake).
    pub fn function_with<F, Fut, O>(mut self, decl: FunctionDecl, handler: F) -> Self
    where
        F: Fn(Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<O, HandlerError>> + Send + 'static,
        O: IntoOutput + 'static,
    {
        let handler: BoxedHandler = Arc::new(move |ctx| {
            let work = handler(ctx);
            Box::pin(async move { work.await.map(IntoOutput::into_output) })
        });
        self.functions.push((decl, handler));
        self
    }

    /// The executor type to register with a colony key.
    pub fn executor_type(mut self, executortype: impl Into<String>) -> Self {
        self.options.executortype = executortype.into();
        self
    }

    /// The executor name to register with a colony key.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.options.executorname = name.into();
        self
    }

    /// The location to register the executor at.
    pub fn location(mut self, location: impl Into<String>) -> Self {
        self.options.location = location.into();
        self
    }

    /// The most processes run at once (default 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.options.concurrency = concurrency;
        self
    }

    /// How long one assign long-poll waits (default 5 s).
    pub fn poll(mut self, poll: Duration) -> Self {
        self.options.poll = poll;
        self
    }

    /// How often running processes are checked for cancellation (default 1 s).
    pub fn check_interval(mut self, every: Duration) -> Self {
        self.options.check_interval = every;
        self
    }

    /// How long running handlers may take to finish at shutdown (default 10 s).
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Stops after this many processes (e.g. 1 for a one-shot executor).
    pub fn max_processes(mut self, count: u64) -> Self {
        self.options.max_processes = Some(count);
        self
    }

    /// Registers, then runs processes until `shutdown` resolves (or `max_processes` were run);
    /// then shuts down: no new work, running handlers get the grace period, what is left fails
    /// with "executor shutting down", a self-registered executor is removed.
    ///
    /// A handler that returns `Ok(value)` closes its process with output `[value]` (`[]` for
    /// `null`); `Err` fails it; a panic fails it too. When the process is cancelled or passes
    /// its deadline, the handler's future is dropped.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<()> {
        let decls = self.functions.iter().map(|(d, _)| d.clone()).collect();
        let handlers: HashMap<String, BoxedHandler> = self
            .functions
            .into_iter()
            .map(|(decl, handler)| (decl.name, handler))
            .collect();
        let runtime = Runtime::start(self.client, self.options, decls).await?;
        let mut running = JoinSet::new();
        tokio::pin!(shutdown);
        let ended = loop {
            tokio::select! {
                () = &mut shutdown => break Ok(false),
                next = runtime.next_task() => match next {
                    Ok(Some(task)) => {
                        // The runtime hands out registered functions only.
                        if let Some(handler) = handlers.get(&task.process().spec.funcname) {
                            running.spawn(run_task(Arc::clone(handler), task));
                        }
                    }
                    Ok(None) => break Ok(true),
                    Err(error) => break Err(error),
                },
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        };
        if let Ok(true) = ended {
            // Ran out of work to take (max_processes): let the handlers finish.
            while running.join_next().await.is_some() {}
        }
        let shutdown = runtime.shutdown(self.grace).await;
        running.shutdown().await;
        ended.and(shutdown)
    }
}

/// Output `[value]`, or `[]` for `null`.
fn output_of(value: Value) -> Vec<Value> {
    match value {
        Value::Null => Vec::new(),
        value => vec![value],
    }
}

async fn run_task(handler: BoxedHandler, task: Task) {
    let ctx = task.context();
    let work = AssertUnwindSafe(handler(ctx.clone())).catch_unwind();
    let result = tokio::select! {
        result = work => result,
        reason = ctx.cancelled() => Ok(Err(HandlerError {
            kind: "Cancelled".to_string(),
            ..HandlerError::new(reason.describe())
        })),
    };
    let _ = match result {
        Ok(Ok(output)) => task.complete(output).await,
        Ok(Err(error)) if !error.errors.is_empty() => {
            task.fail_errors(error.errors, &error.detail).await
        }
        Ok(Err(error)) => task.fail(&error.message, &error.kind, &error.detail).await,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the handler panicked".to_string());
            task.fail(&message, "panic", "").await
        }
    };
}
