//! The websocket endpoint (`/pubsub`): connect, send a signed subscription, read reply payloads.
//!
//! Each frame the server sends holds one reply envelope. The server never pings, and while a
//! channel subscription is active it does not read the socket at all, so this module sends no
//! pings either; every read is bounded by the caller's timeout instead.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::Message as Frame;
use tokio_tungstenite::WebSocketStream;

use crate::client::{error_chain, Client};
use crate::error::{Error, Result};
use crate::rpc::{self, Message};

/// A byte stream that may or may not be TLS.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An open websocket to the server.
pub(crate) type Socket = WebSocketStream<Box<dyn Io>>;

/// TLS settings for `wss://`: the web's root certificates, ring as the crypto provider.
pub(crate) fn tls_config() -> Result<rustls::ClientConfig> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::connection(format!("cannot set up TLS: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(config)
}

/// Opens a websocket to the client's server, within the client's connect timeout.
pub(crate) async fn connect(client: &Client) -> Result<Socket> {
    let shared = client.shared();
    let url = &shared.ws_url;
    let unreachable = |why: String| Error::connection(format!("cannot connect to {url}: {why}"));
    let host = url
        .host_str()
        .ok_or_else(|| unreachable("no host".into()))?
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| unreachable("no port".into()))?;
    let handshake = async {
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        tcp.set_nodelay(true)
            .map_err(|e| unreachable(e.to_string()))?;
        let io: Box<dyn Io> = match &shared.tls {
            None => Box::new(tcp),
            Some(config) => {
                let name = rustls::pki_types::ServerName::try_from(host.clone())
                    .map_err(|e| unreachable(e.to_string()))?;
                let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
                Box::new(
                    connector
                        .connect(name, tcp)
                        .await
                        .map_err(|e| unreachable(e.to_string()))?,
                )
            }
        };
        let (socket, _) = tokio_tungstenite::client_async(url.as_str(), io)
            .await
            .map_err(|e| unreachable(error_chain(&e)))?;
        Ok(socket)
    };
    tokio::time::timeout(shared.connect_timeout, handshake)
        .await
        .map_err(|_| {
            Error::timeout(format!(
                "cannot connect to {url} within {:?}",
                shared.connect_timeout
            ))
        })?
}

/// Sends `message`, signed by the client's key, as one text frame.
pub(crate) async fn send<M: Message>(
    client: &Client,
    socket: &mut Socket,
    message: &M,
) -> Result<()> {
    let envelope = rpc::encode(message, Some(client.signing_key()?))?;
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
