//! The matrix's Rust roles: `matrix-roles client <scenario>` and `matrix-roles executor <scenario>`.
//!
//! `matrix-roles setup <cells>` makes the run's colony (signed with COLONIES_SERVER_PRVKEY): a
//! user, and one approved executor per cell, each of its own type; it prints them as JSON.
//!
//! Both roles read the scenario from `scenarios.json` (`MATRIX_SCENARIOS`, default `../scenarios.json`
//! next to this crate) and the server and identity from the environment: COLONIES_SERVER_HOST,
//! COLONIES_SERVER_PORT, COLONIES_TLS, COLONIES_PRVKEY (the role's key), MATRIX_COLONY and
//! MATRIX_EXECUTOR_TYPE. Each prints one line of JSON: the client its verdict, the executor its
//! status. A scenario is data (a transcript and what follows it), so adding one needs no code.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use std::sync::{Arc, Mutex};

use colonykit::executor::{Context, FunctionDecl, HandlerError, Output};
use colonykit::{
    ChannelEntry, ChannelStream, Client, EntryKind, Executor, FunctionSpec, NewEntry, PrivateKey,
    ProcessState, SubscribeOptions, User, WriterOptions,
};
use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::{json, Value};

type Failure = Box<dyn std::error::Error + Send + Sync>;
type Outcome<T> = Result<T, Failure>;

// --- The scenario file --------------------------------------------------------------------------

#[derive(Deserialize)]
struct ScenarioFile {
    timeouts: Timeouts,
    scenarios: Vec<Scenario>,
}

#[derive(Deserialize, Clone, Copy)]
struct Timeouts {
    assign_seconds: u64,
    wait_seconds: u64,
}

#[derive(Deserialize, Clone)]
struct Scenario {
    name: String,
    funcname: String,
    channels: Vec<String>,
    channel: String,
    executor_writes_with: String,
    transcript: Vec<Step>,
    finish: Finish,
    expect: Expect,
}

#[derive(Deserialize, Clone)]
struct Step {
    from: String,
    sequence: i64,
    #[serde(default)]
    inreplyto: i64,
    #[serde(default = "data_kind")]
    kind: String,
    #[serde(default)]
    payload: Option<Value>,
}

fn data_kind() -> String {
    "data".into()
}

#[derive(Deserialize, Clone)]
struct Finish {
    after: String,
    #[serde(default)]
    sync_channel: String,
    then: String,
    #[serde(default)]
    output: Vec<Value>,
    #[serde(default)]
    errors: Vec<String>,
}

#[derive(Deserialize, Clone)]
struct Expect {
    state: String,
    output: Vec<Value>,
    errors: Vec<String>,
    wait_for_success: Value,
}

/// The bytes a payload description stands for (see the file's `about`).
fn payload_bytes(description: Option<&Value>) -> Outcome<Vec<u8>> {
    let Some(description) = description else {
        return Ok(Vec::new());
    };
    if let Some(text) = description.get("utf8").and_then(Value::as_str) {
        return Ok(text.as_bytes().to_vec());
    }
    if let Some(hex) = description.get("hex").and_then(Value::as_str) {
        let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        if !digits.len().is_multiple_of(2) {
            return Err(format!("odd number of hex digits in {hex:?}").into());
        }
        return digits
            .chunks(2)
            .map(|pair| {
                let text = std::str::from_utf8(pair)?;
                Ok(u8::from_str_radix(text, 16)?)
            })
            .collect();
    }
    if let (Some(pattern), Some(length)) = (
        description.get("repeat"),
        description.get("length").and_then(Value::as_u64),
    ) {
        let pattern = payload_bytes(Some(pattern))?;
        if pattern.is_empty() {
            return Err("an empty pattern cannot be repeated".into());
        }
        return Ok(pattern
            .iter()
            .copied()
            .cycle()
            .take(length as usize)
            .collect());
    }
    Err(format!("unknown payload description {description}").into())
}

impl Step {
    fn entry(&self) -> Outcome<NewEntry> {
        Ok(NewEntry {
            sequence: self.sequence,
            payload: payload_bytes(self.payload.as_ref())?,
            kind: EntryKind::from(self.kind.as_str()),
            inreplyto: self.inreplyto,
        })
    }
}

fn load(name: &str) -> Outcome<(Timeouts, Scenario)> {
    let path = std::env::var_os("MATRIX_SCENARIOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios.json"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file: ScenarioFile = serde_json::from_str(&text)?;
    let scenario = file
        .scenarios
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| format!("no scenario {name:?} in {}", path.display()))?;
    Ok((file.timeouts, scenario))
}

