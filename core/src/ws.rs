//! The websocket endpoint (`/pubsub`): connect, send a signed subscription, read reply payloads.
//!
//! Each frame the server sends holds one reply envelope. The server never pings, and while a
//! channel subscription is active it does not read the socket at all, so this module sends no
//! pings either; every read is bounded by the caller's timeout instead.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::Message as Frame;
use tokio_tungstenite::WebSocketStream;

use crate::crypto::PrivateKey;
use crate::error::{error_chain, Error, Result};
use crate::rpc::{self, Message};
use crate::tls;
use crate::transport::{self, Io, Settings};

/// An open websocket to the server.
pub(crate) type Socket = WebSocketStream<Box<dyn Io>>;

/// Opens a websocket to the server of `settings`, within their connect timeout.
pub(crate) async fn connect(settings: &Settings) -> Result<Socket> {
    let url = &settings.ws_url;
    transport::connect(settings, url, |io| async move {
        match tokio_tungstenite::client_async(url.as_str(), io).await {
            Ok((socket, _)) => Ok(socket),
            Err(e) => {
                // A TLS failure after the handshake (a refused client certificate).
                if let tokio_tungstenite::tungstenite::Error::Io(io) = &e {
                    if let Some(error) = tls::io_error(url.as_str(), io) {
                        return Err(error);
                    }
                }
                let error =
                    Error::connection(format!("cannot connect to {url}: {}", error_chain(&e)));
                Err(transport::explain(settings, url, error).await)
            }
        }
    })
    .await
}

/// Sends `message`, signed with `key`, as one text frame.
pub(crate) async fn send<M: Message>(
    socket: &mut Socket,
    message: &M,
    key: &PrivateKey,
) -> Result<()> {
    let envelope = rpc::encode(message, Some(key))?;
    socket
        .send(Frame::Text(envelope))
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
        let frame = match tokio::time::timeout_at(deadline, socket.next()).await {
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
