//! A client of a three-node cluster (`COLONYKIT_NODES=3 tests/server/up`, which `make
//! test-cluster` starts): calls that survive a node going away, channels that meet on their
//! home node whatever order each side was given the nodes in, and a lost home reported as
//! `ChannelLost`. The tests stop and start nodes, so they run one at a time; they are ignored
//! by a plain `cargo test`.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

mod common;

use std::time::Duration;

use colonykit::{Client, ErrorKind, ProcessState, SubscribeOptions};
use common::{server_settings, TestColony};
use futures::StreamExt;
use tokio::sync::Mutex;

/// One test at a time: they stop nodes that the others use.
static CLUSTER: Mutex<()> = Mutex::const_new(());

/// `http://host:port` of every node, in the order of `COLONIES_SERVERS`, and their names.
fn nodes() -> Vec<(String, String)> {
    let settings = server_settings();
    let addresses = settings
        .get("COLONIES_SERVERS")
        .expect("COLONYKIT_SERVER_ENV must name the cluster's server.env (make test-cluster)");
    let names = settings["COLONYKIT_NODES"].split(',').map(str::to_string);
    let nodes: Vec<_> = names
        .zip(addresses.split(',').map(|a| format!("http://{a}")))
        .collect();
    assert!(nodes.len() >= 3, "the cluster tests need three nodes");
    nodes
}

/// Runs `tests/server/node <action> <name>` on the cluster instance.
fn node(action: &str, name: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/server/node");
    let status = std::process::Command::new(script)
        .args([action, name])
        .env("COLONYKIT_INSTANCE", "cluster")
        .status()
        .unwrap();
    assert!(status.success(), "tests/server/node {action} {name}");
}

/// Starts a stopped node again when dropped, also when the test fails.
struct Stopped(String);

impl Stopped {
    fn kill(name: &str) -> Stopped {
        node("kill", name);
        Stopped(name.to_string())
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        node("start", &self.0);
    }
}

