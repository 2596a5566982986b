//! Raw connections to the server (TCP, or TLS over TCP for `https`/`wss`), for the websocket and
//! for the RPC endpoint's HTTP/1.1 connections (ordinary calls and the channel writer).

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::Url;

use crate::client::Client;
use crate::error::{Error, Result};

/// A byte stream that may or may not be TLS.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// TLS settings for `https`/`wss`: the web's root certificates, ring as the crypto provider.
pub(crate) fn tls_config() -> Result<rustls::ClientConfig> {
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

/// Opens a connection to the host of `url`, within the client's connect timeout. `finish` runs
/// on top of the byte stream (e.g. the websocket handshake) within the same timeout.
pub(crate) async fn connect<T, F, Fut>(client: &Client, url: &Url, finish: F) -> Result<T>
where
    F: FnOnce(Box<dyn Io>) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let shared = client.shared();
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
        let io: Box<dyn Io> = match &shared.tls {
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
    tokio::time::timeout(shared.connect_timeout, open)
        .await
        .map_err(|_| {
            Error::timeout(format!(
                "cannot connect to {url} within {:?}",
                shared.connect_timeout
            ))
        })?
}
