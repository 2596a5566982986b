//! What a cluster of ColonyOS servers (v1.9.12: three nodes over one PostgreSQL) really does,
//! pinned down one behaviour per test, with one single-address client per node. The findings
//! are listed in `docs/server-findings.md` ("A cluster of servers").
//!
//! The tests need the cluster instance of `tests/server/up` and read its settings from
//! `COLONYKIT_SERVER_ENV` (its `run-cluster/server.env`): `COLONIES_SERVERS`, `COLONYKIT_NODES`
//! and `COLONYKIT_EXCLUSIVE_ASSIGN`. They pass in both assignment modes; where the modes differ
//! they assert the running mode's behaviour.
//!
//! Names used below: S is the node a process was submitted through, E the node the executor
//! long-polls (`assign`) on, A the node that did the assignment (E in distributed mode, the
//! leader in exclusive mode), H the node where submitter and executor use a channel.
//!
//! Tests that stop a node take the cluster lock for writing (the others take it for reading),
//! so they run alone, and start the node again when they end, failed or not.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

mod common;

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use colonykit::messages::{SubscribeChannel, SubscribeProcess, SubscribeProcesses};
use colonykit::rpc::{self, Message};
use colonykit::{Client, ErrorKind, NewEntry, PrivateKey, Process, ProcessState, SubscribeOptions};
use common::{client_of, scheme, server_env_file, server_settings, TestColony};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::RwLock;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Readers: tests that leave every node running. Writer: a test that stops a node.
static CLUSTER: RwLock<()> = RwLock::const_new(());

/// How long any wait-until loop waits before the test fails.
const BOUND: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    name: String,
    /// `http://host:port`
    address: String,
    apiport: i64,
}

struct Cluster {
    nodes: Vec<Node>,
    exclusive: bool,
    server_key: PrivateKey,
}

fn cluster() -> Cluster {
    let settings = server_settings();
    let names: Vec<&str> = settings
        .get("COLONYKIT_NODES")
        .expect("COLONYKIT_NODES in server.env: run against the cluster instance")
        .split(',')
        .collect();
    let servers: Vec<&str> = settings["COLONIES_SERVERS"].split(',').collect();
    assert_eq!(names.len(), servers.len(), "one name per server");
    assert!(names.len() >= 3, "these tests need three nodes");
    let nodes = names
        .iter()
        .zip(&servers)
        .map(|(name, server)| Node {
            name: name.to_string(),
            address: format!("{}://{server}", scheme()),
            apiport: server.rsplit(':').next().unwrap().parse().unwrap(),
        })
        .collect();
    Cluster {
        nodes,
        exclusive: settings["COLONYKIT_EXCLUSIVE_ASSIGN"] == "true",
        server_key: PrivateKey::from_hex(&settings["COLONIES_SERVER_PRVKEY"]).unwrap(),
    }
}

impl Cluster {
    fn node(&self, name: &str) -> &Node {
        self.nodes.iter().find(|n| n.name == name).unwrap()
    }

    /// The server owner's client of `node`.
    fn server_on(&self, node: &Node) -> Client {
        client_of(&node.address, self.server_key.clone())
    }

    /// The leader as `node` reports it ("" while there is none).
    async fn leader_seen_by(&self, node: &Node) -> String {
        self.server_on(node)
            .get_cluster()
            .await
            .unwrap()
            .leader
            .name
    }

