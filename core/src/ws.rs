//! The websocket endpoint (`/pubsub`): connect, send a signed subscription, read reply payloads.
//!
//! Each frame the server sends holds one reply envelope. The server never pings, and while a
//! channel subscription is active it does not read the socket at all, so this module sends no
//! pings either; every read is bounded by the caller's timeout instead.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Message as Frame, Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;
use url::Url;

use crate::crypto::PrivateKey;
use crate::error::{error_chain, Error, Result};
use crate::http1;
use crate::rpc::{self, Message};
use crate::transport::{self, Io, Settings};

/// An open websocket to the server.
pub(crate) type Socket = WebSocketStream<Box<dyn Io>>;

/// Bytes each read takes from the socket at most, outside a frame announced as larger (the
/// buffer then grows to the frame's length). Each open subscription keeps this buffer for its
/// whole life, and most frames are one entry of a few hundred bytes.
const READ_BUFFER: usize = 1024;

/// Opens a websocket to the server of `settings`, within their connect timeout.
pub(crate) async fn connect(settings: &Settings) -> Result<Socket> {
    let url = &settings.ws_url;
    transport::connect(settings, url, |io| async move {
        match upgrade(url, io).await {
            Ok(socket) => Ok(socket),
            Err(error) => Err(transport::explain(settings, url, error).await),
        }
    })
    .await
}

/// The opening handshake (RFC 6455, section 4.1). It is done here rather than by tungstenite,
/// whose handshake hands the socket the 4 kB buffer it read the reply with: an idle
/// subscription would keep it for its whole life.
async fn upgrade(url: &Url, mut io: Box<dyn Io>) -> Result<Socket> {
    let key = generate_key();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n",
        url.path(),
        http1::host_header(url)?
    );
    let failed = |e: std::io::Error| http1::failed(url.as_str(), &e);
    io.write_all(request.as_bytes()).await.map_err(failed)?;
    io.flush().await.map_err(failed)?;
    // The reply head is ~130 bytes; what the server sends after it stays in the buffer.
    let mut reader = BufReader::with_capacity(512, io);
    let head = http1::read_head(&mut reader, url.as_str()).await?;
    let mut headers = [httparse::EMPTY_HEADER; http1::MAX_HEADERS];
    let reply = http1::parse_head(&head, &mut headers)?;
    let refused = |why: String| {
        Error::connection(format!(
            "cannot connect to {url}: the server did not open a websocket: {why}"
        ))
    };
    let status = reply.code.unwrap_or_default();
    if status != 101 {
        return Err(refused(format!("it answered HTTP {status}")));
    }
    let header = |name: &str| {
        reply
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
            .unwrap_or_default()
    };
    if !header("upgrade").eq_ignore_ascii_case("websocket") {
        return Err(refused("its reply lacks `Upgrade: websocket`".into()));
    }
    let connection = header("connection");
    if !connection
        .split(',')
        .any(|v| v.trim().eq_ignore_ascii_case("upgrade"))
    {
        return Err(refused("its reply lacks `Connection: Upgrade`".into()));
    }
    if header("sec-websocket-accept") != derive_accept_key(key.as_bytes()) {
        return Err(Error::protocol(format!(
            "cannot connect to {url}: the server's Sec-WebSocket-Accept does not match the key \
             sent"
        )));
    }
    let early = reader.buffer().to_vec();
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER);
    Ok(
        WebSocketStream::from_partially_read(
            reader.into_inner(),
            early,
            Role::Client,
            Some(config),
        )
        .await,
    )
}

/// Sends `message`, signed with `key`, as one text frame.
pub(crate) async fn send<M: Message>(
    socket: &mut Socket,
    message: &M,
    key: &PrivateKey,
) -> Result<()> {
    let envelope = rpc::encode(message, Some(key))?;
    socket
        .send(Frame::Text(envelope.into()))
        .await
        .map_err(|e| Error::connection(format!("the websocket failed: {}", error_chain(&e))))
}

/// What came in on a socket.
pub(crate) enum Incoming {
    /// The JSON payload of a reply envelope.
    Payload(Vec<u8>),
    /// The server closed the socket (or the connection ended).
    Closed,
    /// Nothing came within the wait.
    Idle,
}

/// Waits up to `wait` for the next reply; an error envelope becomes `Err` with the server's error.
pub(crate) async fn receive(socket: &mut Socket, wait: Duration) -> Result<Incoming> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = match crate::timer::timeout_at(deadline, socket.next()).await {
            Err(_) => return Ok(Incoming::Idle),
            Ok(None) => return Ok(Incoming::Closed),
            Ok(Some(Err(e))) => {
                return Err(Error::connection(format!(
                    "the websocket failed: {}",
                    error_chain(&e)
                )))
            }
            Ok(Some(Ok(frame))) => frame,
        };
        match frame {
            Frame::Text(text) => return rpc::parse_frame(text.as_bytes()).map(Incoming::Payload),
            Frame::Binary(bytes) => return rpc::parse_frame(&bytes).map(Incoming::Payload),
            Frame::Close(_) => return Ok(Incoming::Closed),
            Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_) => continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    /// The handshake against a server that answers `reply` (with `{accept}` replaced by the
    /// right Sec-WebSocket-Accept) and then `after` to the upgrade request, in one write.
    async fn upgrade_answered(reply: &'static str, after: &'static [u8]) -> Result<Socket> {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let answer = tokio::spawn(async move {
            let mut server = BufReader::new(server);
            let head = http1::read_head(&mut server, "ws://test/pubsub")
                .await
                .unwrap();
            let head = String::from_utf8(head).unwrap();
            let key = head
                .lines()
                .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: "))
                .unwrap();
            let reply = reply.replace("{accept}", &derive_accept_key(key.as_bytes()));
            let bytes = [reply.as_bytes(), after].concat();
            server.get_mut().write_all(&bytes).await.unwrap();
            server
        });
        let url = Url::parse("ws://test:1/pubsub").unwrap();
        let socket = upgrade(&url, Box::new(client)).await;
        drop(answer.await.unwrap());
        socket
    }

    #[tokio::test]
    async fn a_frame_sent_right_after_the_handshake_is_read() {
        // The reply head and a text frame ("hi") in one write: the frame is in the head's buffer.
        let mut socket = upgrade_answered(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {accept}\r\n\r\n",
            b"\x81\x02hi",
        )
        .await
        .unwrap();
        let frame = socket.next().await.unwrap().unwrap();
        assert_eq!(frame, Frame::Text("hi".into()));
    }

    #[tokio::test]
    async fn a_server_that_does_not_switch_protocols_is_refused() {
        for (reply, kind, says) in [
            (
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                ErrorKind::Connection,
                "HTTP 404",
            ),
            (
                "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Accept: {accept}\r\n\r\n",
                ErrorKind::Connection,
                "Upgrade: websocket",
            ),
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                 Sec-WebSocket-Accept: {accept}\r\n\r\n",
                ErrorKind::Connection,
                "Connection: Upgrade",
            ),
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                ErrorKind::Protocol,
                "Sec-WebSocket-Accept",
            ),
            ("garbage\r\n\r\n", ErrorKind::Protocol, "malformed"),
        ] {
            let error = upgrade_answered(reply, b"").await.err().unwrap();
            assert_eq!(error.kind(), kind, "{error}");
            assert!(error.message().contains(says), "{error}");
        }
    }
}
