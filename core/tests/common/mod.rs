//! Test fixtures: a real server (started by `tests/server/up`) and a fresh colony per test.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use colonykit::{Client, Executor, PrivateKey, User};

/// The file of server settings the tests use: `COLONYKIT_SERVER_ENV` (e.g. the TLS instance's
/// `tests/server/run-tls/server.env`), else the default instance's.
pub fn server_env_file() -> PathBuf {
    match std::env::var_os("COLONYKIT_SERVER_ENV") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/server/run/server.env"),
    }
}

/// The settings `tests/server/up` wrote.
pub fn server_settings() -> HashMap<String, String> {
    let path = server_env_file();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run tests/server/up first)", path.display()));
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Whether the test server speaks TLS (`COLONIES_TLS=true` in its settings).
pub fn server_tls() -> bool {
    server_settings()
        .get("COLONIES_TLS")
        .is_some_and(|v| v == "true")
}

/// `http` or `https`, as the server speaks.
pub fn scheme() -> &'static str {
    if server_tls() {
        "https"
    } else {
        "http"
    }
}

pub fn server_address() -> String {
    let settings = server_settings();
    format!(
        "{}://{}:{}",
        scheme(),
        settings["COLONIES_SERVER_HOST"],
        settings["COLONIES_SERVER_PORT"]
    )
}

/// A client of `address` signing with `key`, trusting the test server's CA if it has one.
pub fn client_of(address: &str, key: PrivateKey) -> Client {
    builder_of(address, key).build().unwrap()
}

/// The builder of `client_of`, for tests that set more options.
pub fn builder_of(address: &str, key: PrivateKey) -> colonykit::ClientBuilder {
    let builder = Client::builder(address).key(key);
    match server_settings().get("COLONIES_CA_FILE") {
        Some(ca) => builder.ca_file(ca),
        None => builder,
    }
}

/// A client signing with the server owner's key.
pub fn server_client() -> Client {
    let key = PrivateKey::from_hex(&server_settings()["COLONIES_SERVER_PRVKEY"]).unwrap();
    client_of(&server_address(), key)
}

/// A name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}-{n}", std::process::id())
}

/// A fresh colony with an approved executor and a user, each with its own client.
pub struct TestColony {
    pub name: String,
    pub executor_type: String,
    pub executor_name: String,
    pub server: Client,
    pub owner: Client,
    pub executor: Client,
    pub user: Client,
}

impl TestColony {
    pub async fn new() -> TestColony {
        let server = server_client();
        let name = unique("colony");
        let colony_key = PrivateKey::generate();
        server.add_colony(colony_key.id(), &name).await.unwrap();
        let owner = server.with_key(colony_key);

        let executor_key = PrivateKey::generate();
        let executor_type = unique("type");
        let executor_name = unique("executor");
        owner
            .add_executor(&Executor::new(
                executor_key.id(),
                &executor_type,
                &executor_name,
                &name,
            ))
            .await
            .unwrap();
        owner.approve_executor(&name, &executor_name).await.unwrap();

        let user_key = PrivateKey::generate();
        owner
            .add_user(&User {
                colonyname: name.clone(),
                userid: user_key.id().to_string(),
                name: unique("user"),
                ..User::default()
            })
            .await
            .unwrap();

        TestColony {
            executor: server.with_key(executor_key),
            user: server.with_key(user_key),
            name,
            executor_type,
            executor_name,
            server,
            owner,
        }
    }

    pub fn spec(&self, funcname: &str, channels: &[&str]) -> colonykit::FunctionSpec {
        colonykit::FunctionSpec::new(funcname, &self.executor_type, &self.name)
            .with_channels(channels.iter().copied())
    }

    /// Submits as the user and assigns as the executor: a RUNNING process.
    pub async fn running(&self, channels: &[&str]) -> colonykit::Process {
        let submitted = self
            .user
            .submit(&self.spec("work", channels))
            .await
            .unwrap();
        let assigned = self
            .executor
            .assign(&self.name, Duration::from_secs(5))
            .await
            .unwrap()
            .expect("the submitted process is assigned");
        assert_eq!(assigned.processid, submitted.processid);
        assigned
    }
}

/// The process once it is closed (SUCCESS, FAILED or CANCELLED), polled as `client` sees it;
/// read errors (a server restarting) are waited out. As it is after `wait` if still open.
pub async fn final_state(client: &Client, processid: &str, wait: Duration) -> colonykit::Process {
    let give_up = tokio::time::Instant::now() + wait;
    loop {
        if let Ok(process) = client.get_process(processid).await {
            if process.state.is_closed() || tokio::time::Instant::now() > give_up {
                return process;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Restarts the server of `tests/server/up` with `tests/server/restart` (the same binary,
/// arguments, environment and database; `kill`: SIGKILL, a crash, instead of SIGTERM) and
/// returns once it answers again. A test that calls it must run alone (its own test binary).
pub async fn restart_server(kill: bool) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/server/restart");
    let status = tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(script);
        if kill {
            command.arg("--kill");
        }
        command.status()
    })
    .await
    .unwrap()
    .expect("tests/server/restart runs");
    assert!(status.success(), "tests/server/restart failed");
}