    /// The leader, once every node in `asked` names the same one, which is not `not`.
    async fn agreed_leader(&self, asked: &[&Node], not: Option<&str>) -> String {
        let give_up = Instant::now() + BOUND;
        loop {
            let mut seen = Vec::new();
            for node in asked {
                seen.push(
                    self.server_on(node)
                        .get_cluster()
                        .await
                        .map(|c| c.leader.name)
                        .unwrap_or_default(),
                );
            }
            let first = seen[0].clone();
            if !first.is_empty()
                && Some(first.as_str()) != not
                && seen.iter().all(|name| *name == first)
            {
                return first;
            }
            assert!(Instant::now() < give_up, "no agreed leader: {seen:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn leader(&self) -> String {
        let all: Vec<&Node> = self.nodes.iter().collect();
        self.agreed_leader(&all, None).await
    }

    /// The node that assigns a process to an executor long-polling on `executor_node`.
    async fn assigning(&self, executor_node: &Node) -> String {
        if self.exclusive {
            self.leader().await
        } else {
            executor_node.name.clone()
        }
    }

    /// S, E for a test that needs the assigning node A to differ from S: S a non-leader, E
    /// another non-leader (A = E in distributed mode, the leader in exclusive mode).
    async fn submit_and_executor_nodes(&self) -> (Node, Node) {
        let leader = self.leader().await;
        let others: Vec<&Node> = self.nodes.iter().filter(|n| n.name != leader).collect();
        (others[0].clone(), others[1].clone())
    }
}

/// `client`'s key on `node`.
fn on(client: &Client, node: &Node) -> Client {
    client_of(&node.address, client.key().unwrap().clone())
}

async fn submit_on(colony: &TestColony, node: &Node, channels: &[&str]) -> Process {
    on(&colony.user, node)
        .submit(&colony.spec("work", channels))
        .await
        .unwrap()
}

/// Assigns on `node` as the colony's executor: the process, or `None` after `timeout`.
async fn assign_on(colony: &TestColony, node: &Node, timeout: Duration) -> Option<Process> {
    on(&colony.executor, node)
        .assign(&colony.name, timeout)
        .await
        .unwrap()
}

async fn append(client: &Client, node: &Node, pid: &str, sequence: i64) -> colonykit::Result<()> {
    let text = format!("{} on {}", sequence, node.name);
    on(client, node)
        .append(pid, "ch", NewEntry::data(sequence, text))
        .await
}

async fn read(client: &Client, node: &Node, pid: &str) -> colonykit::Result<Vec<String>> {
    let entries = on(client, node).read_channel(pid, "ch", 0, 0).await?;
    Ok(entries
        .into_iter()
        .map(|e| String::from_utf8_lossy(&e.payload).into_owned())
        .collect())
}

fn assert_refused(result: colonykit::Result<()>, what: &str) {
    let error = result.expect_err(what);
    assert_eq!(error.kind(), ErrorKind::Unauthorized, "{what}: {error}");
    assert_eq!(error.status(), Some(403), "{what}: {error}");
    assert!(
        error
            .message()
            .contains("Not authorized to write to channel"),
        "{what}: {error}"
    );
}

/// Polls `check` every 100 ms until it is true; fails the test after `BOUND`.
async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let give_up = Instant::now() + BOUND;
    while !check().await {
        assert!(Instant::now() < give_up, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts an executor's long-poll on `node` and returns once the server has begun it (the
/// executor's `lastheardfromtime` moves when an assign starts; the waiter registers for events
/// right after that, so a short pause covers the rest).
async fn waiting_assign(
    colony: &TestColony,
    node: &Node,
    timeout: Duration,
) -> tokio::task::JoinHandle<colonykit::Result<Option<Process>>> {
    let heard = || async {
        colony
            .user
            .get_executor(&colony.name, &colony.executor_name)
            .await
            .unwrap()
            .lastheardfromtime
    };
    let before = heard().await;
    let executor = on(&colony.executor, node);
    let name = colony.name.clone();
    let waiter = tokio::spawn(async move { executor.assign(&name, timeout).await });
    wait_until("the assign has started", || async {
        heard().await != before
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    waiter
}

// --- Raw websockets: what the server itself sends, with no client logic in between ---------

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn socket(node: &Node) -> Socket {
    let url = format!("ws://{}/pubsub", node.address.split_once("://").unwrap().1);
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn send<M: Message>(socket: &mut Socket, message: &M, key: &PrivateKey) {
    let text = rpc::encode(message, Some(key)).unwrap();
    socket.send(Frame::Text(text.into())).await.unwrap();
}

/// One reply frame: whether it is an error, and its decoded payload.
#[derive(Debug)]
struct Reply {
    error: bool,
    payload: serde_json::Value,
}

/// The next text frame within `within`, or `None` if none comes (or the socket closes).
async fn next_reply(socket: &mut Socket, within: Duration) -> Option<Reply> {
    let deadline = Instant::now() + within;
    loop {
        let frame = match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(frame))) => frame,
            _ => return None,
        };
        if let Frame::Text(text) = frame {
            let envelope: serde_json::Value = serde_json::from_str(&text).unwrap();
            let payload = base64::engine::general_purpose::STANDARD
                .decode(envelope["payload"].as_str().unwrap())
                .unwrap();
            return Some(Reply {
                error: envelope["error"].as_bool().unwrap_or(false),
                payload: serde_json::from_slice(&payload).unwrap(),
            });
        }
    }
}

fn watch(colony: &TestColony, pid: &str, state: ProcessState) -> SubscribeProcess {
    SubscribeProcess {
        colonyname: colony.name.clone(),
        processid: pid.to_string(),
        executortype: String::new(),
        state: state.into(),
        timeout: 60,
    }
}

// --- Node control -------------------------------------------------------------------------

/// Runs `tests/server/node ACTION NAME` for the instance whose settings the tests read.
fn node_command(action: &str, name: &str) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/server/node");
    let run_dir = server_env_file()
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let instance = run_dir.strip_prefix("run-").unwrap_or("");
    let status = std::process::Command::new(script)
        .args([action, name])
        .env("COLONYKIT_INSTANCE", instance)
        .status()
        .expect("tests/server/node runs");
    assert!(status.success(), "tests/server/node {action} {name} failed");
}

/// A node killed (SIGKILL) for the guard's lifetime: dropping the guard starts it again.
struct Killed {
    name: String,
    started: bool,
}

impl Killed {
    async fn kill(name: &str) -> Killed {
        let name = name.to_string();
        let guard = Killed {
            name: name.clone(),
            started: false,
        };
        tokio::task::spawn_blocking(move || node_command("kill", &name))
            .await
            .unwrap();
        guard
    }

    async fn start(mut self) {
        let name = self.name.clone();
        tokio::task::spawn_blocking(move || node_command("start", &name))
            .await
            .unwrap();
        self.started = true;
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        if !self.started {
            node_command("start", &self.name);
        }
    }
}

// --- 1. Ordinary calls ----------------------------------------------------------------------

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn every_node_answers_and_reads_what_another_wrote() {
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    // The colony, its executor and its user are added through the first node.
    let colony = TestColony::new().await;
    for node in &cluster.nodes {
        on(&colony.server, node).server_version().await.unwrap();
        let read = on(&colony.user, node)
            .get_colony(&colony.name)
            .await
            .unwrap();
        assert_eq!(read.colonyid, colony.owner.key().unwrap().id());
        let executor = on(&colony.user, node)
            .get_executor(&colony.name, &colony.executor_name)
            .await
            .unwrap();
        assert_eq!(executor.executorid, colony.executor.key().unwrap().id());
    }
    for submit_node in &cluster.nodes {
        let process = submit_on(&colony, submit_node, &[]).await;
        for node in &cluster.nodes {
            let read = on(&colony.user, node)
                .get_process(&process.processid)
                .await
                .unwrap();
            assert_eq!(read.state, ProcessState::Waiting);
            assert_eq!(read.initiatorid, colony.user.key().unwrap().id());
        }
    }
}

// --- 2. Assignment across nodes -------------------------------------------------------------

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn a_process_submitted_on_one_node_is_assigned_on_another() {
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let (submit_node, executor_node) = (&cluster.nodes[0], &cluster.nodes[1]);

    // The executor waits on n2 before the submit on n1: the submit wakes it.
    let waiter = waiting_assign(&colony, executor_node, Duration::from_secs(20)).await;
    let submitted = submit_on(&colony, submit_node, &[]).await;
    let assigned = waiter
        .await
        .unwrap()
        .unwrap()
        .expect("a waiting assign on another node gets the process");
    assert_eq!(assigned.processid, submitted.processid);

    // The executor arrives after the submit.
    let submitted = submit_on(&colony, submit_node, &[]).await;
    let assigned = assign_on(&colony, executor_node, Duration::from_secs(5))
        .await
        .expect("an assign on another node finds the waiting process");
    assert_eq!(assigned.processid, submitted.processid);
    let read = on(&colony.user, &cluster.nodes[2])
        .get_process(&submitted.processid)
        .await
        .unwrap();
    assert_eq!(read.state, ProcessState::Running);
    assert_eq!(read.assignedexecutorid, colony.executor.key().unwrap().id());
}

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn an_assign_with_no_work_ends_empty_on_every_node() {
    // In exclusive mode a non-leader forwards the assign to the leader and answers its error
    // envelope with HTTP 200; the client still reads "no work".
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    for node in &cluster.nodes {
        let error = on(&colony.executor, node)
            .assign(&colony.name, Duration::from_secs(1))
            .await;
        assert!(matches!(error, Ok(None)), "{}: {error:?}", node.name);
    }
}

// --- 3. Process subscriptions across nodes --------------------------------------------------

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn a_process_subscription_on_one_node_sees_a_change_made_on_another() {
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let (changer, watcher) = (&cluster.nodes[0], &cluster.nodes[1]);
    submit_on(&colony, changer, &[]).await;
    let process = assign_on(&colony, changer, Duration::from_secs(5))
        .await
        .unwrap();
    let pid = process.processid.clone();

    let key = colony.user.key().unwrap();
    let mut socket = socket(watcher).await;
    send(
        &mut socket,
        &watch(&colony, &pid, ProcessState::Success),
        key,
    )
    .await;
    // The server handles a socket's frames in order and answers a subscription to the current
    // state at once: that answer says the first subscription is registered.
    send(
        &mut socket,
        &watch(&colony, &pid, ProcessState::Running),
        key,
    )
    .await;
    let now = next_reply(&mut socket, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(now.payload["state"], 1, "{now:?}");

    on(&colony.executor, changer)
        .close(&pid, vec![])
        .await
        .unwrap();
    let event = next_reply(&mut socket, Duration::from_secs(10))
        .await
        .expect("the close on another node reaches the subscription (relay)");
    assert!(!event.error, "{event:?}");
    assert_eq!(event.payload["processid"], pid.as_str());
    assert_eq!(event.payload["state"], 2);

    // colonykit's wait on a third node returns the closed process.
    let closed = on(&colony.user, &cluster.nodes[2])
        .wait_for_state(&pid, ProcessState::Success, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(closed.state, ProcessState::Success);
}

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn a_processes_subscription_on_one_node_sees_a_submit_on_another() {
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let (submitter, watcher) = (&cluster.nodes[0], &cluster.nodes[1]);
    let marker = submit_on(&colony, watcher, &[]).await;

    let key = colony.executor.key().unwrap();
    let mut socket = socket(watcher).await;
    let subscribe = SubscribeProcesses {
        colonyname: colony.name.clone(),
        executortype: colony.executor_type.clone(),
        state: ProcessState::Waiting.into(),
        timeout: 60,
    };
    send(&mut socket, &subscribe, key).await;
    send(
        &mut socket,
        &watch(&colony, &marker.processid, ProcessState::Waiting),
        key,
    )
    .await;
    let now = next_reply(&mut socket, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(now.payload["processid"], marker.processid.as_str());

    let submitted = submit_on(&colony, submitter, &[]).await;
    let event = next_reply(&mut socket, Duration::from_secs(10))
        .await
        .expect("the submit on another node reaches the subscription (relay)");
    assert_eq!(event.payload["processid"], submitted.processid.as_str());
    assert_eq!(event.payload["state"], 0);
}

// --- 4. Channels: one log per node ----------------------------------------------------------

/// Executor appends on every node after the assignment, with or without copies made on every
/// node before it: accepted only where the copy has the executor's ID.
#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn only_copies_made_at_or_after_the_assignment_accept_the_executor() {
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let (submit_node, executor_node) = cluster.submit_and_executor_nodes().await;
    let assigner = cluster.assigning(&executor_node).await;
    assert_ne!(assigner, submit_node.name);

    for copies_before in [true, false] {
        let pid = submit_on(&colony, &submit_node, &["ch"]).await.processid;
        if copies_before {
            for node in &cluster.nodes {
                assert!(read(&colony.user, node, &pid).await.unwrap().is_empty());
            }
        }
        let assigned = assign_on(&colony, &executor_node, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(assigned.processid, pid);
        for (i, node) in cluster.nodes.iter().enumerate() {
            let result = append(&colony.executor, node, &pid, i as i64 + 1).await;
            // The submit node made its copy at the submit, eagerly; an untouched node makes
            // one now, with the process's executor.
            let accepted = node.name == assigner || (!copies_before && *node != submit_node);
            if accepted {
                result.unwrap_or_else(|e| {
                    panic!("{} (copies before: {copies_before}): {e}", node.name)
                });
            } else {
                assert_refused(
                    result,
                    &format!("{} (copies before: {copies_before})", node.name),
                );
            }
        }
        // Each node's log holds what was appended there and nothing else.
        for (i, node) in cluster.nodes.iter().enumerate() {
            let entries = read(&colony.user, node, &pid).await.unwrap();
            let accepted = node.name == assigner || (!copies_before && *node != submit_node);
            let expected: Vec<String> = if accepted {
                vec![format!("{} on {}", i + 1, node.name)]
            } else {
                vec![]
            };
            assert_eq!(entries, expected, "{}", node.name);
        }
    }
}

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn entries_appended_on_one_node_are_not_seen_on_another() {
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let submit_node = &cluster.nodes[0];
    let pid = submit_on(&colony, submit_node, &["ch"]).await.processid;
    assign_on(&colony, submit_node, Duration::from_secs(5))
        .await
        .unwrap();
    // The submitter may write on every node: each one gets its own log.
    for (i, node) in cluster.nodes.iter().enumerate() {
        append(&colony.user, node, &pid, i as i64 + 1)
            .await
            .unwrap();
    }
    for (i, node) in cluster.nodes.iter().enumerate() {
        assert_eq!(
            read(&colony.user, node, &pid).await.unwrap(),
            vec![format!("{} on {}", i + 1, node.name)]
        );
    }
}

// --- 5. Where submitter and executor meet ---------------------------------------------------

/// For every submit node S, executor node E and meeting node H: the submitter touches the
/// channel only once the process runs. They meet on every H != S, and on H == S only when S
/// did the assignment.
#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn submitter_and_executor_meet_on_any_node_but_the_submit_node_unless_it_assigned() {
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let mut table = Vec::new();
    for submit_node in &cluster.nodes {
        for executor_node in &cluster.nodes {
            let assigner = cluster.assigning(executor_node).await;
            for home in &cluster.nodes {
                let pid = submit_on(&colony, submit_node, &["ch"]).await.processid;
                let assigned = assign_on(&colony, executor_node, Duration::from_secs(5))
                    .await
                    .unwrap();
                assert_eq!(assigned.processid, pid);
                let running = on(&colony.user, home).get_process(&pid).await.unwrap();
                assert_eq!(running.state, ProcessState::Running);

                let executor_wrote = append(&colony.executor, home, &pid, 1).await.is_ok();
                append(&colony.user, home, &pid, 1).await.unwrap();
                let submitter_sees = read(&colony.user, home, &pid).await.unwrap().len();
                let executor_sees = read(&colony.executor, home, &pid).await.map(|e| e.len());
                let met = executor_wrote && submitter_sees == 2 && executor_sees == Ok(2);
                let expected = *home != *submit_node || assigner == submit_node.name;
                table.push(format!(
                    "S={} E={} A={} H={}: {}",
                    submit_node.name,
                    executor_node.name,
                    assigner,
                    home.name,
                    if met { "meet" } else { "apart" }
                ));
                assert_eq!(met, expected, "{}", table.last().unwrap());
                if !met {
                    // Apart: the executor is refused on both reading and writing.
                    assert_eq!(
                        executor_sees.map_err(|e| e.kind()),
                        Err(ErrorKind::Unauthorized)
                    );
                }
                on(&colony.executor, executor_node)
                    .close(&pid, vec![])
                    .await
                    .unwrap();
            }
        }
    }
    println!("{}", table.join("\n"));
}

// --- 7. Discovery needs the server key ------------------------------------------------------

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn the_cluster_is_listed_only_to_the_server_owner() {
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let leader = cluster.leader().await;
    for node in &cluster.nodes {
        for (who, client) in [("user", &colony.user), ("colony owner", &colony.owner)] {
            let error = on(client, node).get_cluster().await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Unauthorized, "{who}: {error}");
            assert_eq!(error.status(), Some(403), "{who}: {error}");
        }
        let listed = cluster.server_on(node).get_cluster().await.unwrap();
        // In no fixed order.
        let mut listed_nodes: Vec<(&str, i64)> = listed
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.apiport))
            .collect();
        listed_nodes.sort();
        let expected: Vec<(&str, i64)> = cluster
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.apiport))
            .collect();
        assert_eq!(listed_nodes, expected);
        assert_eq!(listed.leader.name, leader);
    }
}

