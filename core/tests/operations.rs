//! Every operation of the core against a real server.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

mod common;

use std::time::Duration;

use colonykit::{
    Client, EntryKind, ErrorKind, Executor, ExecutorState, NewEntry, PrivateKey, ProcessState, User,
};
use common::{server_address, server_client, unique, TestColony};
use futures::StreamExt;
use serde_json::json;

const SHORT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn server_version_needs_no_key() {
    let client = Client::builder(server_address()).build().unwrap();
    client.server_version().await.unwrap();
}

#[tokio::test]
async fn colonies_are_added_listed_and_removed() {
    let server = server_client();
    let key = PrivateKey::generate();
    let name = unique("colony");
    let colony = server.add_colony(key.id(), &name).await.unwrap();
    assert_eq!(colony.name, name);
    assert_eq!(colony.colonyid, key.id());
    let all = server.get_colonies().await.unwrap();
    assert!(all.iter().any(|c| c.name == name));
    server.remove_colony(&name).await.unwrap();
    let all = server.get_colonies().await.unwrap();
    assert!(!all.iter().any(|c| c.name == name));
}

#[tokio::test]
async fn members_read_their_colony() {
    let colony = TestColony::new().await;
    let got = colony.user.get_colony(&colony.name).await.unwrap();
    assert_eq!(got.name, colony.name);
}

#[tokio::test]
async fn executors_are_added_approved_rejected_and_removed() {
    let colony = TestColony::new().await;
    let key = PrivateKey::generate();
    let name = unique("exec");
    let added = colony
        .owner
        .add_executor(&Executor::new(key.id(), "other", &name, &colony.name))
        .await
        .unwrap();
    assert_eq!(added.state, ExecutorState::Pending);

    colony
        .owner
        .approve_executor(&colony.name, &name)
        .await
        .unwrap();
    let got = colony.user.get_executor(&colony.name, &name).await.unwrap();
    assert_eq!(got.state, ExecutorState::Approved);
    assert_eq!(got.executorid, key.id());

    colony
        .owner
        .reject_executor(&colony.name, &name)
        .await
        .unwrap();
    let got = colony.user.get_executor(&colony.name, &name).await.unwrap();
    assert_eq!(got.state, ExecutorState::Rejected);

    let listed = colony.user.get_executors(&colony.name).await.unwrap();
    assert!(listed.iter().any(|e| e.executorname == name));

    colony
        .owner
        .remove_executor(&colony.name, &name)
        .await
        .unwrap();
    // Server finding (v1.9.12): a removed executor stays listed, in state UNREGISTERED.
    let got = colony.user.get_executor(&colony.name, &name).await.unwrap();
    assert_eq!(got.state, ExecutorState::Unregistered);
}

