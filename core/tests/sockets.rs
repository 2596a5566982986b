//! Closing or dropping a stream closes its socket at once; a wait that times out leaves none.
//! (One test in its own binary, so that no other test opens sockets meanwhile.)
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

mod common;

use std::time::Duration;

use colonykit::{NewEntry, ProcessState};
use common::TestColony;
use futures::StreamExt;

fn open_sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"))
        .count()
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn streams_and_waits_leave_no_socket_open() {
    let colony = TestColony::new().await;
    let process = colony.running(&["c"]).await;
    let pid = &process.processid;
    colony
        .executor
        .append(pid, "c", NewEntry::data(1, "x"))
        .await
        .unwrap();
    settle().await;
    let before = open_sockets();

    // Dropped after an entry arrived.
    let mut stream = colony.user.subscribe_channel(pid, "c").unwrap();
    stream.next().await.unwrap().unwrap();
    assert_eq!(open_sockets(), before + 1);
    drop(stream);
    settle().await;
    assert_eq!(open_sockets(), before, "drop closes the socket");

    // Closed while a next() is pending.
    let stream = colony
        .user
        .subscribe_channel_with(
            pid,
            "c",
            colonykit::SubscribeOptions {
                after: 1,
                idle_timeout: None,
                ..colonykit::SubscribeOptions::default()
            },
        )
        .unwrap();
    let closer = stream.closer();
    let pending = tokio::spawn(async move {
        let mut stream = stream;
        stream.next().await
    });
    settle().await;
    assert_eq!(open_sockets(), before + 1);
    closer.close();
    assert!(pending.await.unwrap().is_none());
    settle().await;
    assert_eq!(open_sockets(), before, "close closes the socket");

    // A wait that times out.
    let err = colony
        .user
        .wait_for_state(pid, ProcessState::Success, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), colonykit::ErrorKind::Timeout);
    settle().await;
    assert_eq!(open_sockets(), before, "a timed-out wait closes its socket");
}
