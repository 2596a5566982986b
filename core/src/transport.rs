//! Raw connections to the server (TCP, or TLS over TCP for `https`/`wss`), for the websocket and
//! for the RPC endpoint's HTTP/1.1 connections (ordinary calls and the channel writer).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::Url;

use crate::error::{Error, Result};

/// Where the server is and how to reach it: the settings every connection needs. The transport
/// layer owns them; a client holds one and shares it with its clones.
pub(crate) struct Settings {
    /// The RPC endpoint (`http(s)://host:port/api`).
    pub(crate) api_url: Url,
    /// The websocket endpoint (`ws(s)://host:port/pubsub`).
    pub(crate) ws_url: Url,
    /// The longest an ordinary call may take.
    pub(crate) timeout: Duration,
    /// The longest connecting (TCP, TLS and websocket handshakes) may take.
    pub(crate) connect_timeout: Duration,
    /// TLS settings, for an `https` server.
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
}

impl Settings {
    /// The settings for the server at `server` (`http://host:port` or `https://...`). Fails on
    /// a malformed address or a zero timeout.
    pub(crate) fn new(server: &str, timeout: Duration, connect_timeout: Duration) -> Result<Self> {
        let base = parse_server_address(server)?;
        if timeout.is_zero() || connect_timeout.is_zero() {
            return Err(Error::invalid_argument(
                "timeouts must be greater than zero",
            ));
        }
        let secure = base.scheme() == "https";
        let api_url = join(&base, "api");
        let mut ws_url = join(&base, "pubsub");
        ws_url
            .set_scheme(if secure { "wss" } else { "ws" })
            .map_err(|()| Error::invalid_argument("cannot derive the websocket address"))?;
        let tls = match secure {
            true => Some(Arc::new(tls_config()?)),
            false => None,
        };
        Ok(Settings {
            api_url,
            ws_url,
            timeout,
            connect_timeout,
            tls,
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

fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}/{path}"));
    url
}

/// A byte stream that may or may not be TLS.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// TLS settings for `https`/`wss`: the web's root certificates, ring as the crypto provider.
fn tls_config() -> Result<rustls::ClientConfig> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::connection(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// Opens a connection to the host of `url`, within the connect timeout of `settings`. `finish` runs
/// on top of the byte stream (e.g. the websocket handshake) within the same timeout.
pub(crate) async fn connect<T, F, Fut>(settings: &Settings, url: &Url, finish: F) -> Result<T>
where
    F: FnOnce(Box<dyn Io>) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let unreachable = |why: String| Error::connection(format!("cannot connect to {url}: {why}"));
    let host = url
        .host_str()
        .ok_or_else(|| unreachable("no host".into()))?
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| unreachable("no port".into()))?;
    let open = async {
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        tcp.set_nodelay(true)
            .map_err(|e| unreachable(e.to_string()))?;
        let io: Box<dyn Io> = match &settings.tls {
            None => Box::new(tcp),
            Some(config) => {
                let name = rustls::pki_types::ServerName::try_from(host.clone())
                    .map_err(|e| unreachable(e.to_string()))?;
                let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
                let tls = connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| unreachable(e.to_string()))?;
                Box::new(tls)
            }
        };
        finish(io).await
    };
    tokio::time::timeout(settings.connect_timeout, open)
        .await
        .map_err(|_| {
            Error::timeout(format!(
                "cannot connect to {url} within {:?}",
                settings.connect_timeout
            ))
        })?
}
