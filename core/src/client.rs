//! [`Client`]: one connection pool, one identity, every operation as an async method.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::crypto::PrivateKey;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::Pool;
use crate::rpc::{self, Message};
use crate::tls::{TlsOptions, TlsSettings};
use crate::transport::Settings;

/// How long an ordinary call may take, unless the builder says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting to the server may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Extra time a long-poll (assign) is given beyond its own timeout before the client gives up.
pub(crate) const LONG_POLL_MARGIN: Duration = Duration::from_secs(10);

/// A ColonyOS client.
///
/// Cheap to clone (clones share the connection pool); `Send + Sync`. It signs every request with
/// its private key; [`Client::with_key`] gives a client that signs as someone else and shares
/// the same pool.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    key: Option<Arc<PrivateKey>>,
}

/// What all clones of a client share.
struct Shared {
    pool: Pool,
    settings: Settings,
}

/// Options for a [`Client`]; made by [`Client::builder`].
#[derive(Clone)]
pub struct ClientBuilder {
    server: String,
    key: Option<PrivateKey>,
    timeout: Duration,
    connect_timeout: Duration,
    tls: TlsOptions,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("server", &self.server)
            .field("key", &self.key)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl ClientBuilder {
    /// The private key to sign with.
    pub fn key(mut self, key: PrivateKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The longest an ordinary call may take (long-polls add their own wait to it).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest connecting to the server may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Also trusts the CA certificate(s) in the PEM file at `path` (for a server whose
    /// certificate a private CA signed). The file is read by [`build`](Self::build).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls.add_ca_file(path.into());
        self
    }

    /// Also trusts the CA certificate(s) in `pem` (PEM text).
    pub fn ca_pem(mut self, pem: impl Into<String>) -> Self {
        self.tls.add_ca_pem(pem.into());
        self
    }

    /// Presents the client certificate in the PEM file `cert` (with its private key in the PEM
    /// file `key`) to a server that asks for one (mutual TLS).
    pub fn client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.tls.set_client_cert(cert.into(), key.into());
        self
    }

    /// All the TLS options in one value (as the bindings take them); CAs add to those given
    /// before. A client certificate without its key (or the reverse) fails in
    /// [`build`](Self::build).
    pub fn tls(mut self, settings: TlsSettings) -> Self {
        self.tls.apply(settings);
        self
    }

    /// DANGEROUS: accepts any server certificate, so that anyone on the way can read and change
    /// the traffic (keys stay safe: they sign, they are never sent). For a test server only;
    /// the client prints a warning when it is made. Prefer [`ca_file`](Self::ca_file).
    pub fn danger_skip_tls_verify(mut self, skip: bool) -> Self {
        self.tls.set_skip_verify(skip);
        self
    }

    /// Makes the client. Fails on a malformed server address, a zero timeout, or TLS options
    /// that cannot be used ([`ErrorKind::Tls`]: an unreadable CA file, a PEM without a
    /// certificate).
    pub fn build(self) -> Result<Client> {
        let settings = Settings::new(&self.server, self.timeout, self.connect_timeout, &self.tls)?;
        Ok(Client {
            shared: Arc::new(Shared {
                pool: Pool::default(),
                settings,
            }),
            key: self.key.map(Arc::new),
        })
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.shared.settings.api_url.as_str())
            .field("id", &self.key.as_ref().map(|k| k.id()))
            .finish()
    }
}

