//! One assigned process as the runtime hands it out: a [`Task`] (finished exactly once) and its
//! [`Context`] (what the handler uses while it runs).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::runtime::Shared;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::model::Process;
use crate::retry::Backoff;
use crate::writer::{ChannelWriter, WriterOptions};

/// The error of a process that the executor stopped because it is shutting down.
pub const SHUTTING_DOWN: &str = "executor shutting down";
/// How long finishing a process keeps retrying while the server cannot be reached.
const FINISH_RETRY_FOR: Duration = Duration::from_secs(60);

/// Why a process's cancellation signal fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// The process was cancelled or closed by someone else (or given to another executor).
    Cancelled,
    /// The process ran past its `maxexectime`.
    Deadline,
    /// The executor is shutting down and the grace period is over.
    Shutdown,
}

impl CancelReason {
    /// A short description, e.g. for the error a cancelled handler ends with.
    pub fn describe(self) -> &'static str {
        match self {
            CancelReason::Cancelled => "the process was cancelled",
            CancelReason::Deadline => "the process ran past its deadline (maxexectime)",
            CancelReason::Shutdown => SHUTTING_DOWN,
        }
    }
}

/// How a process ends.
enum Outcome {
    Success(Vec<Value>),
    Failure {
        errors: Vec<String>,
        detail: String,
    },
    /// Someone else closed it: only the writers are wound up.
    ClosedElsewhere,
}

/// A process the runtime handed out. Finish it with [`Task::complete`] or [`Task::fail`];
/// dropping an unfinished task fails the process. While it exists it holds one of the
/// executor's `concurrency` slots.
pub struct Task {
    context: Context,
    _slot: OwnedSemaphorePermit,
}

/// What a handler gets: the process, its arguments, its channels, its log, its deadline and its
/// cancellation signal. Cheap to clone.
#[derive(Clone)]
pub struct Context {
    inner: Arc<TaskInner>,
}

pub(crate) struct TaskInner {
    runtime: Arc<Shared>,
    process: Process,
    sync: Option<(String, Duration)>,
    deadline: Option<Instant>,
    cancel: CancellationToken,
    /// Fires when the task is finished (stops the watcher).
    done: CancellationToken,
    reason: Mutex<Option<CancelReason>>,
    finished: AtomicBool,
    channels: Mutex<HashMap<String, Channel>>,
    runtime_handle: tokio::runtime::Handle,
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("processid", &self.context.inner.process.processid)
            .field("funcname", &self.context.inner.process.spec.funcname)
            .finish()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("processid", &self.inner.process.processid)
            .finish_non_exhaustive()
    }
}

impl Task {
    pub(crate) fn new(
        runtime: Arc<Shared>,
        process: Process,
        sync: Option<(String, Duration)>,
        slot: OwnedSemaphorePermit,
    ) -> Task {
        let deadline = u64::try_from(process.spec.maxexectime)
            .ok()
            .filter(|&seconds| seconds > 0)
            .map(|seconds| Instant::now() + Duration::from_secs(seconds));
        let inner = Arc::new(TaskInner {
            runtime,
            process,
            sync,
            deadline,
            cancel: CancellationToken::new(),
            done: CancellationToken::new(),
            reason: Mutex::new(None),
            finished: AtomicBool::new(false),
            channels: Mutex::new(HashMap::new()),
            runtime_handle: tokio::runtime::Handle::current(),
        });
        inner.runtime_handle.spawn(watch(Arc::clone(&inner)));
        Task {
            context: Context { inner },
            _slot: slot,
        }
    }

    /// The process.
    pub fn process(&self) -> &Process {
        &self.context.inner.process
    }

    pub(crate) fn weak(&self) -> std::sync::Weak<TaskInner> {
        Arc::downgrade(&self.context.inner)
    }

    /// The handler's context.
    pub fn context(&self) -> Context {
        self.context.clone()
    }

