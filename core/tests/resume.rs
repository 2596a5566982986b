//! A channel stream survives dropped connections: it resumes where it stood, losing nothing and
//! repeating nothing. The drops are made by a TCP proxy on loopback that the test controls.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use colonykit::{NewEntry, ProcessState};
use common::{builder_of, client_of, scheme, server_settings, TestColony};
use futures::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards connections to the server; can cut all of them at once, refuse new ones, or hold
/// new ones without forwarding a byte (a stalled network) until told to go on.
struct Proxy {
    address: String,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    refusing: Arc<AtomicBool>,
    stalling: Arc<AtomicBool>,
}

impl Proxy {
    async fn start() -> Proxy {
        let settings = server_settings();
        let upstream = format!(
            "{}:{}",
            settings["COLONIES_SERVER_HOST"], settings["COLONIES_SERVER_PORT"]
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("{}://{}", scheme(), listener.local_addr().unwrap());
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let refusing: Arc<AtomicBool> = Arc::default();
        let stalling: Arc<AtomicBool> = Arc::default();
        let live = Arc::clone(&connections);
        let refuse = Arc::clone(&refusing);
        let stall = Arc::clone(&stalling);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if refuse.load(Ordering::SeqCst) {
                    continue; // dropping the socket closes it
                }
                let upstream = upstream.clone();
                let stall = Arc::clone(&stall);
                let forward = tokio::spawn(async move {
                    while stall.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                live.lock().unwrap().push(forward);
            }
        });
        Proxy {
            address,
            connections,
            refusing,
            stalling,
        }
    }

    fn refuse(&self, refuse: bool) {
        self.refusing.store(refuse, Ordering::SeqCst);
    }

    fn stall(&self, stall: bool) {
        self.stalling.store(stall, Ordering::SeqCst);
    }

    /// Cuts every open connection (the sockets close on both sides).
    fn drop_all(&self) {
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }
}

#[tokio::test]
async fn a_stream_survives_a_hundred_dropped_connections() {
    const ENTRIES: i64 = 600;
    const DROP_EVERY: i64 = 5;

    let colony = TestColony::new().await;
    let process = colony.running(&["data"]).await;
    let pid = process.processid.clone();
    let proxy = Proxy::start().await;
    let through_proxy = client_of(&proxy.address, colony.user.key().unwrap().clone());

    let executor = colony.executor.clone();
    let writer = tokio::spawn({
        let pid = pid.clone();
        async move {
            for seq in 1..=ENTRIES {
                let entry = NewEntry::data(seq, seq.to_be_bytes().to_vec());
                loop {
                    match executor.append(&pid, "data", entry.clone()).await {
                        Ok(()) => break,
                        // Past the burst of 500 the server allows 100 appends per second.
                        Err(e) if e.kind() == colonykit::ErrorKind::RateLimited => {
                            tokio::time::sleep(Duration::from_millis(20)).await
                        }
                        Err(e) => panic!("append {seq}: {e}"),
                    }
                }
            }
            executor
                .append(&pid, "data", NewEntry::end(ENTRIES + 1))
                .await
                .unwrap();
        }
    });

    let mut stream = through_proxy.subscribe_channel(&pid, "data").unwrap();
    let mut received = Vec::new();
    let mut drops = 0;
    while let Some(entry) = tokio::time::timeout(Duration::from_secs(30), stream.next())
        .await
        .expect("the stream keeps moving")
    {
        let entry = entry.unwrap();
        received.push(entry.sequence);
        if entry.sequence % DROP_EVERY == 0 && entry.sequence < ENTRIES {
            proxy.drop_all();
            drops += 1;
        }
    }
    writer.await.unwrap();

    let expected: Vec<i64> = (1..=ENTRIES + 1).collect();
    let lost = expected.iter().filter(|s| !received.contains(s)).count();
    let duplicated = received.len() - (expected.len() - lost);
    println!("drops survived: {drops}, entries lost: {lost}, duplicated: {duplicated}");
    assert!(drops >= 100, "only {drops} drops");
    assert_eq!(received, expected);

    let state = colony.user.get_process(&pid).await.unwrap().state;
    assert_eq!(state, ProcessState::Running);
}