fn env(name: &str) -> Outcome<String> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

fn client() -> Outcome<Client> {
    let client = Client::from_env()?;
    if client.key().is_none() {
        return Err("COLONIES_PRVKEY is not set".into());
    }
    Ok(client)
}

fn my_id(client: &Client) -> String {
    client.key().map(|k| k.id().to_string()).unwrap_or_default()
}

// --- Comparing what was seen with what was expected ----------------------------------------------

/// What an entry looked like, for messages: short payloads in full, long ones by size.
fn show_bytes(bytes: &[u8]) -> String {
    if bytes.len() <= 32 {
        let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("[{}]", hex.join(" "))
    } else {
        format!("{} bytes", bytes.len())
    }
}

fn bytes_difference(got: &[u8], want: &[u8]) -> Option<String> {
    if got == want {
        return None;
    }
    let at = got.iter().zip(want).take_while(|(a, b)| a == b).count();
    Some(format!(
        "payload: got {}, expected {} (first difference at byte {at})",
        show_bytes(got),
        show_bytes(want)
    ))
}

/// The differences between a received entry and the transcript's step, as messages.
fn entry_differences(
    index: usize,
    entry: &ChannelEntry,
    step: &Step,
    from: &str,
) -> Outcome<Vec<String>> {
    let want = step.entry()?;
    let mut differences = Vec::new();
    let mut differ = |what: String| {
        differences.push(format!(
            "entry {} (sequence {}): {what}",
            index + 1,
            step.sequence
        ))
    };
    if entry.sequence != want.sequence {
        differ(format!(
            "sequence {} instead of {}",
            entry.sequence, want.sequence
        ));
    }
    if entry.inreplyto != want.inreplyto {
        differ(format!(
            "inreplyto {} instead of {}",
            entry.inreplyto, want.inreplyto
        ));
    }
    if entry.kind != want.kind {
        differ(format!(
            "kind {:?} instead of {:?}",
            entry.kind.as_str(),
            step.kind
        ));
    }
    if let Some(difference) = bytes_difference(&entry.payload, &want.payload) {
        differ(difference);
    }
    if from != step.from {
        differ(format!("sent by the {from}, expected the {}", step.from));
    }
    Ok(differences)
}

// --- Client --------------------------------------------------------------------------------------

async fn next_entry(
    entries: &mut ChannelStream,
    wait: Duration,
) -> Result<Option<ChannelEntry>, String> {
    match tokio::time::timeout(wait, entries.next()).await {
        Err(_) => Err(format!("no entry within {wait:?}")),
        Ok(None) => Ok(None),
        Ok(Some(Err(error))) => Err(format!("the subscription failed: {error}")),
        Ok(Some(Ok(entry))) => Ok(Some(entry)),
    }
}

