//! The channel writer: ordered pipelined appends that ride out the server's rate limit.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

mod common;

use std::time::{Duration, Instant};

use colonykit::{EntryKind, ErrorKind, WriterOptions};
use common::TestColony;
use futures::StreamExt;

#[tokio::test]
async fn a_long_stream_keeps_its_order_through_the_rate_limit() {
    // Past the server's burst of 500 the writer has to wait for the 100/s refill.
    const ENTRIES: i64 = 1200;
    let colony = TestColony::new().await;
    let process = colony.running(&["data"]).await;
    let pid = process.processid.clone();

    let reader = tokio::spawn({
        let stream = colony.user.subscribe_channel(&pid, "data").unwrap();
        async move { stream.map(|entry| entry.unwrap()).collect::<Vec<_>>().await }
    });

    let started = Instant::now();
    let mut writer = colony.executor.channel_writer(&pid, "data").await.unwrap();
    let mut burst_done = None;
    for i in 1..=ENTRIES {
        let sequence = writer.send(format!("entry {i}")).await.unwrap();
        assert_eq!(sequence, i);
        if i == 500 {
            burst_done = Some(started.elapsed());
        }
    }
    let stats = writer.end().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(stats.written, ENTRIES as u64 + 1);
    assert_eq!(stats.reordered, 0);

    let received = tokio::time::timeout(Duration::from_secs(30), reader)
        .await
        .unwrap()
        .unwrap();
    let sequences: Vec<i64> = received.iter().map(|e| e.sequence).collect();
    assert_eq!(sequences, (1..=ENTRIES + 1).collect::<Vec<_>>());
    assert_eq!(received.last().unwrap().kind, EntryKind::End);
    assert_eq!(received[41].payload, b"entry 42");

    // A late subscriber reads the long backlog in pages, then ends at the `end` entry.
    let replayed: Vec<i64> = colony
        .user
        .subscribe_channel(&pid, "data")
        .unwrap()
        .map(|entry| entry.unwrap().sequence)
        .collect()
        .await;
    assert_eq!(replayed, sequences);

    let stored = colony.user.read_channel(&pid, "data", 0, 0).await.unwrap();
    let stored: Vec<i64> = stored.iter().map(|e| e.sequence).collect();
    assert_eq!(stored, (1..=ENTRIES + 1).collect::<Vec<_>>());

    println!(
        "writer: {} entries in {elapsed:?} ({:.0}/s); first 500 in {:?}; {} rate-limited appends retried",
        ENTRIES + 1,
        (ENTRIES + 1) as f64 / elapsed.as_secs_f64(),
        burst_done.unwrap(),
        stats.retried
    );
}

#[tokio::test]
async fn the_writer_numbers_with_a_step() {
    let colony = TestColony::new().await;
    let process = colony.running(&["chat"]).await;
    let options = WriterOptions {
        first_sequence: 2,
        step: 2,
        max_in_flight: 4,
        ..WriterOptions::default()
    };
    let mut writer = colony
        .executor
        .channel_writer_with(&process.processid, "chat", options)
        .await
        .unwrap();
    assert_eq!(writer.send("a").await.unwrap(), 2);
    assert_eq!(writer.reply(1, "b").await.unwrap(), 4);
    writer.error("failed").await.unwrap();
    let entries = colony
        .user
        .read_channel(&process.processid, "chat", 0, 0)
        .await
        .unwrap();
    let got: Vec<_> = entries
        .iter()
        .map(|e| (e.sequence, e.inreplyto, e.kind.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (2, 0, EntryKind::Data),
            (4, 1, EntryKind::Data),
            (6, 0, EntryKind::Error)
        ]
    );
}

#[tokio::test]
async fn a_refused_append_stops_the_writer_with_the_servers_error() {
    let colony = TestColony::new().await;
    let process = colony.running(&["declared"]).await;
    let mut writer = colony
        .executor
        .channel_writer(&process.processid, "undeclared")
        .await
        .unwrap();
    // The refusal arrives while later entries are queued; it surfaces on a later call.
    let mut error = None;
    for _ in 0..50 {
        if let Err(e) = writer.send("x").await {
            error = Some(e);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let error = match error {
        Some(error) => error,
        None => writer.finish().await.unwrap_err(),
    };
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    assert!(error.message().contains("sequence 1"), "{error}");
}
