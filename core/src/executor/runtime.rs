//! The executor runtime: registration, the assign loop, and shutdown. It hands out [`Task`]s
//! (pull-based, so that each language's face only dispatches).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::task::{CancelReason, Task, TaskInner};
use crate::client::Client;
use crate::crypto::PrivateKey;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Executor, Process};
use crate::resources::Function;
use crate::retry::Backoff;

/// A function the executor runs, and how its processes end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionDecl {
    /// The `funcname` it answers to.
    pub name: String,
    /// For the sync-ack handshake: the channel on which the other party acknowledges, and how
    /// long to wait for it, before a successful process is closed.
    pub sync: Option<(String, Duration)>,
}

impl FunctionDecl {
    pub fn new(name: impl Into<String>) -> FunctionDecl {
        FunctionDecl {
            name: name.into(),
            sync: None,
        }
    }

    /// Closes successful processes only after an acknowledgement on `channel` (waiting up to
    /// `timeout`; without one the process fails).
    pub fn sync_ack(mut self, channel: impl Into<String>, timeout: Duration) -> FunctionDecl {
        self.sync = Some((channel.into(), timeout));
        self
    }
}

/// How the runtime registers itself and takes work.
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// The colony to work in.
    pub colonyname: String,
    /// The executor type to register (only used with a colony key).
    pub executortype: String,
    /// The executor name to register (only with a colony key; empty: the type and a random
    /// suffix).
    pub executorname: String,
    /// The location to register the executor at (only with a colony key; may be empty).
    pub location: String,
    /// The most processes run at once (at least 1).
    pub concurrency: usize,
    /// How long one `assign` long-poll waits for work.
    pub poll: Duration,
    /// How often a running process is checked with the server for cancellation.
    pub check_interval: Duration,
    /// Stop taking work after this many processes (None: never).
    pub max_processes: Option<u64>,
}

impl RuntimeOptions {
    pub fn new(colonyname: impl Into<String>) -> RuntimeOptions {
        RuntimeOptions {
            colonyname: colonyname.into(),
            executortype: String::new(),
            executorname: String::new(),
            location: String::new(),
            concurrency: 1,
            poll: Duration::from_secs(5),
            check_interval: Duration::from_secs(1),
            max_processes: None,
        }
    }
}

/// A running executor: takes processes of its type and hands them out as [`Task`]s, at most
/// `concurrency` unfinished at once. Unknown functions are failed here and never handed out.
pub struct Runtime {
    shared: Arc<Shared>,
    tasks: tokio::sync::Mutex<mpsc::Receiver<Result<Task>>>,
    poller: Mutex<Option<JoinHandle<()>>>,
}

pub(crate) struct Shared {
    client: Client,
    /// The colony-key client, when the runtime registered its own executor.
    owner: Option<Client>,
    executor: Executor,
    functions: HashMap<String, FunctionDecl>,
    options: RuntimeOptions,
    stop: CancellationToken,
    slots: Arc<Semaphore>,
    running: Mutex<HashMap<String, Weak<TaskInner>>>,
    handed_out: AtomicU64,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("executor", &self.shared.executor.executorname)
            .field("functions", &self.function_names())
            .finish()
    }
}

/// Errors that a retry may cure: the server is away or overloaded.
pub(crate) fn transient(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Connection | ErrorKind::Timeout | ErrorKind::Server | ErrorKind::RateLimited
    )
}