    /// Closes the process as successful with `output`, after ending every open channel writer
    /// (`end`) and waiting until all their entries are written, and, for a function with a sync
    /// channel, after the other party's acknowledgement. If the process was already finished
    /// (cancelled, past its deadline, shut down) this does nothing.
    pub async fn complete(self, output: Vec<Value>) -> Result<()> {
        self.context.inner.finish(Outcome::Success(output)).await
    }

    /// Fails the process with `message` (prefixed with `kind`, e.g. `ValueError: bad input`),
    /// after ending every open channel writer with an `error` entry. `detail` (a traceback)
    /// goes to the process log, not to its errors. Does nothing if already finished.
    pub async fn fail(self, message: &str, kind: &str, detail: &str) -> Result<()> {
        let text = if kind.is_empty() {
            message.to_string()
        } else {
            format!("{kind}: {message}")
        };
        self.fail_errors(vec![text], detail).await
    }

    /// Fails the process with exactly `errors` (as its error list); like [`Task::fail`]
    /// otherwise (the writers' `error` entries carry the errors, one per line).
    pub async fn fail_errors(self, errors: Vec<String>, detail: &str) -> Result<()> {
        let detail = detail.to_string();
        self.context
            .inner
            .finish(Outcome::Failure { errors, detail })
            .await
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        let inner = &self.context.inner;
        if inner.finished.load(Ordering::SeqCst) {
            return;
        }
        let text = if inner.runtime.stopping() {
            SHUTTING_DOWN.to_string()
        } else {
            "the executor's handler ended without a result".to_string()
        };
        let outcome = Outcome::Failure {
            errors: vec![text],
            detail: String::new(),
        };
        let inner = Arc::clone(inner);
        inner
            .runtime_handle
            .clone()
            .spawn(async move { inner.finish(outcome).await });
    }
}

impl Context {
    /// The process.
    pub fn process(&self) -> &Process {
        &self.inner.process
    }

    /// The process's ID.
    pub fn processid(&self) -> &str {
        &self.inner.process.processid
    }

    /// The process's positional arguments.
    pub fn args(&self) -> &[Value] {
        &self.inner.process.spec.args
    }

    /// The process's keyword arguments.
    pub fn kwargs(&self) -> &Map<String, Value> {
        &self.inner.process.spec.kwargs
    }

    /// The client signing as this executor.
    pub fn client(&self) -> &Client {
        self.inner.runtime.client()
    }

