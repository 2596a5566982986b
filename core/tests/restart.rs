//! Server restarts during a stream. The server keeps channel logs in memory, so a restart
//! starts every log anew, empty; the process (in PostgreSQL) lives on. A stream must notice
//! that the log it resumes is not the one it left and lose nothing a writer sends again; the
//! writer must reconnect and send again what the server had not acknowledged.
//!
//! The tests restart the server of `tests/server/up` (`tests/server/restart`), so they live in a
//! test binary of their own and run one at a time.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

mod common;

use std::time::Duration;

use colonykit::{ChannelWriter, ErrorKind, SubscribeOptions, WriterOptions};
use common::{restart_server, TestColony};
use futures::StreamExt;
use tokio::sync::Mutex;

/// One test at a time: a restart would break another test's calls.
static SERVER: Mutex<()> = Mutex::const_new(());

/// A running process with a `data` channel, and the executor's writer for it.
async fn writer_of_a_running_process(
    reconnect_deadline: Duration,
) -> (TestColony, String, ChannelWriter) {
    let colony = TestColony::new().await;
    let pid = colony.running(&["data"]).await.processid;
    let options = WriterOptions {
        reconnect_deadline: Some(reconnect_deadline),
        ..WriterOptions::default()
    };
    let writer = colony
        .executor
        .channel_writer_with(&pid, "data", options)
        .await
        .unwrap();
    (colony, pid, writer)
}

#[tokio::test]
async fn a_stream_and_a_writer_ride_out_two_server_restarts() {
    const ENTRIES: i64 = 1_500;
    let _server = SERVER.lock().await;
    let (colony, pid, mut writer) = writer_of_a_running_process(Duration::from_secs(30)).await;
    let writing = tokio::spawn(async move {
        for sequence in 1..=ENTRIES {
            writer.send(sequence.to_string()).await?;
        }
        writer.end().await
    });
    // The restarts happen beside the reader, which keeps reading: past the 256 positions a
    // resume re-reads, where a lost log used to lose entries. (A reader that stopped reading
    // would lose what the server had acknowledged but not yet pushed when it died: that is
    // gone with the server's memory, for any client.)
    let (progress, mut seen) = tokio::sync::watch::channel(0usize);
    let restarts = tokio::spawn(async move {
        for (at, kill) in [(600, false), (1_100, true)] {
            seen.wait_for(|&received| received >= at).await.unwrap();
            restart_server(kill).await;
        }
    });

    let mut stream = colony.user.subscribe_channel(&pid, "data").unwrap();
    let mut received = Vec::new();
    while let Some(entry) = tokio::time::timeout(Duration::from_secs(60), stream.next())
        .await
        .expect("the stream keeps moving")
    {
        received.push(entry.unwrap().sequence);
        progress.send_replace(received.len());
    }
    restarts.await.unwrap();
    let stats = writing
        .await
        .unwrap()
        .expect("the writer rides out the restarts");

    let expected: Vec<i64> = (1..=ENTRIES + 1).collect();
    let missing: Vec<i64> = expected
        .iter()
        .copied()
        .filter(|s| !received.contains(s))
        .collect();
    // An entry the server acknowledged and queued for this reader, but had not written to its
    // socket at the instant it was stopped, is gone with its memory: at most one per restart.
    // (Before streams noticed a new log, 93-164 of 3,000 entries were lost over two restarts.)
    assert!(
        missing.len() <= 2,
        "lost {} entries: {missing:?}",
        missing.len()
    );
    assert!(
        received.windows(2).all(|pair| pair[0] < pair[1]),
        "in order, none twice"
    );
    assert_eq!(received.last(), Some(&(ENTRIES + 1)));
    if !missing.is_empty() {
        println!("lost at a restart instant: {missing:?}");
    }
    assert!(stats.reconnects >= 2, "{stats:?}");
    assert_eq!(stats.written, ENTRIES as u64 + 1);
}

#[tokio::test]
async fn a_writer_that_cannot_reach_the_server_again_says_what_was_not_accepted() {
    let _server = SERVER.lock().await;
    let (colony, pid, mut writer) = writer_of_a_running_process(Duration::from_millis(300)).await;
    for sequence in 1..=3 {
        writer.send(sequence.to_string()).await.unwrap();
    }
    // Wait until the three are written, then take the server away for longer than the deadline.
    let mut stream = colony
        .user
        .subscribe_channel_with(&pid, "data", SubscribeOptions::default())
        .unwrap();
    for _ in 1..=3 {
        stream.next().await.unwrap().unwrap();
    }
    drop(stream);
    let restart = tokio::spawn(restart_server(true));
    // Until the server is gone (the restart takes seconds; it is down for most of them).
    let gone = tokio::time::Instant::now() + Duration::from_secs(10);
    while colony.user.server_version().await.is_ok() {
        assert!(
            tokio::time::Instant::now() < gone,
            "the server did not go away"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut failure = None;
    for sequence in 4..=6 {
        if let Err(error) = writer.send(sequence.to_string()).await {
            failure = Some(error);
            break;
        }
    }
    let error = match failure {
        Some(error) => error,
        None => writer.end().await.unwrap_err(),
    };
    restart.await.unwrap();
    assert!(
        matches!(error.kind(), ErrorKind::Connection | ErrorKind::Timeout),
        "{error}"
    );
    let progress = error
        .write_progress()
        .expect("the error says what was written");
    assert_eq!(progress.accepted, 3, "{error}");
    assert!(!progress.not_accepted.is_empty(), "{error}");
    assert!(
        progress.not_accepted.iter().all(|s| (4..=7).contains(s)),
        "{error}"
    );
    assert!(error.message().contains("not accepted"), "{error}");
}
