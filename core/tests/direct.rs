//! Calls from synchronous code through `colonykit::direct::block_on`, against a real server.

mod common;

use std::time::Duration;

use colonykit::{direct, ErrorKind, NewEntry};
use common::TestColony;

/// A colony made on a runtime of its own (the test itself runs outside any runtime), and a
/// RUNNING process with a channel `c`, submitted and assigned through direct calls.
fn colony_and_process() -> (tokio::runtime::Runtime, TestColony, String) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let colony = runtime.block_on(TestColony::new());
    let process = direct::block_on(async {
        colony.user.submit(&colony.spec("work", &["c"])).await?;
        colony
            .executor
            .assign(&colony.name, Duration::from_secs(5))
            .await
    })
    .unwrap()
    .unwrap()
    .expect("assigned");
    (runtime, colony, process.processid)
}

#[test]
fn calls_run_on_the_calling_thread_and_streams_made_elsewhere_go_on() {
    let (runtime, colony, pid) = colony_and_process();
    // A stream made on the shared runtime, read from synchronous code between direct calls.
    let mut stream = {
        let _entered = runtime.enter();
        colony.user.subscribe_channel(&pid, "c").unwrap()
    };
    for sequence in 1..=20 {
        direct::block_on(colony.executor.append(
            &pid,
            "c",
            NewEntry::data(sequence, format!("entry {sequence}")),
        ))
        .unwrap()
        .unwrap();
    }
    for sequence in 1..=20 {
        let entry = direct::block_on(stream.next_item())
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(entry.sequence, sequence);
    }
    // From another thread too: its own runtime, its own connections.
    let executor = colony.executor.clone();
    let pid_there = pid.clone();
    std::thread::spawn(move || {
        direct::block_on(executor.append(&pid_there, "c", NewEntry::end(21)))
            .unwrap()
            .unwrap();
    })
    .join()
    .unwrap();
    let end = direct::block_on(stream.next_item())
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(end.sequence, 21);
}

#[test]
fn a_writer_cannot_be_made_in_a_direct_call() {
    let (_runtime, colony, pid) = colony_and_process();
    let Err(error) = direct::block_on(colony.executor.channel_writer(&pid, "c")).unwrap() else {
        panic!("a writer was made in a direct call");
    };
    assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{error}");
}

#[test]
fn block_on_inside_an_async_context_is_an_error_not_a_panic() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let error = runtime
        .block_on(async { direct::block_on(async {}) })
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{error}");
    let nested = direct::block_on(async { direct::block_on(async {}).err() }).unwrap();
    assert_eq!(nested.map(|e| e.kind()), Some(ErrorKind::InvalidArgument));
}