    /// When the process must be done (from `maxexectime`), if it has a limit.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.deadline
    }

    /// The time left until the deadline (zero once past it), if the process has one.
    pub fn remaining(&self) -> Option<Duration> {
        self.inner
            .deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// Resolves when the process is cancelled, passes its deadline, or the executor shuts
    /// down past its grace period; gives the reason.
    pub async fn cancelled(&self) -> CancelReason {
        self.inner.cancel.cancelled().await;
        self.cancel_reason().unwrap_or(CancelReason::Cancelled)
    }

    /// Whether the cancellation signal has fired.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Why the cancellation signal fired, if it has.
    pub fn cancel_reason(&self) -> Option<CancelReason> {
        *self
            .inner
            .reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `message` to the process log (`addlogmsg`).
    pub async fn log(&self, message: &str) -> Result<()> {
        self.client()
            .add_log(&self.inner.process.processid, message)
            .await
    }

    /// The writer of channel `name`, numbering entries 1, 2, 3, ... It opens on the first send;
    /// the runtime ends it when the process finishes. Fails if the process does not declare
    /// the channel.
    pub fn channel(&self, name: &str) -> Result<Channel> {
        self.channel_with(name, WriterOptions::default())
    }

    /// The writer of channel `name` with `options` (e.g. first sequence 2, step 2 for a chat
    /// whose other party uses the odd sequences). The options of the first call win; asking
    /// again with other options is an error.
    pub fn channel_with(&self, name: &str, options: WriterOptions) -> Result<Channel> {
        let declared = &self.inner.process.spec.channels;
        if !declared.iter().any(|channel| channel == name) {
            return Err(Error::invalid_argument(format!(
                "process {} has no channel {name:?} (its channels: {declared:?})",
                self.inner.process.processid
            )));
        }
        if self.inner.finished.load(Ordering::SeqCst) {
            return Err(finished_error(&self.inner.process.processid));
        }
        let mut channels = self
            .inner
            .channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let channel = channels.entry(name.to_string()).or_insert_with(|| Channel {
            slot: Arc::new(ChannelSlot {
                client: self.client().clone(),
                processid: self.inner.process.processid.clone(),
                name: name.to_string(),
                options: options.clone(),
                writer: tokio::sync::Mutex::new(WriterState::Unopened),
            }),
        });
        if channel.slot.options != options {
            return Err(Error::invalid_argument(format!(
                "channel {name:?} is already open with other writer options"
            )));
        }
        Ok(channel.clone())
    }
}

fn finished_error(processid: &str) -> Error {
    Error::new(
        ErrorKind::ProcessClosed,
        format!("process {processid} is finished: its channels are closed"),
    )
}

/// A channel writer of one process, opened on first use. Cheap to clone.
#[derive(Clone)]
pub struct Channel {
    slot: Arc<ChannelSlot>,
}

struct ChannelSlot {
    client: Client,
    processid: String,
    name: String,
    options: WriterOptions,
    writer: tokio::sync::Mutex<WriterState>,
}

enum WriterState {
    Unopened,
    Open(ChannelWriter),
    Closed,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("processid", &self.slot.processid)
            .field("name", &self.slot.name)
            .finish()
    }
}

impl Channel {
    /// The channel's name.
    pub fn name(&self) -> &str {
        &self.slot.name
    }

    /// Queues a `data` entry; returns its sequence.
    pub async fn send(&self, payload: impl Into<Vec<u8>>) -> Result<i64> {
        self.write(None, payload.into()).await
    }

    /// Queues a `data` entry answering the other party's entry `inreplyto`.
    pub async fn reply(&self, inreplyto: i64, payload: impl Into<Vec<u8>>) -> Result<i64> {
        self.write(Some(inreplyto), payload.into()).await
    }

    /// Queues a `data` entry, answering `inreplyto` when given; returns its sequence.
    pub async fn write(&self, inreplyto: Option<i64>, payload: Vec<u8>) -> Result<i64> {
        let slot = &self.slot;
        let mut state = slot.writer.lock().await;
        if matches!(*state, WriterState::Unopened) {
            let writer = slot
                .client
                .channel_writer_with(&slot.processid, &slot.name, slot.options.clone())
                .await?;
            *state = WriterState::Open(writer);
        }
        match &mut *state {
            WriterState::Open(writer) => match inreplyto {
                Some(inreplyto) => writer.reply(inreplyto, payload).await,
                None => writer.send(payload).await,
            },
            _ => Err(finished_error(&slot.processid)),
        }
    }

    /// Ends the writer the way the process ends; `Ok` if it was never opened.
    async fn wind_up(&self, outcome: &Outcome) -> Result<()> {
        let mut state = self.slot.writer.lock().await;
        let WriterState::Open(writer) = std::mem::replace(&mut *state, WriterState::Closed) else {
            return Ok(());
        };
        match outcome {
            Outcome::Success(_) => writer.end().await.map(drop),
            Outcome::Failure { errors, .. } => writer.error(errors.join("\n")).await.map(drop),
            Outcome::ClosedElsewhere => writer.finish().await.map(drop),
        }
    }
}