// --- 8. A channel subscription on a copy made before the assignment -------------------------

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn a_subscription_on_a_copy_made_before_the_assignment_refuses_the_executor() {
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let (submit_node, executor_node) = cluster.submit_and_executor_nodes().await;
    let pid = submit_on(&colony, &submit_node, &["ch"]).await.processid;
    assign_on(&colony, &executor_node, Duration::from_secs(5))
        .await
        .unwrap();

    // The submit node's copy was made at the submit, with no executor.
    let mut socket = socket(&submit_node).await;
    let subscribe = SubscribeChannel {
        processid: pid.clone(),
        name: "ch".into(),
        afterseq: 0,
        timeout: 5,
    };
    send(&mut socket, &subscribe, colony.executor.key().unwrap()).await;
    let reply = next_reply(&mut socket, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(reply.error, "{reply:?}");
    assert_eq!(reply.payload["status"], 403);
    assert_eq!(
        reply.payload["message"],
        "Not authorized to subscribe to channel"
    );

    // colonykit's stream ends at once with the same refusal (its first read is over HTTP).
    let options = SubscribeOptions {
        idle_timeout: Some(Duration::from_secs(10)),
        ..SubscribeOptions::default()
    };
    let mut stream = on(&colony.executor, &submit_node)
        .subscribe_channel_with(&pid, "ch", options)
        .unwrap();
    let error = tokio::time::timeout(Duration::from_secs(15), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized, "{error}");
    assert!(
        error
            .message()
            .contains("Not authorized to read from channel"),
        "{error}"
    );
}

// --- Closing a process ----------------------------------------------------------------------

/// A close deletes the channels of the node that handled it only: another node's copy keeps
/// its entries, can be read after the close and takes more appends.
#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn a_close_deletes_only_the_closing_nodes_copies() {
    let _cluster = CLUSTER.read().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let (submit_node, home) = (&cluster.nodes[0], &cluster.nodes[1]);
    let pid = submit_on(&colony, submit_node, &["ch"]).await.processid;
    assign_on(&colony, home, Duration::from_secs(5))
        .await
        .unwrap();
    append(&colony.executor, home, &pid, 1).await.unwrap();
    append(&colony.user, submit_node, &pid, 1).await.unwrap();

    on(&colony.executor, submit_node)
        .close(&pid, vec![])
        .await
        .unwrap();

    // The closing node's copy is gone, and a closed process's copy is not made again.
    let gone = read(&colony.user, submit_node, &pid).await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound, "{gone}");
    assert!(gone.message().contains("Channel not found"), "{gone}");
    let never = read(&colony.user, &cluster.nodes[2], &pid)
        .await
        .unwrap_err();
    assert_eq!(never.kind(), ErrorKind::NotFound, "{never}");
    // The other node's copy lives on.
    assert_eq!(
        read(&colony.user, home, &pid).await.unwrap(),
        vec![format!("1 on {}", home.name)]
    );
    append(&colony.executor, home, &pid, 2).await.unwrap();
    assert_eq!(read(&colony.user, home, &pid).await.unwrap().len(), 2);
}