#[tokio::test]
async fn an_entry_sorted_in_before_the_position_while_away_is_not_lost() {
    // The server sorts one sender's entries by sequence: 15 appended after 10, 20, 30 lands
    // between 10 and 20, before the position a resumed stream stands at.
    let colony = TestColony::new().await;
    let process = colony.running(&["data"]).await;
    let pid = process.processid.clone();
    let proxy = Proxy::start().await;
    let through_proxy = client_of(&proxy.address, colony.user.key().unwrap().clone());
    let mut stream = through_proxy.subscribe_channel(&pid, "data").unwrap();
    for seq in [10, 20, 30] {
        colony
            .executor
            .append(&pid, "data", NewEntry::data(seq, "x"))
            .await
            .unwrap();
    }
    for expected in [10, 20, 30] {
        let entry = stream.next().await.unwrap().unwrap();
        assert_eq!(entry.sequence, expected);
    }
    proxy.refuse(true);
    proxy.drop_all();
    colony
        .executor
        .append(&pid, "data", NewEntry::data(15, "late"))
        .await
        .unwrap();
    let log: Vec<i64> = colony
        .user
        .read_channel(&pid, "data", 0, 0)
        .await
        .unwrap()
        .iter()
        .map(|e| e.sequence)
        .collect();
    assert_eq!(log, vec![10, 15, 20, 30]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.refuse(false);
    let late = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("the resumed stream delivers the late entry")
        .unwrap()
        .unwrap();
    assert_eq!((late.sequence, late.payload.as_slice()), (15, &b"late"[..]));
    colony
        .executor
        .append(&pid, "data", NewEntry::end(40))
        .await
        .unwrap();
    let rest: Vec<i64> = stream.map(|e| e.unwrap().sequence).collect().await;
    assert_eq!(rest, vec![40], "nothing repeated after the resume");
}

/// The log lines colonykit wrote (through the `log` crate, as it does with no tracing
/// subscriber installed).
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.target().starts_with("colonykit") {
            let line = format!("{} {}: {}", record.level(), record.target(), record.args());
            LOG.lock().unwrap().push(line);
        }
    }
    fn flush(&self) {}
}

#[tokio::test]
async fn a_stream_outlasts_reconnects_that_time_out() {
    if log::set_logger(&Capture).is_ok() {
        log::set_max_level(log::LevelFilter::Debug);
    }
    // New connections stall for several times the connect timeout and the call timeout: each
    // attempt times out, and the stream keeps trying until the network moves again.
    let colony = TestColony::new().await;
    let process = colony.running(&["data"]).await;
    let pid = process.processid.clone();
    let proxy = Proxy::start().await;
    let through_proxy = builder_of(&proxy.address, colony.user.key().unwrap().clone())
        .connect_timeout(Duration::from_millis(500))
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let mut stream = through_proxy.subscribe_channel(&pid, "data").unwrap();
    let append = |entry: NewEntry| {
        let executor = colony.executor.clone();
        let pid = pid.clone();
        async move { executor.append(&pid, "data", entry).await.unwrap() }
    };
    for seq in 1..=3 {
        append(NewEntry::data(seq, "before")).await;
    }
    for expected in 1..=3 {
        assert_eq!(stream.next().await.unwrap().unwrap().sequence, expected);
    }
    proxy.stall(true);
    proxy.drop_all();
    for seq in 4..=6 {
        append(NewEntry::data(seq, "while stalled")).await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    proxy.stall(false);
    append(NewEntry::end(7)).await;
    let rest: Vec<i64> = tokio::time::timeout(
        Duration::from_secs(20),
        stream.map(|e| e.unwrap().sequence).collect::<Vec<_>>(),
    )
    .await
    .expect("the stream resumes once connections go through");
    assert_eq!(rest, vec![4, 5, 6, 7]);

    // What happened was logged, without keys or payloads.
    let lines = LOG.lock().unwrap().clone();
    let ours: Vec<&String> = lines.iter().filter(|l| l.contains(&pid)).collect();
    assert!(
        ours.iter()
            .any(|l| l.starts_with("INFO") && l.contains("reconnects")),
        "{lines:#?}"
    );
    assert!(ours.iter().any(|l| l.contains("resumed")), "{lines:#?}");
    let key = colony.user.key().unwrap().to_hex();
    assert!(lines
        .iter()
        .all(|l| !l.contains(&key) && !l.contains("while stalled")));
}
