//! Servers that misbehave, faked on loopback (a real server cannot be made to do these):
//! the client must end every wait within its deadlines and never spin.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use colonykit::{Client, ErrorKind, PrivateKey, SubscribeOptions};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message as Frame;

/// A reply envelope whose payload is `json`.
fn envelope(payloadtype: &str, json: &str) -> String {
    let payload = base64::engine::general_purpose::STANDARD.encode(json);
    format!(r#"{{"payloadtype":"{payloadtype}","payload":"{payload}","error":false}}"#)
}

/// How a fake server treats what comes in.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answers every channel subscription and read with `[]`, and says the process runs.
    EmptyFrames,
    /// Reads requests and never answers.
    Silent,
}

/// A fake server on loopback; counts the requests and subscriptions it got.
struct FakeServer {
    address: String,
    requests: Arc<AtomicUsize>,
}

impl FakeServer {
    async fn start(behaviour: Behaviour) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<AtomicUsize> = Arc::default();
        let counter = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let counter = Arc::clone(&counter);
                tokio::spawn(serve(socket, behaviour, counter));
            }
        });
        FakeServer { address, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn serve(socket: TcpStream, behaviour: Behaviour, requests: Arc<AtomicUsize>) {
    let mut head = [0u8; 4];
    if socket.peek(&mut head).await.is_err() {
        return;
    }
    if &head == b"GET " {
        websocket(socket, behaviour, requests).await;
    } else {
        http(socket, behaviour, requests).await;
    }
}

async fn websocket(socket: TcpStream, behaviour: Behaviour, requests: Arc<AtomicUsize>) {
    let Ok(mut socket) = tokio_tungstenite::accept_async(socket).await else {
        return;
    };
    while let Some(Ok(frame)) = socket.next().await {
        if !frame.is_text() {
            continue;
        }
        requests.fetch_add(1, Ordering::SeqCst);
        if let Behaviour::EmptyFrames = behaviour {
            let reply = envelope("subscribechannelmsg", "[]");
            if socket.send(Frame::Text(reply.into())).await.is_err() {
                return;
            }
        }
    }
}

async fn http(mut socket: TcpStream, behaviour: Behaviour, requests: Arc<AtomicUsize>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(read) = socket.read(&mut chunk).await else {
            return;
        };
        if read == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..read]);
        // One request: its head, then Content-Length bytes of body.
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0);
        if buffer.len() < end + 4 + length {
            continue;
        }
        let body = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).to_string();
        buffer.drain(..end + 4 + length);
        requests.fetch_add(1, Ordering::SeqCst);
        let reply = match behaviour {
            Behaviour::Silent => continue,
            Behaviour::EmptyFrames if body.contains("getprocessmsg") => envelope(
                "getprocessmsg",
                r#"{"processid":"p","state":1,"spec":{"channels":["c"]}}"#,
            ),
            Behaviour::EmptyFrames => envelope("channelreadmsg", "[]"),
        };
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{reply}",
            reply.len()
        );
        if socket.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn client(address: &str) -> Client {
    Client::builder(address)
        .key(PrivateKey::generate())
        .timeout(Duration::from_secs(1))
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap()
}

#[tokio::test]
async fn empty_frames_neither_keep_a_stream_alive_nor_make_it_spin() {
    let server = FakeServer::start(Behaviour::EmptyFrames).await;
    let client = client(&server.address);
    let options = SubscribeOptions {
        idle_timeout: Some(Duration::from_secs(3)),
        ..SubscribeOptions::default()
    };
    let started = Instant::now();
    let mut stream = client.subscribe_channel_with("p", "c", options).unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("the idle timeout ends the stream");
    let error = outcome.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(5), "ended after {elapsed:?}");
    // Without backoff this was thousands of requests in a few seconds.
    assert!(server.requests() < 60, "{} requests", server.requests());
}

#[tokio::test]
async fn a_writer_gives_up_on_a_server_that_never_answers() {
    let server = FakeServer::start(Behaviour::Silent).await;
    let client = client(&server.address);
    let mut writer = client.channel_writer("p", "c").await.unwrap();
    writer.send("one").await.unwrap();
    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(10), writer.end())
        .await
        .expect("end() has a deadline")
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Timeout | ErrorKind::Connection),
        "{error}"
    );
    let progress = error.write_progress().expect("what was written");
    assert_eq!(progress.accepted, 0);
    assert_eq!(progress.not_accepted, vec![1, 2], "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
