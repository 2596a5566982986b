//! The executor runtime against a real server: dispatch, results, channels, unknown functions,
//! concurrency, cancellation, deadlines, registration and shutdown.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use colonykit::executor::{
    CancelReason, Context, Executor, FunctionDecl, HandlerError, HandlerResult, Output, Runtime,
    RuntimeOptions,
};
use colonykit::{ExecutorState, ProcessState};
use common::TestColony;
use futures::StreamExt;
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const WAIT: Duration = Duration::from_secs(30);

/// An error with a cause, to see how failures are reported.
#[derive(Debug)]
struct Broken(std::io::Error);

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not do it")
    }
}

impl std::error::Error for Broken {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

async fn echo(ctx: Context) -> HandlerResult {
    Ok(json!({"args": ctx.args(), "kwargs": ctx.kwargs()}))
}

async fn broken(_ctx: Context) -> HandlerResult {
    Err(Broken(std::io::Error::other("disk on fire")).into())
}

async fn progress(ctx: Context) -> HandlerResult {
    let channel = ctx.channel("progress")?;
    for step in 1..=20 {
        channel.send(format!("step {step}")).await?;
    }
    Ok(json!("done"))
}

/// Runs `builder` in the background until the returned sender fires.
fn spawn_executor(
    builder: colonykit::executor::ExecutorBuilder,
) -> (oneshot::Sender<()>, JoinHandle<colonykit::Result<()>>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let run = tokio::spawn(builder.run(async move {
        let _ = stopped.await;
    }));
    (stop, run)
}

async fn final_state(colony: &TestColony, pid: &str) -> colonykit::Process {
    common::final_state(&colony.user, pid, WAIT).await
}

/// A runtime for `colony`'s executor running `functions`, polling every second.
async fn start_runtime(colony: &TestColony, functions: &[&str]) -> Runtime {
    let mut options = RuntimeOptions::new(&colony.name);
    options.poll = Duration::from_secs(1);
    let decls = functions.iter().map(|f| FunctionDecl::new(*f)).collect();
    Runtime::start(colony.executor.clone(), options, decls)
        .await
        .unwrap()
}

#[tokio::test]
async fn dispatches_by_funcname_and_reports_results() {
    let colony = TestColony::new().await;
    // Submitted before the executor polls (docs/server-findings.md: channels race an assign
    // that is already waiting).
    let mut spec = colony.spec("echo", &[]);
    spec.args = vec![json!(1), json!("two")];
    spec.kwargs.insert("three".into(), json!(3));
    let echoed = colony.user.submit(&spec).await.unwrap();
    let failed = colony
        .user
        .submit(&colony.spec("broken", &[]))
        .await
        .unwrap();
    let unknown = colony
        .user
        .submit(&colony.spec("nosuch", &[]))
        .await
        .unwrap();
    let streamed = colony
        .user
        .submit(&colony.spec("progress", &["progress"]))
        .await
        .unwrap();
    let mut entries = colony
        .user
        .subscribe_channel(&streamed.processid, "progress")
        .unwrap();
    let listed = colony.user.submit(&colony.spec("list", &[])).await.unwrap();
    let strict = colony
        .user
        .submit(&colony.spec("strict", &[]))
        .await
        .unwrap();

    let (stop, run) = spawn_executor(
        Executor::builder(colony.executor.clone(), &colony.name)
            .function("echo", echo)
            .function("broken", broken)
            .function("progress", progress)
            .function("list", |_ctx| async {
                Ok(Output(vec![json!("a"), json!(2)]))
            })
            .function("strict", |_ctx| async {
                Err::<(), _>(HandlerError::errors(["first", "second"]))
            })
            .poll(Duration::from_secs(1)),
    );

    let done = final_state(&colony, &listed.processid).await;
    assert_eq!(
        done.output,
        vec![json!("a"), json!(2)],
        "Output is the whole list"
    );
    let done = final_state(&colony, &strict.processid).await;
    assert_eq!(done.state, ProcessState::Failed);
    assert_eq!(done.errors, ["first", "second"], "errors exactly as given");

    let done = final_state(&colony, &echoed.processid).await;
    assert_eq!(done.state, ProcessState::Success);
    assert_eq!(
        done.output,
        vec![json!({"args": [1, "two"], "kwargs": {"three": 3}})]
    );

    let done = final_state(&colony, &failed.processid).await;
    assert_eq!(done.state, ProcessState::Failed);
    assert_eq!(done.errors, vec!["Broken: could not do it".to_string()]);
    let logs = colony
        .user
        .get_logs(&colony.name, &failed.processid, 10, 0)
        .await
        .unwrap();
    assert!(
        logs.iter().any(|l| l.message.contains("disk on fire")),
        "the cause goes to the log: {logs:?}"
    );

    let done = final_state(&colony, &unknown.processid).await;
    assert_eq!(done.state, ProcessState::Failed);
    assert!(
        done.errors[0].contains("unknown function \"nosuch\""),
        "{:?}",
        done.errors
    );

    let done = final_state(&colony, &streamed.processid).await;
    assert_eq!(done.state, ProcessState::Success);
    assert_eq!(done.output, vec![json!("done")]);
    let mut seen = Vec::new();
    while let Some(entry) = entries.next().await {
        let entry = entry.unwrap();
        if entry.kind.is_terminal() {
            assert_eq!(entry.kind.as_str(), "end");
            break;
        }
        seen.push(String::from_utf8(entry.payload).unwrap());
    }
    let expected: Vec<String> = (1..=20).map(|s| format!("step {s}")).collect();
    assert_eq!(seen, expected, "every entry was written before the close");

    let functions = colony
        .user
        .get_functions(&colony.name, &colony.executor_name)
        .await
        .unwrap();
    let mut names: Vec<&str> = functions.iter().map(|f| f.funcname.as_str()).collect();
    names.sort();
    assert_eq!(names, ["broken", "echo", "list", "progress", "strict"]);

    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
}

#[tokio::test]
async fn concurrency_bounds_the_processes_running_at_once() {
    const N: usize = 5;
    const K: usize = 2;
    let colony = TestColony::new().await;
    let mut pids = Vec::new();
    for _ in 0..N {
        pids.push(
            colony
                .user
                .submit(&colony.spec("slow", &[]))
                .await
                .unwrap()
                .processid,
        );
    }
    let spans: Arc<Mutex<Vec<(Instant, Instant)>>> = Arc::default();
    let recorded = Arc::clone(&spans);
    let (stop, run) = spawn_executor(
        Executor::builder(colony.executor.clone(), &colony.name)
            .function("slow", move |_ctx| {
                let recorded = Arc::clone(&recorded);
                async move {
                    let start = Instant::now();
                    tokio::time::sleep(Duration::from_millis(700)).await;
                    recorded.lock().unwrap().push((start, Instant::now()));
                    Ok(json!(null))
                }
            })
            .concurrency(K)
            .poll(Duration::from_secs(1)),
    );
    for pid in &pids {
        assert_eq!(final_state(&colony, pid).await.state, ProcessState::Success);
    }
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();

    let mut spans = spans.lock().unwrap().clone();
    assert_eq!(spans.len(), N);
    spans.sort();
    // The most handlers running at the same moment.
    let most = spans
        .iter()
        .map(|(start, _)| {
            spans
                .iter()
                .filter(|(s, e)| s <= start && start < e)
                .count()
        })
        .max()
        .unwrap();
    assert_eq!(most, K, "handlers running at once");
    // Rounds: the longest chain of handlers each starting after the previous one ended.
    let mut rounds = [1usize; N];
    for i in 0..N {
        for j in 0..i {
            if spans[j].1 <= spans[i].0 {
                rounds[i] = rounds[i].max(rounds[j] + 1);
            }
        }
    }
    assert_eq!(*rounds.iter().max().unwrap(), N.div_ceil(K), "{spans:?}");
}

#[tokio::test]
async fn the_submitter_cancels_and_the_handler_sees_it() {
    let colony = TestColony::new().await;
    let submitted = colony.user.submit(&colony.spec("wait", &[])).await.unwrap();
    let runtime = start_runtime(&colony, &["wait"]).await;
    let task = runtime.next_task().await.unwrap().unwrap();
    assert_eq!(task.process().processid, submitted.processid);
    let ctx = task.context();
    assert!(!ctx.is_cancelled());
    colony.user.cancel(&submitted.processid).await.unwrap();
    let reason = tokio::time::timeout(WAIT, ctx.cancelled()).await.unwrap();
    assert_eq!(reason, CancelReason::Cancelled);
    // Finishing a cancelled task changes nothing.
    task.complete(vec![json!("too late")]).await.unwrap();
    let done = final_state(&colony, &submitted.processid).await;
    assert_eq!(done.state, ProcessState::Cancelled);
    runtime.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test]
async fn a_process_past_its_deadline_is_failed_and_its_handler_cancelled() {
    let colony = TestColony::new().await;
    let mut spec = colony.spec("forever", &[]);
    spec.maxexectime = 2;
    let submitted = colony.user.submit(&spec).await.unwrap();
    let runtime = start_runtime(&colony, &["forever"]).await;
    let task = runtime.next_task().await.unwrap().unwrap();
    let ctx = task.context();
    let remaining = ctx.remaining().expect("maxexectime gives a deadline");
    assert!(remaining <= Duration::from_secs(2) && remaining > Duration::ZERO);
    let reason = tokio::time::timeout(WAIT, ctx.cancelled()).await.unwrap();
    assert_eq!(reason, CancelReason::Deadline);
    drop(task);
    let done = final_state(&colony, &submitted.processid).await;
    assert_eq!(done.state, ProcessState::Failed);
    runtime.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test]
async fn with_the_colony_key_it_registers_and_removes_its_own_executor() {
    let colony = TestColony::new().await;
    let executortype = common::unique("own-type");
    let mut spec = colony.spec("echo", &[]);
    spec.conditions.executortype = executortype.clone();
    spec.args = vec![json!("hi")];
    let submitted = colony.user.submit(&spec).await.unwrap();
    let name = common::unique("own");
    let (stop, run) = spawn_executor(
        Executor::builder(colony.owner.clone(), &colony.name)
            .executor_type(&executortype)
            .name(&name)
            .function("echo", echo)
            .poll(Duration::from_secs(1)),
    );
    let done = final_state(&colony, &submitted.processid).await;
    assert_eq!(done.state, ProcessState::Success);
    let executor = colony.user.get_executor(&colony.name, &name).await.unwrap();
    assert_eq!(executor.state, ExecutorState::Approved);
    assert_eq!(done.assignedexecutorid, executor.executorid);
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    // The server keeps removed executors as UNREGISTERED (docs/server-findings.md).
    let executor = colony.user.get_executor(&colony.name, &name).await.unwrap();
    assert_eq!(
        executor.state,
        ExecutorState::Unregistered,
        "the executor is removed at shutdown"
    );
}

#[tokio::test]
async fn shutdown_waits_for_handlers_then_fails_what_is_left() {
    let colony = TestColony::new().await;
    let quick = colony
        .user
        .submit(&colony.spec("quick", &[]))
        .await
        .unwrap();
    let stuck = colony
        .user
        .submit(&colony.spec("stuck", &[]))
        .await
        .unwrap();
    let (started_tx, started) = tokio::sync::mpsc::channel::<()>(2);
    let started_stuck = started_tx.clone();
    let (stop, run) = spawn_executor(
        Executor::builder(colony.executor.clone(), &colony.name)
            .function("quick", move |_ctx| {
                let started = started_tx.clone();
                async move {
                    let _ = started.send(()).await;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    Ok(json!("finished in the grace period"))
                }
            })
            .function("stuck", move |_ctx| {
                let started = started_stuck.clone();
                async move {
                    let _ = started.send(()).await;
                    tokio::time::sleep(Duration::from_secs(600)).await;
                    Err::<serde_json::Value, _>(HandlerError::new("never"))
                }
            })
            .concurrency(2)
            .grace(Duration::from_secs(2))
            .poll(Duration::from_secs(1)),
    );
    let mut started = started;
    for _ in 0..2 {
        tokio::time::timeout(WAIT, started.recv()).await.unwrap();
    }
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    let done = colony.user.get_process(&quick.processid).await.unwrap();
    assert_eq!(done.state, ProcessState::Success);
    let done = colony.user.get_process(&stuck.processid).await.unwrap();
    assert_eq!(done.state, ProcessState::Failed);
    assert_eq!(done.errors, vec!["executor shutting down".to_string()]);
}

#[tokio::test]
async fn bad_options_are_refused_before_anything_is_sent() {
    let colony = TestColony::new().await;
    let mut options = RuntimeOptions::new(&colony.name);
    options.concurrency = 0;
    let error = Runtime::start(
        colony.executor.clone(),
        options,
        vec![FunctionDecl::new("f")],
    )
    .await
    .unwrap_err();
    assert!(error.message().contains("concurrency"), "{error}");
    let options = RuntimeOptions::new(&colony.name);
    let error = Runtime::start(
        colony.executor.clone(),
        options.clone(),
        vec![FunctionDecl::new("f"), FunctionDecl::new("f")],
    )
    .await
    .unwrap_err();
    assert!(error.message().contains("twice"), "{error}");
    // A user key is neither an executor nor, without a type, a colony key to register with.
    let error = Runtime::start(colony.user.clone(), options, vec![FunctionDecl::new("f")])
        .await
        .unwrap_err();
    assert!(error.message().contains("executor type"), "{error}");
}

#[tokio::test]
async fn a_dropped_task_fails_its_process_and_frees_its_slot() {
    let colony = TestColony::new().await;
    let first = colony.user.submit(&colony.spec("f", &[])).await.unwrap();
    let second = colony.user.submit(&colony.spec("f", &[])).await.unwrap();
    let runtime = start_runtime(&colony, &["f"]).await;
    let task = runtime.next_task().await.unwrap().unwrap();
    assert_eq!(task.process().processid, first.processid);
    // Concurrency 1: the second process waits while the first task is held.
    let held = tokio::time::timeout(Duration::from_secs(2), runtime.next_task()).await;
    assert!(
        held.is_err(),
        "a second task was handed out while the first was unfinished"
    );
    drop(task);
    let done = final_state(&colony, &first.processid).await;
    assert_eq!(done.state, ProcessState::Failed);
    assert_eq!(
        done.errors,
        ["the executor's handler ended without a result"],
        "{done:?}"
    );
    let task = runtime.next_task().await.unwrap().unwrap();
    assert_eq!(task.process().processid, second.processid);
    task.complete(vec![json!("ok")]).await.unwrap();
    assert_eq!(
        final_state(&colony, &second.processid).await.state,
        ProcessState::Success
    );
    runtime.shutdown(Duration::from_secs(1)).await.unwrap();
}
