//! [`Client`]: one connection pool, one identity, every operation as an async method.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::crypto::PrivateKey;
use crate::error::{Error, ErrorKind, Result};
use crate::liveness::Liveness;
use crate::pool::Pool;
use crate::rpc::{self, Message};

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
pub(crate) struct Shared {
    pool: Pool,
    /// Whether processes still run, asked once for all the streams that watch one.
    pub(crate) liveness: Liveness,
    pub(crate) api_url: Url,
    pub(crate) ws_url: Url,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
}

/// Options for a [`Client`]; made by [`Client::builder`].
#[derive(Clone)]
pub struct ClientBuilder {
    server: String,
    key: Option<PrivateKey>,
    timeout: Duration,
    connect_timeout: Duration,
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

    /// Makes the client. Fails on a malformed server address or a zero timeout.
    pub fn build(self) -> Result<Client> {
        let base = parse_server_address(&self.server)?;
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::invalid_argument(
                "timeouts must be greater than zero",
            ));
        }
        let secure = base.scheme() == "https";
        let api_url = join(&base, "api")?;
        let mut ws_url = join(&base, "pubsub")?;
        ws_url
            .set_scheme(if secure { "wss" } else { "ws" })
            .map_err(|()| Error::invalid_argument("cannot derive the websocket address"))?;
        let tls = match secure {
            true => Some(Arc::new(crate::transport::tls_config()?)),
            false => None,
        };
        Ok(Client {
            shared: Arc::new(Shared {
                pool: Pool::default(),
                liveness: Liveness::default(),
                api_url,
                ws_url,
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                tls,
            }),
            key: self.key.map(Arc::new),
        })
    }
}

fn parse_server_address(server: &str) -> Result<Url> {
    let malformed = |why: &str| {
        Error::invalid_argument(format!(
            "malformed server address {server:?}: {why} (expected http://host:port or https://host:port)"
        ))
    };
    let url = Url::parse(server.trim()).map_err(|e| malformed(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(malformed(&format!("unsupported scheme {:?}", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(malformed("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
        return Err(malformed("credentials and queries are not allowed"));
    }
    Ok(url)
}

fn join(base: &Url, path: &str) -> Result<Url> {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}/{path}"));
    Ok(url)
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.shared.api_url.as_str())
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
        }
    }

    /// A client of `server` signing with `key`, with default timeouts.
    pub fn new(server: &str, key: PrivateKey) -> Result<Client> {
        Client::builder(server).key(key).build()
    }

    /// A client set up from the environment: `COLONIES_SERVER_HOST` (default `localhost`),
    /// `COLONIES_SERVER_PORT` (default 50080), `COLONIES_TLS` (`true`/`false`, default false) and
    /// `COLONIES_PRVKEY` (optional: without it the client can only make unsigned calls).
    pub fn from_env() -> Result<Client> {
        let host = env_var("COLONIES_SERVER_HOST").unwrap_or_else(|| "localhost".into());
        let port = env_var("COLONIES_SERVER_PORT").unwrap_or_else(|| "50080".into());
        let port: u16 = port.trim().parse().map_err(|_| {
            Error::invalid_argument(format!(
                "COLONIES_SERVER_PORT must be a port number, got {port:?}"
            ))
        })?;
        let tls = match env_var("COLONIES_TLS").as_deref().map(str::trim) {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => true,
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => false,
            Some(v) => {
                return Err(Error::invalid_argument(format!(
                    "COLONIES_TLS must be true or false, got {v:?}"
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
        builder.build()
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
        self.shared.api_url.as_str()
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    pub(crate) fn signing_key(&self) -> Result<&PrivateKey> {
        self.key.as_deref().ok_or_else(|| {
            Error::invalid_argument("this client has no private key: give it one with with_key")
        })
    }

    /// Sends one signed message and returns the server's reply.
    pub async fn call<M: Message>(&self, message: &M) -> Result<M::Reply> {
        self.send(message, Some(self.signing_key()?), self.shared.timeout)
            .await
    }

    /// Sends one message without a signature (only `versionmsg` and `getserverinfomsg`).
    pub(crate) async fn call_unsigned<M: Message>(&self, message: &M) -> Result<M::Reply> {
        self.send(message, None, self.shared.timeout).await
    }

    pub(crate) async fn send<M: Message>(
        &self,
        message: &M,
        key: Option<&PrivateKey>,
        timeout: Duration,
    ) -> Result<M::Reply> {
        let envelope = rpc::encode(message, key)?;
        let reply = tokio::time::timeout(timeout, self.shared.pool.post(self, &envelope))
            .await
            .map_err(|_| {
                Error::timeout(format!(
                    "no answer from {} within {timeout:?}",
                    self.shared.api_url
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

/// A timeout as the whole seconds the server wants (rounded up, at least one).
pub(crate) fn whole_seconds(timeout: Duration, what: &str) -> Result<i64> {
    if timeout.is_zero() {
        return Err(Error::invalid_argument(format!(
            "{what} must be greater than zero"
        )));
    }
    let seconds = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
    i64::try_from(seconds).map_err(|_| Error::invalid_argument(format!("{what} is too large")))
}

/// An error and its sources, in one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let words = cause.to_string();
        if !text.contains(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        source = cause.source();
    }
    text
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
            client.shared().ws_url.as_str(),
            "ws://127.0.0.1:50080/pubsub"
        );
        let client = Client::builder("https://example.org/colonies/")
            .build()
            .unwrap();
        assert_eq!(
            client.shared().ws_url.as_str(),
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
        assert!(whole_seconds(Duration::ZERO, "t").is_err());
        assert_eq!(whole_seconds(Duration::from_millis(1500), "t").unwrap(), 2);
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