// --- 6. A node that dies --------------------------------------------------------------------

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn a_killed_node_comes_back_with_empty_channel_logs_and_the_processes_survive() {
    let _cluster = CLUSTER.write().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let leader = cluster.leader().await;
    let first = &cluster.nodes[0];
    // The victim: neither the first node (the tests' colonies are made there) nor the leader.
    let victim = cluster
        .nodes
        .iter()
        .skip(1)
        .find(|n| n.name != leader)
        .unwrap()
        .clone();
    let survivors: Vec<&Node> = cluster.nodes.iter().filter(|n| **n != victim).collect();

    let pid = submit_on(&colony, first, &["ch"]).await.processid;
    assign_on(&colony, first, Duration::from_secs(5))
        .await
        .unwrap();
    for sequence in 1..=3 {
        append(&colony.executor, &victim, &pid, sequence)
            .await
            .unwrap();
    }
    assert_eq!(read(&colony.user, &victim, &pid).await.unwrap().len(), 3);

    let killed = Killed::kill(&victim.name).await;
    for node in &survivors {
        let process = on(&colony.user, node).get_process(&pid).await.unwrap();
        assert_eq!(process.state, ProcessState::Running);
        submit_on(&colony, node, &[]).await;
        // The dead node is still listed (the list is etcd's members), and a follower's death
        // leaves the leader where it was.
        let listed = cluster.server_on(node).get_cluster().await.unwrap();
        assert!(listed.nodes.iter().any(|n| n.name == victim.name));
        assert_eq!(listed.nodes.len(), cluster.nodes.len());
        assert_eq!(listed.leader.name, leader);
    }
    let down = on(&colony.user, &victim)
        .get_process(&pid)
        .await
        .unwrap_err();
    assert_eq!(down.kind(), ErrorKind::Connection, "{down}");
    killed.start().await;

    let process = on(&colony.user, &victim).get_process(&pid).await.unwrap();
    assert_eq!(process.state, ProcessState::Running);
    // Its copy is made anew, empty, with the process's executor.
    assert!(read(&colony.user, &victim, &pid).await.unwrap().is_empty());
    append(&colony.executor, &victim, &pid, 4).await.unwrap();
    assert_eq!(read(&colony.user, &victim, &pid).await.unwrap().len(), 1);
    assert_eq!(cluster.leader().await, leader);
}

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn when_the_leader_dies_another_node_leads_and_keeps_leading() {
    let _cluster = CLUSTER.write().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let old = cluster.leader().await;
    let survivors: Vec<&Node> = cluster.nodes.iter().filter(|n| n.name != old).collect();

    let killed = Killed::kill(&old).await;
    let killed_at = Instant::now();
    // For a moment the survivors still name the dead leader; in exclusive mode an assign they
    // forward to it then fails with the forwarding's error (HTTP 500), not "no work".
    if cluster.exclusive && cluster.leader_seen_by(survivors[0]).await == old {
        let forwarded = on(&colony.executor, survivors[0])
            .assign(&colony.name, Duration::from_secs(1))
            .await;
        if cluster.leader_seen_by(survivors[0]).await == old {
            let error = forwarded.expect_err("an assign forwarded to a dead leader");
            assert_eq!(error.kind(), ErrorKind::Server, "{error}");
            assert!(error.message().contains("connection refused"), "{error}");
            println!("assign forwarded to the dead leader: {error}");
        }
    }
    let new = cluster.agreed_leader(&survivors, Some(&old)).await;
    println!(
        "leader {old} killed; {new} leads after {:?}",
        killed_at.elapsed()
    );
    for node in &survivors {
        let listed = cluster.server_on(node).get_cluster().await.unwrap();
        assert_eq!(
            listed.nodes.len(),
            cluster.nodes.len(),
            "the dead leader is still listed"
        );
        // Assignment goes on through either survivor (in exclusive mode, forwarded to the
        // new leader).
        let submitted = submit_on(&colony, survivors[0], &[]).await;
        let assigned = assign_on(&colony, node, Duration::from_secs(5))
            .await
            .expect("assigned while the old leader is down");
        assert_eq!(assigned.processid, submitted.processid);
    }
    killed.start().await;
    assert_eq!(
        cluster.leader().await,
        new,
        "the old leader rejoins as a follower"
    );
    assert_eq!(cluster.leader_seen_by(cluster.node(&old)).await, new);
}

