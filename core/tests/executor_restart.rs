//! The executor runtime rides out a server restart: it backs off while the server is away and
//! takes work again when it is back.
//!
//! The test restarts the server that `tests/server/up` started (same command line and
//! environment, without `--initdb`, so the database is kept) and records the new process ID in
//! the harness's state file, so `tests/server/down` still stops it.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use colonykit::executor::{Context, Executor, HandlerResult};
use colonykit::ProcessState;
use common::TestColony;
use serde_json::json;
use tokio::time::Instant;

fn state_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/server/run/state")
}

fn server_pid() -> u32 {
    let text = std::fs::read_to_string(state_file()).expect("tests/server/up wrote its state");
    text.lines()
        .filter_map(|line| line.strip_prefix("SERVER_PID="))
        .next_back()
        .and_then(|pid| pid.trim().parse().ok())
        .expect("the state names the server's process")
}

fn nul_separated(path: String) -> Vec<String> {
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes
        .split(|&b| b == 0)
        .filter(|part| !part.is_empty())
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect()
}

/// Stops the server and starts it again with the same command line (minus `--initdb`).
// The new server outlives the test on purpose (tests/server/down stops it): never waited for.
#[allow(clippy::zombie_processes)]
fn restart_server() {
    let pid = server_pid();
    let args = nul_separated(format!("/proc/{pid}/cmdline"));
    let environ = nul_separated(format!("/proc/{pid}/environ"));
    let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap();
    let log = std::fs::read_link(format!("/proc/{pid}/fd/1")).unwrap();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let gone = Instant::now() + Duration::from_secs(30);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < gone {
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut command = std::process::Command::new("setsid");
    command
        .args(args.iter().filter(|a| *a != "--initdb"))
        .current_dir(cwd)
        .env_clear()
        .envs(environ.iter().filter_map(|kv| kv.split_once('=')))
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::OpenOptions::new().append(true).open(&log).unwrap())
        .stderr(std::fs::OpenOptions::new().append(true).open(&log).unwrap());
    let child = command.spawn().unwrap();
    let mut state = std::fs::OpenOptions::new()
        .append(true)
        .open(state_file())
        .unwrap();
    std::io::Write::write_all(
        &mut state,
        format!("SERVER_PID={}\n", child.id()).as_bytes(),
    )
    .unwrap();
}

async fn echo(ctx: Context) -> HandlerResult {
    Ok(json!(ctx.args()))
}

async fn final_state(colony: &TestColony, pid: &str) -> colonykit::Process {
    common::final_state(&colony.user, pid, Duration::from_secs(60)).await
}

#[tokio::test]
async fn the_loop_survives_a_server_restart() {
    let colony = TestColony::new().await;
    let mut spec = colony.spec("echo", &[]);
    spec.args = vec![json!("before")];
    let before = colony.user.submit(&spec).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(
        Executor::builder(colony.executor.clone(), &colony.name)
            .function("echo", echo)
            .poll(Duration::from_secs(1))
            .run(async move {
                let _ = stopped.await;
            }),
    );
    assert_eq!(
        final_state(&colony, &before.processid).await.state,
        ProcessState::Success
    );

    tokio::task::spawn_blocking(restart_server).await.unwrap();
    // Wait until the server answers again, then submit.
    let back = Instant::now() + Duration::from_secs(60);
    while colony.user.server_version().await.is_err() && Instant::now() < back {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    spec.args = vec![json!("after")];
    let after = colony.user.submit(&spec).await.unwrap();
    let done = final_state(&colony, &after.processid).await;
    assert_eq!(done.state, ProcessState::Success, "{:?}", done.errors);
    assert_eq!(done.output, vec![json!(["after"])]);
    assert!(!run.is_finished(), "the executor kept running");
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
}
