//! Raw connections to the server (TCP, or TLS over TCP for `https`/`wss`), for the websocket and
//! for the RPC endpoint's HTTP/1.1 connections (ordinary calls and the channel writer).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpSocket, TcpStream};
use url::Url;

use crate::direct;
use crate::error::{quoted, Error, ErrorKind, Result};
use crate::tls::{self, TlsOptions};

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
    /// a malformed address, a zero timeout, or TLS options that cannot be used (e.g. an
    /// unreadable CA file, checked even for an `http` server so that a mistake shows at once).
    pub(crate) fn new(
        server: &str,
        timeout: Duration,
        connect_timeout: Duration,
        tls: &TlsOptions,
    ) -> Result<Self> {
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
        // Options given for an `http` server are still checked; the default ones are read only
        // for `https` (reading the system's store takes a few milliseconds, once per process).
        let config = match secure || !tls.is_default() {
            true => Some(tls.config(api_url.as_str())?),
            false => None,
        };
        let tls = config.filter(|_| secure);
        Ok(Settings {
            api_url,
            ws_url,
            timeout,
            // Connecting is part of a call: it never takes longer than a call may.
            connect_timeout: connect_timeout.min(timeout),
            tls,
        })
    }
}

fn parse_server_address(server: &str) -> Result<Url> {
    let malformed = |why: &str| {
        Error::invalid_argument(format!(
            "malformed server address {}: {why} (expected http://host:port or https://host:port)",
            quoted(server)
        ))
    };
    let url = Url::parse(server.trim()).map_err(|e| malformed(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(malformed(&format!(
            "unsupported scheme {}",
            quoted(url.scheme())
        )));
    }
    match url.host() {
        None => return Err(malformed("no host")),
        Some(url::Host::Domain("")) => return Err(malformed("no host")),
        // What DNS allows: labels of at most 63 characters (a private key is 64).
        Some(url::Host::Domain(name))
            if name.len() > 253 || name.split('.').any(|l| l.len() > 63) =>
        {
            return Err(malformed("not a host name"))
        }
        Some(_) => {}
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

/// A failure on a new plain (`http`/`ws`) connection to `url`, explained: a server that
/// answers a TLS hello with TLS gets a [`ErrorKind::Tls`] error saying to use `https`.
pub(crate) async fn explain(settings: &Settings, url: &Url, error: Error) -> Error {
    if settings.tls.is_some()
        || !matches!(error.kind(), ErrorKind::Connection | ErrorKind::Protocol)
    {
        return error;
    }
    match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) if tls::probe(host, port).await => tls::speaks_tls(url.as_str()),
        _ => error,
    }
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
        let tcp = open_tcp(&host, port)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let io: Box<dyn Io> = match &settings.tls {
            None => Box::new(tcp),
            Some(config) => {
                let name = rustls::pki_types::ServerName::try_from(host.clone())
                    .map_err(|e| unreachable(e.to_string()))?;
                let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
                let tls = connector.connect(name, tcp).await.map_err(|e| {
                    tls::handshake_error(url.as_str(), &host, &e)
                        .unwrap_or_else(|| unreachable(e.to_string()))
                })?;
                Box::new(tls)
            }
        };
        finish(io).await
    };
    crate::timer::timeout(settings.connect_timeout, open)
        .await
        .map_err(|_| {
            Error::timeout(format!(
                "cannot connect to {url} within {:?}",
                settings.connect_timeout
            ))
        })?
}

/// A TCP connection to the first address of `host` that takes one, as `TcpStream::connect`
/// makes, without Nagle's delay, its waits watched: every socket a call uses is opened here, as
/// a loop that drives the call wakes only for watched sockets ([`direct::descriptor`]).
pub(crate) async fn open_tcp(host: &str, port: u16) -> std::io::Result<direct::Watched<TcpStream>> {
    let mut failure = None;
    for address in tokio::net::lookup_host((host, port)).await? {
        let socket = match address {
            std::net::SocketAddr::V4(_) => TcpSocket::new_v4()?,
            std::net::SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        match direct::connect(socket, address).await {
            Ok(tcp) => {
                tcp.set_nodelay(true)?;
                return Ok(direct::Watched::new(tcp));
            }
            Err(error) => failure = Some(error),
        }
    }
    Err(failure.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the host name has no address",
        )
    }))
}