/// A node relays each process event to the other nodes in the order of the cluster's list and
/// stops at the first that does not answer: with n2 dead, a submit on n1 does not wake an
/// executor waiting on n3.
#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn a_dead_node_stops_the_relay_to_the_nodes_listed_after_it() {
    let _cluster = CLUSTER.write().await;
    let cluster = cluster();
    let colony = TestColony::new().await;
    let (submit_node, dead, executor_node) =
        (&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]);

    let killed = Killed::kill(&dead.name).await;
    let survivors = [submit_node, executor_node];
    let leader = cluster.agreed_leader(&survivors, Some(&dead.name)).await;
    // Where the waiter waits: E itself, or the leader its assign is forwarded to.
    let waiting_on = if cluster.exclusive {
        leader.clone()
    } else {
        executor_node.name.clone()
    };
    let woken_expected = waiting_on == submit_node.name;

    let waiter = waiting_assign(&colony, executor_node, Duration::from_secs(6)).await;
    let submitted = submit_on(&colony, submit_node, &[]).await;
    let woken = waiter.await.unwrap().unwrap();
    println!(
        "exclusive {}, leader {leader}, waiting on {waiting_on}: woken {}",
        cluster.exclusive,
        woken.is_some()
    );
    assert_eq!(woken.is_some(), woken_expected);
    if !woken_expected {
        // The process waited all along; the next assign takes it at once.
        let read = on(&colony.user, submit_node)
            .get_process(&submitted.processid)
            .await
            .unwrap();
        assert_eq!(read.state, ProcessState::Waiting);
        let assigned = assign_on(&colony, executor_node, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(assigned.processid, submitted.processid);
    }
    killed.start().await;

    // With every node back, the same wait is woken.
    let waiter = waiting_assign(&colony, executor_node, Duration::from_secs(20)).await;
    let submitted = submit_on(&colony, submit_node, &[]).await;
    let woken = waiter
        .await
        .unwrap()
        .unwrap()
        .expect("woken with every node up");
    assert_eq!(woken.processid, submitted.processid);
}
