//! A channel stream survives dropped connections: it resumes where it stood, losing nothing and
//! repeating nothing. The drops are made by a TCP proxy on loopback that the test controls.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use colonykit::{NewEntry, ProcessState};
use common::{client_of, scheme, server_settings, TestColony};
use futures::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards connections to the server; can cut all of them at once, and refuse new ones.
struct Proxy {
    address: String,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    refusing: Arc<AtomicBool>,
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
        let live = Arc::clone(&connections);
        let refuse = Arc::clone(&refusing);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if refuse.load(Ordering::SeqCst) {
                    continue; // dropping the socket closes it
                }
                let upstream = upstream.clone();
                let forward = tokio::spawn(async move {
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
        }
    }

    fn refuse(&self, refuse: bool) {
        self.refusing.store(refuse, Ordering::SeqCst);
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