impl TaskInner {
    fn fire(&self, reason: CancelReason) {
        let mut slot = self.reason.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(reason);
        }
        drop(slot);
        self.cancel.cancel();
    }

    /// Stops the process for `reason`: the handler's signal fires and the process is failed
    /// (or, if someone else closed it, just wound up).
    pub(crate) async fn abort(&self, reason: CancelReason) {
        self.fire(reason);
        let outcome = match reason {
            CancelReason::Cancelled => Outcome::ClosedElsewhere,
            CancelReason::Deadline => Outcome::Failure {
                errors: vec![format!(
                    "deadline exceeded: the process ran longer than its maxexectime ({} s)",
                    self.process.spec.maxexectime
                )],
                detail: String::new(),
            },
            CancelReason::Shutdown => Outcome::Failure {
                errors: vec![SHUTTING_DOWN.to_string()],
                detail: String::new(),
            },
        };
        let _ = self.finish(outcome).await;
    }

    async fn finish(&self, outcome: Outcome) -> Result<()> {
        if self.finished.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        self.done.cancel();
        let channels: Vec<Channel> = self
            .channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|(_, channel)| channel)
            .collect();
        let mut wound_up = Ok(());
        for channel in &channels {
            let result = channel.wind_up(&outcome).await.map_err(|error| {
                Error::new(
                    error.kind(),
                    format!(
                        "could not finish channel {:?}: {}",
                        channel.name(),
                        error.message()
                    ),
                )
            });
            if wound_up.is_ok() {
                wound_up = result;
            }
        }
        let client = self.runtime.client();
        let pid = self.process.processid.as_str();
        let result = match outcome {
            Outcome::ClosedElsewhere => Ok(()),
            Outcome::Success(output) => {
                let acked = match (&wound_up, &self.sync) {
                    (Ok(()), Some((channel, timeout))) => {
                        client.wait_for_ack(pid, channel, *timeout).await
                    }
                    _ => Ok(()),
                };
                match wound_up.and(acked) {
                    Ok(()) => persist(|| client.close(pid, output.clone())).await,
                    Err(error) => {
                        let _ =
                            persist(|| client.fail(pid, vec![error.message().to_string()])).await;
                        Err(error)
                    }
                }
            }
            Outcome::Failure { errors, detail } => {
                if !detail.is_empty() {
                    let _ = client.add_log(pid, &detail).await;
                }
                persist(|| client.fail(pid, errors.clone())).await
            }
        };
        self.runtime.forget(pid);
        result
    }
}

/// Runs `call` until it succeeds, retrying (with backoff, for a while) while the server cannot
/// be reached, so that a process finished during a server restart is still closed.
async fn persist<F, Fut>(mut call: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let give_up = Instant::now() + FINISH_RETRY_FOR;
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    loop {
        match call().await {
            Err(error) if super::runtime::transient(&error) && Instant::now() < give_up => {
                crate::timer::sleep(backoff.next()).await;
            }
            other => return other,
        }
    }
}

/// Fires the task's signal when its deadline passes or the server says it is no longer ours.
async fn watch(inner: Arc<TaskInner>) {
    let check = inner.runtime.check_interval();
    let me = inner.runtime.executor().executorid.clone();
    let far = Instant::now() + Duration::from_secs(365 * 24 * 3600);
    let deadline = inner.deadline.unwrap_or(far);
    loop {
        tokio::select! {
            () = inner.done.cancelled() => return,
            () = crate::timer::sleep_until(deadline) => {
                inner.abort(CancelReason::Deadline).await;
                return;
            }
            () = crate::timer::sleep(check) => {}
        }
        let Ok(process) = inner
            .runtime
            .client()
            .get_process(&inner.process.processid)
            .await
        else {
            continue;
        };
        if process.state.is_closed() || process.assignedexecutorid != me {
            // The server enforces maxexectime too and may get there first.
            let reason = match Instant::now() + check >= deadline {
                true => CancelReason::Deadline,
                false => CancelReason::Cancelled,
            };
            inner.fire(reason);
            inner.abort(CancelReason::Cancelled).await;
            return;
        }
    }
}