impl Runtime {
    /// Registers and starts taking work.
    ///
    /// If `client`'s key belongs to an executor of the colony, the runtime runs as that
    /// executor. Otherwise it takes the key for the colony key and registers (adds and
    /// approves) an executor of its own, with `options.executortype`, a new key, and removes it
    /// again at [`Runtime::shutdown`]. Either way each function is registered (`addfunctionmsg`)
    /// unless the executor has it already.
    pub async fn start(
        client: Client,
        options: RuntimeOptions,
        functions: Vec<FunctionDecl>,
    ) -> Result<Runtime> {
        if options.concurrency == 0 {
            return Err(Error::invalid_argument("concurrency must be at least 1"));
        }
        if options.poll.is_zero() || options.check_interval.is_zero() {
            return Err(Error::invalid_argument(
                "the poll and check intervals must be greater than zero",
            ));
        }
        if functions.is_empty() {
            return Err(Error::invalid_argument(
                "an executor needs at least one function",
            ));
        }
        let mut by_name = HashMap::new();
        for decl in functions {
            if decl.name.is_empty() {
                return Err(Error::invalid_argument("a function name must not be empty"));
            }
            if let Some(old) = by_name.insert(decl.name.clone(), decl) {
                return Err(Error::invalid_argument(format!(
                    "function {:?} is declared twice",
                    old.name
                )));
            }
        }
        let (client, owner, executor) = register(client, &options).await?;
        let mut names: Vec<&String> = by_name.keys().collect();
        names.sort();
        add_functions(&client, &executor, &names).await?;

        let concurrency = options.concurrency;
        let shared = Arc::new(Shared {
            client,
            owner,
            executor,
            functions: by_name,
            options,
            stop: CancellationToken::new(),
            slots: Arc::new(Semaphore::new(concurrency)),
            running: Mutex::new(HashMap::new()),
            handed_out: AtomicU64::new(0),
        });
        let (feed, tasks) = mpsc::channel(concurrency);
        let poller = tokio::spawn(poll(Arc::clone(&shared), feed));
        Ok(Runtime {
            shared,
            tasks: tokio::sync::Mutex::new(tasks),
            poller: Mutex::new(Some(poller)),
        })
    }

    /// The executor the runtime runs as.
    pub fn executor(&self) -> &Executor {
        &self.shared.executor
    }

    /// The client signing as that executor.
    pub fn client(&self) -> &Client {
        &self.shared.client
    }

    /// The registered function names, sorted.
    pub fn function_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.shared.functions.keys().cloned().collect();
        names.sort();
        names
    }

    /// The next process to run. Waits until fewer than `concurrency` tasks are unfinished and
    /// a process arrives. `Ok(None)` once the runtime stops taking work (stopped, or
    /// `max_processes` reached); an error the loop cannot ride out (e.g. the executor was
    /// removed) is returned once, then `Ok(None)`.
    pub async fn next_task(&self) -> Result<Option<Task>> {
        let mut tasks = self.tasks.lock().await;
        tokio::select! {
            task = tasks.recv() => task.transpose(),
            () = self.shared.stop.cancelled() => Ok(None),
        }
    }

    /// Stops taking work (running tasks go on). [`Runtime::next_task`] returns `Ok(None)`.
    pub fn stop(&self) {
        self.shared.stop.cancel();
    }

    /// Stops taking work, waits up to `grace` for unfinished tasks, then fails what is left
    /// with "executor shutting down" (their cancellation signals fire), and removes the
    /// executor if the runtime registered it.
    ///
    /// An `assign` long-poll in flight is waited for (at most `poll`), so that a process the
    /// server hands out meanwhile is not lost: it is failed as shutting down.
    pub async fn shutdown(&self, grace: Duration) -> Result<()> {
        self.stop();
        let poller = self
            .poller
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(poller) = poller {
            let _ = poller.await;
        }
        {
            // Tasks assigned but never taken: dropping them fails them as shutting down.
            let mut tasks = self.tasks.lock().await;
            tasks.close();
            while tasks.try_recv().is_ok() {}
        }
        let all = u32::try_from(self.shared.options.concurrency).unwrap_or(u32::MAX);
        let settled = crate::timer::timeout(grace, self.shared.slots.acquire_many(all)).await;
        if settled.is_err() {
            let left: Vec<Arc<TaskInner>> = self
                .shared
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .values()
                .filter_map(Weak::upgrade)
                .collect();
            futures::future::join_all(left.iter().map(|task| task.abort(CancelReason::Shutdown)))
                .await;
        }
        self.unregister().await
    }

    async fn unregister(&self) -> Result<()> {
        match &self.shared.owner {
            Some(owner) => {
                owner
                    .remove_executor(
                        &self.shared.executor.colonyname,
                        &self.shared.executor.executorname,
                    )
                    .await
            }
            None => Ok(()),
        }
    }
}

impl Shared {
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn executor(&self) -> &Executor {
        &self.executor
    }

    pub(crate) fn check_interval(&self) -> Duration {
        self.options.check_interval
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stop.is_cancelled()
    }

    pub(crate) fn forget(&self, processid: &str) {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(processid);
    }
}