#[tokio::test]
async fn executor_names_with_colons_are_refused_before_sending() {
    let colony = TestColony::new().await;
    let key = PrivateKey::generate();
    let err = colony
        .owner
        .add_executor(&Executor::new(key.id(), "t", "a:b", &colony.name))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn users_are_added_listed_and_removed() {
    let colony = TestColony::new().await;
    let key = PrivateKey::generate();
    let name = unique("alice");
    let user = colony
        .owner
        .add_user(&User {
            colonyname: colony.name.clone(),
            userid: key.id().into(),
            name: name.clone(),
            email: "alice@example.org".into(),
            ..User::default()
        })
        .await
        .unwrap();
    assert_eq!(user.name, name);
    let users = colony.user.get_users(&colony.name).await.unwrap();
    assert!(users
        .iter()
        .any(|u| u.name == name && u.email == "alice@example.org"));
    colony.owner.remove_user(&colony.name, &name).await.unwrap();
    let users = colony.user.get_users(&colony.name).await.unwrap();
    assert!(!users.iter().any(|u| u.name == name));
}

#[tokio::test]
async fn submit_assign_output_and_close() {
    let colony = TestColony::new().await;
    let mut spec = colony.spec("add", &[]);
    spec.args = vec![json!(1), json!(2)];
    spec.kwargs.insert("round".into(), json!(true));
    let submitted = colony.user.submit(&spec).await.unwrap();
    assert_eq!(submitted.state, ProcessState::Waiting);
    assert_eq!(submitted.spec.maxexectime, -1);

    let waiting = colony
        .user
        .get_processes(&colony.name, ProcessState::Waiting, 100)
        .await
        .unwrap();
    assert!(waiting.iter().any(|p| p.processid == submitted.processid));

    let process = colony
        .executor
        .assign(&colony.name, SHORT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(process.processid, submitted.processid);
    assert_eq!(process.state, ProcessState::Running);
    assert_eq!(process.spec.args, vec![json!(1), json!(2)]);

    colony
        .executor
        .set_output(&process.processid, vec![json!("partial")])
        .await
        .unwrap();
    let got = colony.user.get_process(&process.processid).await.unwrap();
    assert_eq!(got.output, vec![json!("partial")]);

    colony
        .executor
        .close(&process.processid, vec![json!(3), json!({"ok": true})])
        .await
        .unwrap();
    let done = colony
        .user
        .wait_for_state(&process.processid, ProcessState::Success, SHORT)
        .await
        .unwrap();
    assert_eq!(done.output, vec![json!(3), json!({"ok": true})]);

    colony
        .user
        .remove_process(&process.processid)
        .await
        .unwrap();
    let err = colony
        .user
        .get_process(&process.processid)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn failed_processes_carry_their_errors() {
    let colony = TestColony::new().await;
    let process = colony.running(&[]).await;
    colony
        .executor
        .fail(&process.processid, vec!["it broke".into()])
        .await
        .unwrap();
    let failed = colony
        .user
        .wait_for_state(&process.processid, ProcessState::Failed, SHORT)
        .await
        .unwrap();
    assert_eq!(failed.errors, vec!["it broke".to_string()]);
}

#[tokio::test]
async fn waiting_for_a_state_the_process_cannot_reach_ends_early() {
    let colony = TestColony::new().await;
    let process = colony.running(&[]).await;
    let waiter = colony.user.clone();
    let pid = process.processid.clone();
    let wait = tokio::spawn(async move {
        waiter
            .wait_for_state(&pid, ProcessState::Success, Duration::from_secs(30))
            .await
    });
    colony
        .executor
        .fail(&process.processid, vec!["no".into()])
        .await
        .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProcessClosed);
}

#[tokio::test]
async fn waiting_for_state_times_out() {
    let colony = TestColony::new().await;
    let process = colony.user.submit(&colony.spec("idle", &[])).await.unwrap();
    let started = std::time::Instant::now();
    let err = colony
        .user
        .wait_for_state(
            &process.processid,
            ProcessState::Running,
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn assign_without_work_returns_none() {
    let colony = TestColony::new().await;
    let got = colony
        .executor
        .assign(&colony.name, Duration::from_secs(1))
        .await
        .unwrap();
    assert!(got.is_none());
}

#[tokio::test]
async fn assign_long_polls_until_work_arrives() {
    let colony = TestColony::new().await;
    let executor = colony.executor.clone();
    let name = colony.name.clone();
    let poll = tokio::spawn(async move { executor.assign(&name, SHORT).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let submitted = colony.user.submit(&colony.spec("late", &[])).await.unwrap();
    let assigned = poll.await.unwrap().unwrap().unwrap();
    assert_eq!(assigned.processid, submitted.processid);
}

#[tokio::test]
async fn cancel_marks_the_process_cancelled() {
    let colony = TestColony::new().await;
    let process = colony
        .user
        .submit(&colony.spec("cancel-me", &[]))
        .await
        .unwrap();
    colony.user.cancel(&process.processid).await.unwrap();
    let got = colony.user.get_process(&process.processid).await.unwrap();
    assert_eq!(got.state, ProcessState::Cancelled);
}

#[tokio::test]
async fn channel_append_and_read_with_binary_payloads() {
    let colony = TestColony::new().await;
    let process = colony.running(&["data"]).await;
    let pid = &process.processid;
    let binary = vec![0u8, 0xff, 0xfe, 0x80, b'\n'];
    colony
        .executor
        .append(pid, "data", NewEntry::data(1, binary.clone()))
        .await
        .unwrap();
    colony
        .user
        .append(pid, "data", NewEntry::data(1, "question"))
        .await
        .unwrap();
    colony
        .executor
        .append(pid, "data", NewEntry::data(2, "answer").in_reply_to(1))
        .await
        .unwrap();
    colony
        .executor
        .append(pid, "data", NewEntry::error(3, "bad"))
        .await
        .unwrap();
    colony
        .executor
        .append(pid, "data", NewEntry::end(4))
        .await
        .unwrap();

    let all = colony.user.read_channel(pid, "data", 0, 0).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].payload, binary);
    assert_eq!(all[0].senderid, colony.executor.key().unwrap().id());
    assert_eq!(all[1].senderid, colony.user.key().unwrap().id());
    assert_eq!(all[2].inreplyto, 1);
    assert_eq!(all[3].kind, EntryKind::Error);
    assert_eq!(all[4].kind, EntryKind::End);
    assert!(all[4].payload.is_empty());

    let page = colony.user.read_channel(pid, "data", 2, 2).await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].payload, b"answer");
    let rest = colony.user.read_channel(pid, "data", 5, 0).await.unwrap();
    assert!(rest.is_empty());
}

#[tokio::test]
async fn subscription_yields_backlog_then_live_entries_then_ends() {
    let colony = TestColony::new().await;
    let process = colony.running(&["progress"]).await;
    let pid = process.processid.clone();
    for seq in 1..=3 {
        colony
            .executor
            .append(
                &pid,
                "progress",
                NewEntry::data(seq, format!("early {seq}")),
            )
            .await
            .unwrap();
    }
    let mut stream = colony.user.subscribe_channel(&pid, "progress").unwrap();
    let executor = colony.executor.clone();
    let writer = tokio::spawn({
        let pid = pid.clone();
        async move {
            for seq in 4..=20 {
                executor
                    .append(&pid, "progress", NewEntry::data(seq, format!("live {seq}")))
                    .await
                    .unwrap();
            }
            executor
                .append(&pid, "progress", NewEntry::end(21))
                .await
                .unwrap();
        }
    });
    let mut sequences = Vec::new();
    while let Some(entry) = tokio::time::timeout(SHORT, stream.next()).await.unwrap() {
        sequences.push(entry.unwrap().sequence);
    }
    writer.await.unwrap();
    assert_eq!(sequences, (1..=21).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_live_entry_far_larger_than_the_read_buffer_arrives_whole() {
    // A subscription reads its socket 1 kB at a time; a frame announced as larger must still
    // arrive whole.
    let colony = TestColony::new().await;
    let process = colony.running(&["big"]).await;
    let pid = process.processid.clone();
    let executor = &colony.executor;
    executor
        .append(&pid, "big", NewEntry::data(1, "small"))
        .await
        .unwrap();
    let mut stream = colony.user.subscribe_channel(&pid, "big").unwrap();
    let first = tokio::time::timeout(SHORT, stream.next()).await.unwrap();
    assert_eq!(first.unwrap().unwrap().payload, b"small");
    // Appended after the backlog was read: it comes over the websocket.
    let large: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    executor
        .append(&pid, "big", NewEntry::data(2, large.clone()))
        .await
        .unwrap();
    let second = tokio::time::timeout(SHORT, stream.next()).await.unwrap();
    assert_eq!(second.unwrap().unwrap().payload, large);
}

#[tokio::test]
async fn subscription_can_start_after_a_position() {
    let colony = TestColony::new().await;
    let process = colony.running(&["c"]).await;
    let pid = &process.processid;
    for seq in 1..=5 {
        colony
            .executor
            .append(pid, "c", NewEntry::data(seq, "x"))
            .await
            .unwrap();
    }
    colony
        .executor
        .append(pid, "c", NewEntry::end(6))
        .await
        .unwrap();
    let options = colonykit::SubscribeOptions {
        after: 3,
        idle_timeout: Some(SHORT),
        ..colonykit::SubscribeOptions::default()
    };
    let entries: Vec<_> = colony
        .user
        .subscribe_channel_with(pid, "c", options)
        .unwrap()
        .map(|e| e.unwrap().sequence)
        .collect()
        .await;
    assert_eq!(entries, vec![4, 5, 6]);
}

#[tokio::test]
async fn close_ends_a_pending_next_at_once() {
    let colony = TestColony::new().await;
    let process = colony.running(&["quiet"]).await;
    let mut stream = colony
        .user
        .subscribe_channel(&process.processid, "quiet")
        .unwrap();
    let closer = stream.closer();
    let pending = tokio::spawn(async move { stream.next().await.is_none() });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    closer.close();
    let ended = tokio::time::timeout(Duration::from_secs(1), pending)
        .await
        .unwrap()
        .unwrap();
    assert!(ended);
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn next_is_cancel_safe() {
    let colony = TestColony::new().await;
    let process = colony.running(&["c"]).await;
    let pid = &process.processid;
    let mut stream = colony.user.subscribe_channel(pid, "c").unwrap();
    // Abandon several pending next() calls; no entry may be lost because of it.
    for _ in 0..3 {
        let _ = tokio::time::timeout(Duration::from_millis(50), stream.next()).await;
    }
    for seq in 1..=3 {
        colony
            .executor
            .append(pid, "c", NewEntry::data(seq, "x"))
            .await
            .unwrap();
    }
    for seq in 1..=3 {
        let entry = tokio::time::timeout(SHORT, stream.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(entry.sequence, seq);
    }
}

#[tokio::test]
async fn idle_timeout_ends_the_stream_with_an_error() {
    let colony = TestColony::new().await;
    let process = colony.running(&["c"]).await;
    let options = colonykit::SubscribeOptions {
        after: 0,
        idle_timeout: Some(Duration::from_millis(500)),
        ..colonykit::SubscribeOptions::default()
    };
    let mut stream = colony
        .user
        .subscribe_channel_with(&process.processid, "c", options)
        .unwrap();
    let err = tokio::time::timeout(SHORT, stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(stream.next().await.is_none());
}

async fn stream_sees_the_process_close(close: impl AsyncFnOnce(&TestColony, &str)) {
    let colony = TestColony::new().await;
    let process = colony.running(&["c"]).await;
    let pid = process.processid.clone();
    let mut stream = colony.user.subscribe_channel(&pid, "c").unwrap();
    colony
        .executor
        .append(&pid, "c", NewEntry::data(1, "only"))
        .await
        .unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.payload, b"only");
    close(&colony, &pid).await;
    let err = tokio::time::timeout(SHORT, stream.next())
        .await
        .expect("the stream notices within a bounded time")
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProcessClosed, "{err}");
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn stream_ends_when_the_process_succeeds() {
    stream_sees_the_process_close(async |colony, pid| {
        colony.executor.close(pid, vec![]).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn stream_ends_when_the_process_fails() {
    stream_sees_the_process_close(async |colony, pid| {
        colony.executor.fail(pid, vec!["x".into()]).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn stream_ends_when_the_process_is_cancelled() {
    stream_sees_the_process_close(async |colony, pid| {
        colony.user.cancel(pid).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn subscribing_to_a_closed_process_says_so() {
    let colony = TestColony::new().await;
    let process = colony.running(&["c"]).await;
    colony
        .executor
        .close(&process.processid, vec![])
        .await
        .unwrap();
    let mut stream = colony
        .user
        .subscribe_channel(&process.processid, "c")
        .unwrap();
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProcessClosed, "{err}");
}

#[tokio::test]
async fn sync_ack_closes_only_after_the_acknowledgement() {
    let colony = TestColony::new().await;
    let process = colony.running(&["output", "sync"]).await;
    let pid = process.processid.clone();
    for seq in 1..=3 {
        colony
            .executor
            .append(&pid, "output", NewEntry::data(seq, "x"))
            .await
            .unwrap();
    }
    colony
        .executor
        .append(&pid, "output", NewEntry::end(4))
        .await
        .unwrap();
    let executor = colony.executor.clone();
    let closing = tokio::spawn({
        let pid = pid.clone();
        async move {
            executor
                .close_after_ack(&pid, "sync", vec![json!("synced")], SHORT)
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Without the acknowledgement the process is still running and its channels readable.
    assert_eq!(
        colony.user.get_process(&pid).await.unwrap().state,
        ProcessState::Running
    );
    let received: Vec<_> = colony
        .user
        .subscribe_channel(&pid, "output")
        .unwrap()
        .map(|e| e.unwrap())
        .collect()
        .await;
    assert_eq!(received.len(), 4);
    colony.user.acknowledge(&pid, "sync").await.unwrap();
    closing.await.unwrap().unwrap();
    let done = colony
        .user
        .wait_for_state(&pid, ProcessState::Success, SHORT)
        .await
        .unwrap();
    assert_eq!(done.output, vec![json!("synced")]);
}

#[tokio::test]
async fn wait_for_ack_times_out_without_one() {
    let colony = TestColony::new().await;
    let process = colony.running(&["sync"]).await;
    let err = colony
        .executor
        .wait_for_ack(&process.processid, "sync", Duration::from_millis(700))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn a_waiter_subscribed_before_the_close_gets_the_output() {
    // Server finding: the SUCCESS event's copy of the process has no output; the stored one does.
    let colony = TestColony::new().await;
    let process = colony.running(&[]).await;
    let waiter = colony.user.clone();
    let pid = process.processid.clone();
    let wait = tokio::spawn(async move {
        waiter
            .wait_for_state(&pid, ProcessState::Success, SHORT)
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    colony
        .executor
        .close(&process.processid, vec![json!("result")])
        .await
        .unwrap();
    let done = wait.await.unwrap().unwrap();
    assert_eq!(done.output, vec![json!("result")]);
}