/// A client of every node signing as `as_whom` (a client of the test colony), given the nodes
/// in the order `order` says (indexes into `nodes()`).
fn cluster_client(as_whom: &Client, order: [usize; 3]) -> Client {
    let nodes = nodes();
    Client::cluster_builder(order.map(|i| nodes[i].1.clone()))
        .key(as_whom.key().unwrap().clone())
        .timeout(Duration::from_secs(15))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

/// The node whose copy of the channel holds entries (read through each node on its own).
async fn node_holding(colony: &TestColony, processid: &str, channel: &str) -> String {
    for (name, address) in nodes() {
        let alone = Client::builder(&address)
            .key(colony.user.key().unwrap().clone())
            .build()
            .unwrap();
        if !alone
            .read_channel(processid, channel, 0, 0)
            .await
            .unwrap_or_default()
            .is_empty()
        {
            return name;
        }
    }
    panic!("no node holds entries of {processid}/{channel}");
}

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn channels_meet_on_one_node_whatever_order_each_side_was_given() {
    let _cluster = CLUSTER.lock().await;
    let colony = TestColony::new().await;
    let user = cluster_client(&colony.user, [0, 1, 2]);
    let executor = cluster_client(&colony.executor, [2, 1, 0]);
    for round in 0..6 {
        let process = user.submit(&colony.spec("work", &["chat"])).await.unwrap();
        // The submitter writes first: it waits for the assignment, which the executor makes
        // through whichever node it picks.
        let asking = {
            let user = user.clone();
            let pid = process.processid.clone();
            tokio::spawn(async move {
                let entry = colonykit::NewEntry::data(1, format!("question {round}"));
                user.append(&pid, "chat", entry).await
            })
        };
        let assigned = executor
            .assign(&colony.name, Duration::from_secs(10))
            .await
            .unwrap()
            .expect("the process is assigned");
        assert_eq!(assigned.processid, process.processid);
        asking.await.unwrap().unwrap();
        let mut questions = executor
            .subscribe_channel(&process.processid, "chat")
            .unwrap();
        let question = questions.next().await.unwrap().unwrap();
        assert_eq!(question.payload, format!("question {round}").as_bytes());
        let mut writer = executor
            .channel_writer(&process.processid, "chat")
            .await
            .unwrap();
        writer.reply(question.sequence, "answer").await.unwrap();
        writer.end().await.unwrap();
        let mut answers = user.subscribe_channel(&process.processid, "chat").unwrap();
        let mut seen = Vec::new();
        while let Some(entry) = answers.next().await {
            let entry = entry.unwrap();
            seen.push(String::from_utf8(entry.payload.clone()).unwrap());
            if entry.kind == colonykit::EntryKind::End {
                break;
            }
        }
        assert_eq!(
            seen,
            [format!("question {round}"), "answer".into(), String::new()]
        );
        executor.close(&process.processid, vec![]).await.unwrap();
    }
}

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn calls_go_on_when_the_node_in_use_stops_and_it_is_used_again_when_back() {
    let _cluster = CLUSTER.lock().await;
    let colony = TestColony::new().await;
    let nodes = nodes();
    // Two nodes, so that each of them is the one in use in turn.
    let user = Client::cluster_builder([nodes[0].1.clone(), nodes[1].1.clone()])
        .key(colony.user.key().unwrap().clone())
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let process = user.submit(&colony.spec("work", &[])).await.unwrap();
    let calls = {
        let user = user.clone();
        let pid = process.processid.clone();
        tokio::spawn(async move {
            let mut done = 0;
            for _ in 0..300 {
                user.get_process(&pid).await?;
                done += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok::<_, colonykit::Error>(done)
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    {
        let _second = Stopped::kill(&nodes[1].0);
        tokio::time::sleep(Duration::from_secs(1)).await;
        user.submit(&colony.spec("work", &[])).await.unwrap();
    }
    // The second node is back: stopping the first leaves only it, which the client must try
    // again rather than forget.
    {
        let _first = Stopped::kill(&nodes[0].0);
        assert_eq!(calls.await.unwrap().unwrap(), 300, "no read failed");
        let read = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match user.get_process(&process.processid).await {
                    Ok(process) => return process,
                    Err(error) => assert_eq!(error.kind(), ErrorKind::Connection, "{error}"),
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
        .await
        .expect("the node that came back answers");
        assert_eq!(read.state, ProcessState::Waiting);
        user.submit(&colony.spec("work", &[])).await.unwrap();
    }
}

#[tokio::test]
#[ignore = "needs the cluster test instance: make test-cluster"]
async fn losing_the_node_of_a_channel_is_reported_as_channel_lost() {
    let _cluster = CLUSTER.lock().await;
    let colony = TestColony::new().await;
    let user = cluster_client(&colony.user, [1, 2, 0]);
    let executor = cluster_client(&colony.executor, [0, 2, 1]);
    let process = user.submit(&colony.spec("work", &["data"])).await.unwrap();
    executor
        .assign(&colony.name, Duration::from_secs(10))
        .await
        .unwrap()
        .expect("the process is assigned");
    let pid = process.processid;
    let mut writer = executor.channel_writer(&pid, "data").await.unwrap();
    writer.send("before").await.unwrap();
    let options = SubscribeOptions {
        idle_timeout: Some(Duration::from_secs(60)),
        ..SubscribeOptions::default()
    };
    let mut stream = user.subscribe_channel_with(&pid, "data", options).unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().payload, b"before");
    let home = node_holding(&colony, &pid, "data").await;
    let _home = Stopped::kill(&home);
    let ended = tokio::time::timeout(Duration::from_secs(30), stream.next())
        .await
        .expect("the stream ends, it does not hang")
        .expect("with an error");
    let error = ended.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ChannelLost, "{error}");
    assert!(error.message().contains("does not answer"), "{error}");
    let written = async {
        for n in 0..50 {
            writer.send(format!("after {n}")).await?;
        }
        writer.finish().await
    };
    let error = tokio::time::timeout(Duration::from_secs(60), written)
        .await
        .expect("the writer gives up, it does not hang")
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ChannelLost, "{error}");
    assert!(error.write_progress().is_some());
    let error = user
        .append(&pid, "data", colonykit::NewEntry::data(7, "x"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ChannelLost, "{error}");
    // Ordinary calls go on through the other nodes.
    executor.close(&pid, vec![]).await.unwrap();
}