async fn run_client(timeouts: Timeouts, scenario: &Scenario, verdict: &mut Value) -> Outcome<()> {
    let wait = Duration::from_secs(timeouts.wait_seconds);
    let client = client()?;
    let me = my_id(&client);
    let spec = FunctionSpec::new(
        &scenario.funcname,
        env("MATRIX_EXECUTOR_TYPE")?,
        env("MATRIX_COLONY")?,
    )
    .with_channels(scenario.channels.iter().cloned());
    let process = client.submit(&spec).await?;
    let pid = process.processid.clone();
    verdict["processid"] = json!(pid);
    // Subscribed right after submitting, before the process is assigned.
    let options = SubscribeOptions {
        after: 0,
        idle_timeout: Some(wait),
        ..SubscribeOptions::default()
    };
    let mut entries = client.subscribe_channel_with(&pid, &scenario.channel, options)?;
    // Tells the runner that the process exists (it starts the executor then).
    println!("{}", json!({"submitted": pid}));
    let mut mismatches: Vec<String> = Vec::new();
    let mut executor_senders: Vec<String> = Vec::new();
    let mut complete = true;
    for (index, step) in scenario.transcript.iter().enumerate() {
        if step.from == "client" {
            client
                .append(&pid, &scenario.channel, step.entry()?)
                .await?;
        }
        match next_entry(&mut entries, wait).await {
            Ok(Some(entry)) => {
                if entry.senderid != me {
                    executor_senders.push(entry.senderid.clone());
                }
                let from = if entry.senderid == me {
                    "client"
                } else {
                    "executor"
                };
                mismatches.extend(entry_differences(index, &entry, step, from)?);
            }
            Ok(None) => {
                mismatches.push(format!(
                    "the stream ended after {index} entries; expected {}",
                    scenario.transcript.len()
                ));
                complete = false;
                break;
            }
            Err(why) => {
                mismatches.push(format!("entry {}: {why}", index + 1));
                complete = false;
                break;
            }
        }
    }
    verdict["entries"] = json!(scenario.transcript.len());
    if complete {
        // The last entry ends the stream: nothing may follow.
        match next_entry(&mut entries, wait).await {
            Ok(None) => {}
            Ok(Some(entry)) => mismatches.push(format!(
                "an entry after the last one: sequence {} kind {}",
                entry.sequence, entry.kind
            )),
            Err(why) => mismatches.push(format!("after the last entry: {why}")),
        }
    }
    drop(entries);
    if scenario.finish.after == "ack" {
        client
            .acknowledge(&pid, &scenario.finish.sync_channel)
            .await?;
    }
    let waited = match client
        .wait_for_state(&pid, ProcessState::Success, wait)
        .await
    {
        Ok(process) => json!({"state": process.state.name()}),
        Err(error) => json!({"error": {
            "kind": error.kind().name(),
            "message": error.message().replace(&pid, "<pid>"),
        }}),
    };
    if waited != scenario.expect.wait_for_success {
        mismatches.push(format!(
            "waiting for SUCCESS gave {waited}, expected {}",
            scenario.expect.wait_for_success
        ));
    }
    let expect = &scenario.expect;
    let mut done = client.get_process(&pid).await?;
    // Server v1.9.12 stores a failed process's state before its errors (two UPDATEs): a client as
    // quick as the executor can read FAILED with no errors yet (docs/server-findings.md).
    for _ in 0..20 {
        if !(done.state == ProcessState::Failed
            && done.errors.is_empty()
            && !expect.errors.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        done = client.get_process(&pid).await?;
    }
    if done.state.name() != expect.state {
        mismatches.push(format!("state {} instead of {}", done.state, expect.state));
    }
    if done.output != expect.output {
        mismatches.push(format!(
            "output {} instead of {}",
            Value::from(done.output.clone()),
            Value::from(expect.output.clone())
        ));
    }
    if done.errors != expect.errors {
        mismatches.push(format!(
            "errors {:?} instead of {:?}",
            done.errors, expect.errors
        ));
    }
    if let Some(other) = executor_senders
        .iter()
        .find(|id| **id != done.assignedexecutorid)
    {
        mismatches.push(format!(
            "an entry came from {other}, not from the assigned executor {}",
            done.assignedexecutorid
        ));
    }
    verdict["final"] =
        json!({"state": done.state.name(), "output": done.output, "errors": done.errors});
    verdict["wait_for_success"] = waited;
    verdict["verdict"] = json!(if mismatches.is_empty() {
        "pass"
    } else {
        "fail"
    });
    verdict["mismatches"] = json!(mismatches);
    Ok(())
}

// --- Executor ------------------------------------------------------------------------------------
// On colonykit's executor framework: the role registers one function (the scenario's) and serves
// one process with it; the framework takes the process, winds up the writer and closes or fails.

/// The writer options that number executor entries as the transcript does.
fn writer_options(scenario: &Scenario) -> Outcome<WriterOptions> {
    let sequences: Vec<i64> = scenario
        .transcript
        .iter()
        .filter(|s| s.from == "executor" && s.kind == "data")
        .map(|s| s.sequence)
        .collect();
    let first = sequences.first().copied().unwrap_or(1);
    let step = match sequences.get(1) {
        Some(second) => second - first,
        None => 1,
    };
    if sequences.windows(2).any(|w| w[1] - w[0] != step) {
        return Err("a writer needs evenly spaced executor sequences".into());
    }
    Ok(WriterOptions {
        first_sequence: first,
        step,
        ..WriterOptions::default()
    })
}

/// Sends one executor entry: raw appends, or the framework's writer (whose `end` the framework
/// sends itself when the handler returns, so it must be the transcript's last entry).
async fn send(ctx: &Context, scenario: &Scenario, index: usize, step: &Step) -> Outcome<()> {
    let entry = step.entry()?;
    if scenario.executor_writes_with != "writer" {
        return Ok(ctx
            .client()
            .append(ctx.processid(), &scenario.channel, entry)
            .await?);
    }
    match entry.kind {
        EntryKind::Data => {
            let channel = ctx.channel_with(&scenario.channel, writer_options(scenario)?)?;
            let sequence = if entry.inreplyto != 0 {
                channel.reply(entry.inreplyto, entry.payload).await?
            } else {
                channel.send(entry.payload).await?
            };
            if sequence != step.sequence {
                return Err(format!(
                    "the writer numbered an entry {sequence}, the transcript {}",
                    step.sequence
                )
                .into());
            }
            Ok(())
        }
        EntryKind::End if index + 1 == scenario.transcript.len() => Ok(()),
        kind => Err(format!(
            "the framework's writer cannot send {kind} at entry {} (only `end`, last)",
            index + 1
        )
        .into()),
    }
}

/// The scenario's transcript and finish as a handler.
async fn serve(ctx: Context, scenario: Arc<Scenario>, wait: Duration) -> Outcome<FnOutput> {
    let me = my_id(ctx.client());
    let reads = scenario.transcript.iter().any(|s| s.from == "client");
    let mut entries = match reads {
        true => Some(ctx.client().subscribe_channel_with(
            ctx.processid(),
            &scenario.channel,
            SubscribeOptions {
                after: 0,
                idle_timeout: Some(wait),
                ..SubscribeOptions::default()
            },
        )?),
        false => None,
    };
    for (index, step) in scenario.transcript.iter().enumerate() {
        if step.from == "executor" {
            send(&ctx, &scenario, index, step).await?;
            continue;
        }
        let Some(entries) = entries.as_mut() else {
            unreachable!("subscribed when the transcript has client entries")
        };
        let entry = loop {
            match next_entry(entries, wait).await? {
                Some(entry) if entry.senderid == me => continue,
                Some(entry) => break entry,
                None => return Err("the channel ended before the client's entry".into()),
            }
        };
        // The client's entries are the ones not from this executor.
        let differences = entry_differences(index, &entry, step, "client")?;
        if !differences.is_empty() {
            return Err(format!("unexpected client entry: {}", differences.join("; ")).into());
        }
    }
    drop(entries);
    let finish = &scenario.finish;
    match (finish.after.as_str(), finish.then.as_str()) {
        // The framework waits for the acknowledgement (FunctionDecl::sync_ack).
        ("ack", "close") | ("end", "close") => Ok(FnOutput::Close(finish.output.clone())),
        ("ack", "fail") => {
            ctx.client()
                .wait_for_ack(ctx.processid(), &finish.sync_channel, wait)
                .await?;
            Ok(FnOutput::Fail(finish.errors.clone()))
        }
        ("end", "fail") => Ok(FnOutput::Fail(finish.errors.clone())),
        (after, then) => Err(format!("unknown finish: after {after:?}, then {then:?}").into()),
    }
}

/// How the handler ends the process.
enum FnOutput {
    Close(Vec<Value>),
    Fail(Vec<String>),
}

async fn run_executor(timeouts: Timeouts, scenario: &Scenario, status: &mut Value) -> Outcome<()> {
    let wait = Duration::from_secs(timeouts.wait_seconds);
    let client = client()?;
    let colony = env("MATRIX_COLONY")?;
    let scenario = Arc::new(scenario.clone());
    let mut decl = FunctionDecl::new(&scenario.funcname);
    if (
        scenario.finish.after.as_str(),
        scenario.finish.then.as_str(),
    ) == ("ack", "close")
    {
        decl = decl.sync_ack(&scenario.finish.sync_channel, wait);
    }
    // What the handler saw: the process and, if it went wrong, why.
    let seen: Arc<Mutex<(Option<String>, Option<String>)>> = Arc::default();
    let started = Arc::new(tokio::sync::Notify::new());
    let handler = {
        let (seen, started) = (Arc::clone(&seen), Arc::clone(&started));
        move |ctx: Context| {
            let (scenario, seen, started) = (
                Arc::clone(&scenario),
                Arc::clone(&seen),
                Arc::clone(&started),
            );
            async move {
                started.notify_one();
                lock(&seen).0 = Some(ctx.processid().to_string());
                match serve(ctx, scenario, wait).await {
                    Ok(FnOutput::Close(output)) => Ok(Output(output)),
                    Ok(FnOutput::Fail(errors)) => Err(HandlerError::errors(errors)),
                    Err(error) => {
                        lock(&seen).1 = Some(error.to_string());
                        // Never leave the client waiting: the framework fails the process.
                        Err(HandlerError::new(format!(
                            "matrix executor (rust): {error}"
                        )))
                    }
                }
            }
        }
    };
    // No process within assign_seconds: give up (once one runs, run until it is done).
    let assign = Duration::from_secs(timeouts.assign_seconds);
    let gave_up = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let give_up = {
        let gave_up = Arc::clone(&gave_up);
        async move {
            if tokio::time::timeout(assign, started.notified())
                .await
                .is_err()
            {
                gave_up.store(true, std::sync::atomic::Ordering::SeqCst);
            } else {
                std::future::pending::<()>().await;
            }
        }
    };
    colonykit::executor::Executor::builder(client, colony)
        .function_with(decl, handler)
        .max_processes(1)
        .poll(Duration::from_secs(2))
        .run(give_up)
        .await?;
    let (processid, error) = lock(&seen).clone();
    if let Some(pid) = processid {
        status["processid"] = json!(pid);
    }
    if gave_up.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(format!("no process within {}s", timeouts.assign_seconds).into());
    }
    match error {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

// --- Setup ---------------------------------------------------------------------------------------

/// One colony for the run, its user, and `cells` approved executors of distinct types.
async fn run_setup(cells: usize) -> Outcome<Value> {
    let server_key = PrivateKey::from_hex(&env("COLONIES_SERVER_PRVKEY")?)?;
    let base = Client::from_env()?;
    let owner_key = PrivateKey::generate();
    let user_key = PrivateKey::generate();
    let run = owner_key.id()[..10].to_string();
    let colony = format!("matrix-{run}");
    base.with_key(server_key)
        .add_colony(owner_key.id(), &colony)
        .await?;
    let owner = base.with_key(owner_key);
    let user = User {
        colonyname: colony.clone(),
        userid: user_key.id().to_string(),
        name: format!("matrix-user-{run}"),
        ..User::default()
    };
    owner.add_user(&user).await?;
    let executors: Vec<Value> = futures::stream::iter(0..cells)
        .map(|index| {
            let (owner, colony, run) = (owner.clone(), colony.clone(), run.clone());
            async move {
                let key = PrivateKey::generate();
                let kind = format!("matrix-{run}-{index}");
                let executor = Executor::new(key.id(), &kind, &kind, &colony);
                owner.add_executor(&executor).await?;
                owner.approve_executor(&colony, &kind).await?;
                Ok::<_, colonykit::Error>(json!({"type": kind, "name": kind, "key": key.to_hex()}))
            }
        })
        .buffered(8)
        .try_collect()
        .await?;
    Ok(json!({"colony": colony, "user_key": user_key.to_hex(), "executors": executors}))
}

// --- Main ----------------------------------------------------------------------------------------

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [setup, cells] = args.as_slice() {
        if setup == "setup" {
            let result = match cells.parse() {
                Ok(cells) => run_setup(cells).await,
                Err(_) => Err(format!("not a number of cells: {cells}").into()),
            };
            match result {
                Ok(settings) => println!("{settings}"),
                Err(error) => {
                    eprintln!("matrix-roles setup: {error}");
                    std::process::exit(1);
                }
            }
            return;
        }
    }
    let (role, name) = match args.as_slice() {
        [role, name] if role == "client" || role == "executor" => (role.clone(), name.clone()),
        _ => {
            eprintln!(
                "usage: matrix-roles client|executor <scenario> | matrix-roles setup <cells>"
            );
            std::process::exit(2);
        }
    };
    let began = Instant::now();
    let mut report = json!({"role": role, "lang": "rust", "scenario": name});
    let result = match load(&name) {
        Ok((timeouts, scenario)) if role == "client" => {
            run_client(timeouts, &scenario, &mut report).await
        }
        Ok((timeouts, scenario)) => run_executor(timeouts, &scenario, &mut report).await,
        Err(error) => Err(error),
    };
    report["elapsed_ms"] = json!(began.elapsed().as_millis() as u64);
    let code = match result {
        Ok(()) if role == "executor" => {
            report["status"] = json!("ok");
            0
        }
        Ok(()) => i32::from(report["verdict"] != "pass"),
        Err(error) => {
            let message = error.to_string();
            if message.contains("Not authorized to write to channel") {
                report["server_race"] = json!(true);
            }
            report["status"] = json!("error");
            report["verdict"] = json!("fail");
            report["error"] = json!(message);
            1
        }
    };
    if role == "executor" {
        if let Some(map) = report.as_object_mut() {
            map.remove("verdict");
        }
    }
    println!("{report}");
    std::process::exit(code);
}