impl Client {
    /// A builder for a client of the server at `server` (`http://host:port` or `https://...`).
    pub fn builder(server: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            server: server.into(),
            key: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            tls: TlsOptions::default(),
        }
    }

    /// A client of `server` signing with `key`, with default timeouts.
    pub fn new(server: &str, key: PrivateKey) -> Result<Client> {
        Client::builder(server).key(key).build()
    }

    /// A client set up from the environment: `COLONIES_SERVER_HOST` (default `localhost`),
    /// `COLONIES_SERVER_PORT` (default 50080), `COLONIES_TLS` (`true`/`false`, default false;
    /// pycolonies' `COLONIES_SERVER_TLS` when it is not set), `COLONIES_CA_FILE` (a PEM file of
    /// CA certificates to trust besides the system's) and `COLONIES_PRVKEY` (optional: without
    /// it the client can only make unsigned calls).
    pub fn from_env() -> Result<Client> {
        Client::builder_from_env()?.build()
    }

    /// The builder [`from_env`](Self::from_env) uses, for more options before building.
    pub fn builder_from_env() -> Result<ClientBuilder> {
        let host = env_var("COLONIES_SERVER_HOST").unwrap_or_else(|| "localhost".into());
        let port = env_var("COLONIES_SERVER_PORT").unwrap_or_else(|| "50080".into());
        let port: u16 = port.trim().parse().map_err(|_| {
            Error::invalid_argument(format!(
                "COLONIES_SERVER_PORT must be a port number, got {port:?}"
            ))
        })?;
        let tls = match ["COLONIES_TLS", "COLONIES_SERVER_TLS"]
            .into_iter()
            .find_map(|name| env_var(name).map(|value| (name, value)))
        {
            None => false,
            Some((_, v)) if v.trim().eq_ignore_ascii_case("true") || v.trim() == "1" => true,
            Some((_, v)) if v.trim().eq_ignore_ascii_case("false") || v.trim() == "0" => false,
            Some((name, v)) => {
                return Err(Error::invalid_argument(format!(
                    "{name} must be true or false, got {v:?}"
                )))
            }
        };
        let scheme = if tls { "https" } else { "http" };
        let mut builder = Client::builder(format!("{scheme}://{host}:{port}"));
        if let Some(key) = env_var("COLONIES_PRVKEY") {
            let key = PrivateKey::from_hex(&key).map_err(|e| {
                Error::invalid_argument(format!("COLONIES_PRVKEY: {}", e.message()))
            })?;
            builder = builder.key(key);
        }
        if let Some(path) = env_var("COLONIES_CA_FILE") {
            builder = builder.ca_file(path.trim());
        }
        Ok(builder)
    }

    /// The same client (same pool, same settings) signing with `key`.
    pub fn with_key(&self, key: PrivateKey) -> Client {
        Client {
            shared: Arc::clone(&self.shared),
            key: Some(Arc::new(key)),
        }
    }

    /// The key this client signs with, if it has one.
    pub fn key(&self) -> Option<&PrivateKey> {
        self.key.as_deref()
    }

    /// The address of the server's RPC endpoint.
    pub fn server(&self) -> &str {
        self.shared.settings.api_url.as_str()
    }

    /// The connection settings this client (and its clones) use.
    pub(crate) fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    pub(crate) fn signing_key(&self) -> Result<&PrivateKey> {
        self.key.as_deref().ok_or_else(|| {
            Error::invalid_argument("this client has no private key: give it one with with_key")
        })
    }

    /// Sends one signed message and returns the server's reply.
    pub async fn call<M: Message>(&self, message: &M) -> Result<M::Reply> {
        self.send(
            message,
            Some(self.signing_key()?),
            self.shared.settings.timeout,
        )
        .await
    }

    /// Sends one message without a signature (only `versionmsg` and `getserverinfomsg`).
    pub(crate) async fn call_unsigned<M: Message>(&self, message: &M) -> Result<M::Reply> {
        self.send(message, None, self.shared.settings.timeout).await
    }

    pub(crate) async fn send<M: Message>(
        &self,
        message: &M,
        key: Option<&PrivateKey>,
        timeout: Duration,
    ) -> Result<M::Reply> {
        let envelope = rpc::encode(message, key)?;
        let reply = tokio::time::timeout(
            timeout,
            self.shared.pool.post(&self.shared.settings, &envelope),
        )
        .await
        .map_err(|_| {
            Error::timeout(format!(
                "no answer from {} within {timeout:?}",
                self.shared.settings.api_url
            ))
        })??;
        let payload = rpc::parse_reply(reply.status, &reply.body).map_err(unsupported::<M>)?;
        rpc::decode_payload(M::TYPE, &payload)
    }
}

/// An older server answers a message it does not know with 403 `invalid rpcMsg.PayloadType`:
/// say what is really wrong.
fn unsupported<M: Message>(error: Error) -> Error {
    if error.kind() == ErrorKind::Unauthorized
        && error.message().contains("invalid rpcMsg.PayloadType")
    {
        Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "this server does not support {} (it is older than the message; e.g. cancelling needs v1.9.12)",
                M::TYPE
            ),
        )
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        for bad in [
            "",
            "localhost:50080",
            "ftp://x",
            "http://",
            "http://u:p@h:1",
            "not a url",
        ] {
            let err = Client::builder(bad).build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
            assert!(err.message().contains("malformed server address"));
        }
        let client = Client::builder("http://127.0.0.1:50080").build().unwrap();
        assert_eq!(client.server(), "http://127.0.0.1:50080/api");
        assert_eq!(
            client.settings().ws_url.as_str(),
            "ws://127.0.0.1:50080/pubsub"
        );
        let client = Client::builder("https://example.org/colonies/")
            .build()
            .unwrap();
        assert_eq!(
            client.settings().ws_url.as_str(),
            "wss://example.org/colonies/pubsub"
        );
    }

    #[test]
    fn zero_timeouts_are_refused() {
        let err = Client::builder("http://h:1")
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn unknown_payload_types_say_the_server_is_too_old() {
        let old = Error::from_server(403, "invalid rpcMsg.PayloadType: cancelprocessmsg");
        let err = unsupported::<crate::messages::CancelProcess>(old);
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(err.message().contains("does not support cancelprocessmsg"));
        let other = Error::from_server(403, "Access denied");
        assert_eq!(
            unsupported::<crate::messages::CancelProcess>(other.clone()),
            other
        );
    }

    #[test]
    fn debug_shows_the_id_not_the_key() {
        let key = PrivateKey::generate();
        let hex = key.to_hex();
        let client = Client::new("http://h:1", key).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains(&hex));
    }
}