/// Finds or registers the executor; returns its client, the owner's client if registered, and
/// the executor.
async fn register(
    client: Client,
    options: &RuntimeOptions,
) -> Result<(Client, Option<Client>, Executor)> {
    let colony = &options.colonyname;
    let id = client.signing_key()?.id().to_string();
    let lookup = client.get_executor_by_id(colony, &id).await;
    match lookup {
        Ok(executor) if executor.colonyname == *colony => return Ok((client, None, executor)),
        Ok(executor) => {
            return Err(Error::invalid_argument(format!(
                "the key belongs to executor {:?} of colony {:?}, not of {colony:?}",
                executor.executorname, executor.colonyname
            )))
        }
        Err(error) if transient(&error) && error.kind() != ErrorKind::Server => return Err(error),
        Err(_) => {}
    }
    if options.executortype.is_empty() {
        return Err(Error::invalid_argument(format!(
            "the key is not an executor of colony {colony:?}; to register an executor with the \
             colony key, give an executor type"
        )));
    }
    let key = PrivateKey::generate();
    let name = match options.executorname.is_empty() {
        true => format!("{}-{}", options.executortype, &key.id()[..12]),
        false => options.executorname.clone(),
    };
    let mut executor = Executor::new(key.id(), &options.executortype, &name, colony);
    executor.locationname = options.location.clone();
    let added = client.add_executor(&executor).await?;
    client.approve_executor(colony, &name).await?;
    let mut executor = added;
    executor.state = crate::model::ExecutorState::Approved;
    Ok((client.with_key(key), Some(client), executor))
}

async fn add_functions(client: &Client, executor: &Executor, names: &[&String]) -> Result<()> {
    let existing = client
        .get_functions(&executor.colonyname, &executor.executorname)
        .await?;
    for name in names {
        if existing.iter().any(|f| &&f.funcname == name) {
            continue;
        }
        let function = Function {
            executorname: executor.executorname.clone(),
            executortype: executor.executortype.clone(),
            colonyname: executor.colonyname.clone(),
            funcname: (*name).clone(),
            ..Function::default()
        };
        client.add_function(&function).await?;
    }
    Ok(())
}

/// The assign loop: one long-poll at a time, only while a slot is free.
async fn poll(shared: Arc<Shared>, feed: mpsc::Sender<Result<Task>>) {
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(10));
    loop {
        if let Some(max) = shared.options.max_processes {
            if shared.handed_out.load(Ordering::SeqCst) >= max {
                return;
            }
        }
        let slot = tokio::select! {
            slot = Arc::clone(&shared.slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => return,
            },
            () = shared.stop.cancelled() => return,
        };
        if shared.stop.is_cancelled() {
            return;
        }
        // Not cancelled by a stop: a process the server assigns meanwhile must not be lost.
        let assigned = shared
            .client
            .assign(&shared.options.colonyname, shared.options.poll)
            .await;
        match assigned {
            Ok(Some(process)) => {
                backoff.reset();
                hand_out(&shared, &feed, process, slot).await;
            }
            Ok(None) => backoff.reset(),
            Err(error) if transient(&error) => {
                drop(slot);
                tokio::select! {
                    () = crate::timer::sleep(backoff.next()) => {}
                    () = shared.stop.cancelled() => return,
                }
            }
            Err(error) => {
                let _ = feed.send(Err(error)).await;
                return;
            }
        }
    }
}

async fn hand_out(
    shared: &Arc<Shared>,
    feed: &mpsc::Sender<Result<Task>>,
    process: Process,
    slot: tokio::sync::OwnedSemaphorePermit,
) {
    let funcname = process.spec.funcname.clone();
    let Some(decl) = shared.functions.get(&funcname) else {
        let mut names: Vec<&String> = shared.functions.keys().collect();
        names.sort();
        let text = format!(
            "unknown function {funcname:?}: executor {:?} runs {names:?}",
            shared.executor.executorname
        );
        let _ = shared.client.fail(&process.processid, vec![text]).await;
        return;
    };
    shared.handed_out.fetch_add(1, Ordering::SeqCst);
    let processid = process.processid.clone();
    let task = Task::new(Arc::clone(shared), process, decl.sync.clone(), slot);
    shared
        .running
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(processid, task.weak());
    // If the runtime is stopping or nobody takes it, the dropped task fails itself.
    if !shared.stop.is_cancelled() {
        let _ = feed.send(Ok(task)).await;
    }
}
