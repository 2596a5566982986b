//! Bad input gets a typed error that says what was wrong, never a panic, never the key.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

mod common;

use std::time::Duration;

use colonykit::{Client, ErrorKind, NewEntry, PrivateKey};
use common::{server_address, TestColony};
use futures::StreamExt;

#[test]
fn invalid_private_keys() {
    let good = PrivateKey::generate().to_hex();
    for bad in [
        &good[..63],
        &format!("{good}0"),
        &format!("g{}", &good[1..]),
        "",
    ] {
        let err = PrivateKey::from_hex(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().contains("private key"), "{err}");
        if !bad.is_empty() {
            assert!(!err.to_string().contains(bad));
        }
    }
}

#[test]
fn malformed_server_addresses() {
    for bad in [
        "localhost:50080",
        "http//x",
        "tcp://127.0.0.1:1",
        "http://:50080",
    ] {
        let err = Client::builder(bad).build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
        assert!(err.message().contains("malformed server address"), "{err}");
    }
}

#[tokio::test]
async fn unreachable_server() {
    let key = PrivateKey::generate();
    let hex = key.to_hex();
    // Port 9 (discard) on loopback: nothing listens there.
    // A stream that never connected keeps trying for the client's timeout, then gives up.
    let client = Client::builder("http://127.0.0.1:9")
        .key(key)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let err = client.get_colony("dev").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(err.message().contains("127.0.0.1:9"), "{err}");
    assert!(!err.to_string().contains(&hex));

    let mut stream = client.subscribe_channel("p", "c").unwrap();
    let err = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
}

#[tokio::test]
async fn unknown_process_id() {
    let colony = TestColony::new().await;
    let unknown = "0".repeat(64);
    let err = colony.user.get_process(&unknown).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.status(), Some(404));
    let err = colony
        .user
        .append(&unknown, "c", NewEntry::data(1, "x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn undeclared_channel() {
    let colony = TestColony::new().await;
    let process = colony.running(&["declared"]).await;
    let err = colony
        .executor
        .append(&process.processid, "undeclared", NewEntry::data(1, "x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.message().contains("Channel not found"), "{err}");
}

#[tokio::test]
async fn caller_who_is_not_a_member() {
    let colony = TestColony::new().await;
    let stranger_key = PrivateKey::generate();
    let hex = stranger_key.to_hex();
    let stranger = colony.user.with_key(stranger_key);
    let err = stranger.get_colony(&colony.name).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.status(), Some(403));
    assert!(err.message().contains("not a member"), "{err}");
    assert!(!format!("{err} {err:?}").contains(&hex));
    let err = stranger.submit(&colony.spec("f", &[])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn calls_without_a_key() {
    let client = Client::builder(server_address()).build().unwrap();
    let err = client.get_colony("dev").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(client.subscribe_channel("p", "c").is_err());
}

#[tokio::test]
async fn zero_timeouts_are_refused() {
    let colony = TestColony::new().await;
    let err = colony
        .executor
        .assign(&colony.name, Duration::ZERO)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let err = colony
        .user
        .wait_for_state("p", colonykit::ProcessState::Running, Duration::ZERO)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn maxexectime_zero_is_refused() {
    let colony = TestColony::new().await;
    let mut spec = colony.spec("f", &[]);
    spec.maxexectime = 0;
    let err = colony.user.submit(&spec).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn non_json_reply_from_a_wrong_path() {
    // The server answers unknown paths with a plain-text 404.
    let key = PrivateKey::generate();
    let client = Client::new(&format!("{}/nothing-here", server_address()), key).unwrap();
    let err = client.get_colony("dev").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.message().contains("404 page not found"), "{err}");
}

#[tokio::test]
async fn payloads_over_the_servers_limit_are_refused_before_upload() {
    let colony = TestColony::new().await;
    let process = colony.running(&["c"]).await;
    let too_big = vec![0u8; colonykit::MAX_PAYLOAD + 1];
    let err = colony
        .executor
        .append(&process.processid, "c", NewEntry::data(1, too_big.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("10 MiB"), "{err}");
    let mut writer = colony
        .executor
        .channel_writer(&process.processid, "c")
        .await
        .unwrap();
    assert_eq!(
        writer.send(too_big).await.unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    // Exactly at the limit is fine.
    colony
        .executor
        .append(
            &process.processid,
            "c",
            NewEntry::data(1, vec![7u8; colonykit::MAX_PAYLOAD]),
        )
        .await
        .unwrap();
    let entries = colony
        .user
        .read_channel(&process.processid, "c", 0, 0)
        .await
        .unwrap();
    assert_eq!(entries[0].payload.len(), colonykit::MAX_PAYLOAD);
}

#[tokio::test]
async fn a_server_that_went_away_is_a_connection_error() {
    // A listener that accepts and closes at once: the server "restarted" under the call.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    let client = Client::new(&address, PrivateKey::generate()).unwrap();
    let err = client.get_colony("dev").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
}
