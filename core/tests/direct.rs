//! Calls from synchronous code through `colonykit::direct::block_on`, against a real server.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

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

/// Wakes counted, as an event loop's task would be.
#[derive(Default)]
struct Wakes(std::sync::atomic::AtomicUsize);

impl std::task::Wake for Wakes {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Waits up to `timeout` for `descriptor` to be readable, as an event loop's selector does.
#[cfg(unix)]
fn readable(descriptor: i64, timeout: Duration) -> bool {
    let mut watched = libc::pollfd {
        fd: i32::try_from(descriptor).unwrap(),
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = i32::try_from(timeout.as_millis()).unwrap();
    // SAFETY: one valid pollfd, for the duration of the call.
    unsafe { libc::poll(&mut watched, 1, millis) == 1 }
}

#[cfg(unix)]
#[test]
fn an_event_loop_drives_calls_by_watching_the_descriptor() {
    use std::sync::atomic::Ordering;
    let (_runtime, colony, pid) = colony_and_process();
    let descriptor = direct::descriptor().unwrap();
    let wakes = std::sync::Arc::new(Wakes::default());
    let waker = std::task::Waker::from(std::sync::Arc::clone(&wakes));
    // Four appends in flight, on four connections of this thread.
    let mut calls: Vec<_> = (1..=4)
        .map(|sequence| {
            Some(Box::pin(colony.executor.append(
                &pid,
                "c",
                NewEntry::data(sequence, "x"),
            )))
        })
        .collect();
    let mut turns = 0;
    loop {
        for call in calls.iter_mut() {
            if let Some(pending) = call {
                if let std::task::Poll::Ready(outcome) =
                    direct::poll(pending.as_mut(), &waker).unwrap()
                {
                    outcome.unwrap();
                    *call = None;
                }
            }
        }
        if calls.iter().all(Option::is_none) {
            break;
        }
        assert!(turns < 100, "the calls did not end");
        // Nothing else wakes this loop: the replies must make the descriptor readable.
        assert!(
            readable(descriptor, Duration::from_secs(5)),
            "no wake-up within 5 s"
        );
        direct::turn().unwrap();
        turns += 1;
    }
    assert!(
        wakes.0.load(Ordering::Relaxed) > 0,
        "the calls were woken through their waker"
    );
    // Taken in by the turns: readable again only for what comes next.
    assert!(!readable(descriptor, Duration::ZERO));
    let read = direct::block_on(colony.user.read_channel(&pid, "c", 0, 10))
        .unwrap()
        .unwrap();
    assert_eq!(read.len(), 4);
}

#[test]
fn a_turn_fires_the_timers_that_are_due() {
    let wakes = std::sync::Arc::new(Wakes::default());
    let waker = std::task::Waker::from(std::sync::Arc::clone(&wakes));
    let mut sleep = Box::pin(async { tokio::time::sleep(Duration::from_millis(30)).await });
    assert!(direct::poll(sleep.as_mut(), &waker).unwrap().is_pending());
    std::thread::sleep(Duration::from_millis(40));
    direct::turn().unwrap();
    assert_eq!(wakes.0.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert!(direct::poll(sleep.as_mut(), &waker).unwrap().is_ready());
}
