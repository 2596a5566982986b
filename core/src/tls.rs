//! TLS for `https`/`wss`: which server certificates a client trusts, and TLS failures in words.
//!
//! By default a client trusts the operating system's store (what `rustls-native-certs` finds,
//! which honors `SSL_CERT_FILE` and `SSL_CERT_DIR`) together with the web's root certificates.
//! A caller adds a private CA from a PEM file or PEM text; skipping verification altogether
//! takes an option whose name says it is dangerous, and prints a warning once per client.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, ErrorKind, Result};

/// Where a CA certificate comes from.
#[derive(Clone)]
enum Ca {
    File(PathBuf),
    Pem(String),
}

/// A client certificate and its key, as PEM files (for servers that ask for one).
#[derive(Clone)]
struct Identity {
    cert: PathBuf,
    key: PathBuf,
}

/// TLS options in one value, each optional: what the bindings' constructors take. The same as
/// the [`ClientBuilder`](crate::ClientBuilder) methods of the same names.
#[derive(Clone, Debug, Default)]
pub struct TlsSettings {
    /// A PEM file of CA certificates to trust besides the system's.
    pub ca_file: Option<PathBuf>,
    /// The same as PEM text.
    pub ca_pem: Option<String>,
    /// A PEM file holding a client certificate (with `client_key`).
    pub client_cert: Option<PathBuf>,
    /// The PEM file holding the key of `client_cert`.
    pub client_key: Option<PathBuf>,
    /// DANGEROUS: accept any server certificate.
    pub danger_skip_tls_verify: bool,
}

/// The TLS options of a client: extra CAs, a client certificate, or no verification at all.
#[derive(Clone, Default)]
pub(crate) struct TlsOptions {
    cas: Vec<Ca>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    skip_verify: bool,
}

impl TlsOptions {
    /// Also trusts the CA certificates in the PEM file at `path`.
    pub(crate) fn add_ca_file(&mut self, path: PathBuf) {
        self.cas.push(Ca::File(path));
    }

    /// Also trusts the CA certificates in `pem`.
    pub(crate) fn add_ca_pem(&mut self, pem: String) {
        self.cas.push(Ca::Pem(pem));
    }

    /// Presents the certificate in `cert` with the key in `key` when the server asks for one.
    pub(crate) fn set_client_cert(&mut self, cert: PathBuf, key: PathBuf) {
        self.client_cert = Some(cert);
        self.client_key = Some(key);
    }

    /// Accepts any server certificate.
    pub(crate) fn set_skip_verify(&mut self, skip: bool) {
        self.skip_verify = skip;
    }

    /// Adds `settings` (the CAs to the ones given before; the rest replaces).
    pub(crate) fn apply(&mut self, settings: TlsSettings) {
        self.cas.extend(settings.ca_file.map(Ca::File));
        self.cas.extend(settings.ca_pem.map(Ca::Pem));
        if settings.client_cert.is_some() || settings.client_key.is_some() {
            self.client_cert = settings.client_cert;
            self.client_key = settings.client_key;
        }
        self.skip_verify = settings.danger_skip_tls_verify;
    }

    pub(crate) fn is_default(&self) -> bool {
        self.cas.is_empty()
            && self.client_cert.is_none()
            && self.client_key.is_none()
            && !self.skip_verify
    }

    fn identity(&self) -> Result<Option<Identity>> {
        match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => Ok(Some(Identity {
                cert: cert.clone(),
                key: key.clone(),
            })),
            (None, None) => Ok(None),
            _ => Err(Error::invalid_argument(
                "a client certificate and its key go together (client_cert and client_key)",
            )),
        }
    }

    /// The rustls configuration for a server at `server` (named in warnings). Reads the CA
    /// and client certificate files now, so that a bad file fails when the client is made.
    pub(crate) fn config(&self, server: &str) -> Result<Arc<rustls::ClientConfig>> {
        static DEFAULT: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
        if self.is_default() {
            if let Some(config) = DEFAULT.get() {
                return Ok(Arc::clone(config));
            }
            let config = Arc::new(build(default_roots().clone(), None, false)?);
            return Ok(Arc::clone(DEFAULT.get_or_init(|| config)));
        }
        // A setup error names the server it was for.
        let for_server =
            |e: Error| Error::new(e.kind(), format!("TLS for {server}: {}", e.message()));
        let mut roots = default_roots().clone();
        for ca in &self.cas {
            for cert in ca.certificates().map_err(for_server)? {
                roots.add(cert).map_err(|e| {
                    for_server(tls_setup(format!(
                        "{}: not a usable CA certificate: {e}",
                        ca.name()
                    )))
                })?;
            }
        }
        let identity = self.identity().map_err(for_server)?;
        let identity = identity
            .as_ref()
            .map(Identity::load)
            .transpose()
            .map_err(for_server)?;
        if self.skip_verify {
            eprintln!(
                "colonykit: WARNING: TLS certificate verification is OFF for {server} \
                 (danger_skip_tls_verify): anyone on the way can read and change this traffic"
            );
        }
        Ok(Arc::new(build(roots, identity, self.skip_verify)?))
    }
}

fn tls_setup(message: String) -> Error {
    Error::new(ErrorKind::Tls, message)
}

impl Ca {
    fn name(&self) -> String {
        match self {
            Ca::File(path) => format!("CA file {}", path.display()),
            Ca::Pem(_) => "CA PEM text".to_string(),
        }
    }

    /// The certificates it holds: at least one, or an error that says why not.
    fn certificates(&self) -> Result<Vec<CertificateDer<'static>>> {
        let bytes = match self {
            Ca::File(path) => read(path, "CA file")?,
            Ca::Pem(text) => text.as_bytes().to_vec(),
        };
        let certs = CertificateDer::pem_slice_iter(&bytes)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| tls_setup(format!("{}: not valid PEM: {e}", self.name())))?;
        if certs.is_empty() {
            return Err(tls_setup(format!(
                "{}: holds no certificate (expected one or more -----BEGIN CERTIFICATE----- blocks)",
                self.name()
            )));
        }
        Ok(certs)
    }
}

impl Identity {
    fn load(&self) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
        let bytes = read(&self.cert, "client certificate file")?;
        let certs = CertificateDer::pem_slice_iter(&bytes)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| {
                tls_setup(format!(
                    "client certificate file {}: not valid PEM: {e}",
                    self.cert.display()
                ))
            })?;
        if certs.is_empty() {
            return Err(tls_setup(format!(
                "client certificate file {} holds no certificate",
                self.cert.display()
            )));
        }
        let key = read(&self.key, "client key file")?;
        // The key's own text never goes into a message.
        let key = PrivateKeyDer::from_pem_slice(&key).map_err(|_| {
            tls_setup(format!(
                "client key file {} holds no PEM private key",
                self.key.display()
            ))
        })?;
        Ok((certs, key))
    }
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| tls_setup(format!("cannot read the {what} {}: {e}", path.display())))
}

/// The operating system's trust store and the web's root certificates, read once per process.
fn default_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        // A store that cannot be read (or a broken certificate in it) leaves the others usable,
        // as for curl: the web roots are still there, and a private CA can be given directly.
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        roots
    })
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn build(
    roots: RootCertStore,
    identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    skip_verify: bool,
) -> Result<rustls::ClientConfig> {
    let provider = provider();
    let algorithms = provider.signature_verification_algorithms;
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_setup(format!("cannot set up TLS: {e}")))?;
    let builder = if skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(algorithms)))
    } else {
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| tls_setup(format!("cannot set up TLS: {e}")))?;
        builder.with_webpki_verifier(verifier)
    };
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| tls_setup(format!("the client certificate cannot be used: {e}"))),
    }
}

/// Accepts any certificate (still checking the handshake's signatures).
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// A TLS failure after the handshake (e.g. a refused client certificate) with the server at
/// `url`, in words; `None` if `error` is no TLS error.
pub(crate) fn io_error(url: &str, error: &std::io::Error) -> Option<Error> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_string();
    handshake_error(url, &host, error)
}

/// A failed TLS handshake with the server at `url`, in words; `None` if `error` is no TLS error.
pub(crate) fn handshake_error(url: &str, host: &str, error: &std::io::Error) -> Option<Error> {
    let tls = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    let what = match tls {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => "the server's certificate is signed by an unknown \
                 issuer (for a private CA, give its certificate with ca_file or COLONIES_CA_FILE)"
                .to_string(),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("the server's certificate is not valid for the name {host:?}")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the server's certificate has expired".to_string()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet".to_string()
            }
            other => format!("the server's certificate was refused: {other:?}"),
        },
        rustls::Error::InvalidMessage(_) => {
            "the server does not speak TLS (a plain http:// server? then use http://, or \
             COLONIES_TLS=false)"
                .to_string()
        }
        rustls::Error::AlertReceived(alert) => format!(
            "the server refused the TLS connection ({alert:?}): does it want a client \
             certificate (client_cert), or another one?"
        ),
        other => format!("the TLS handshake failed: {other}"),
    };
    Some(Error::new(
        ErrorKind::Tls,
        format!("TLS with {url} failed: {what}"),
    ))
}

/// The error for a plain-HTTP connection to a server that speaks TLS.
pub(crate) fn speaks_tls(url: &str) -> Error {
    Error::new(
        ErrorKind::Tls,
        format!(
            "the server at {url} speaks TLS, not plain HTTP: use https:// (or COLONIES_TLS=true)"
        ),
    )
}

/// Whether a server that failed a plain-HTTP request at `host:port` answers a TLS ClientHello
/// with TLS: the way to tell a TLS server behind an `http://` address from a broken connection.
pub(crate) async fn probe(host: &str, port: u16) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let attempt = async {
        let config = build(RootCertStore::empty(), None, true).ok()?;
        let name = ServerName::try_from(host.to_string()).ok()?;
        let mut hello = Vec::new();
        rustls::ClientConnection::new(Arc::new(config), name)
            .ok()?
            .write_tls(&mut hello)
            .ok()?;
        let mut tcp = crate::transport::open_tcp(host, port).await.ok()?;
        tcp.write_all(&hello).await.ok()?;
        let mut head = [0u8; 3];
        tcp.read_exact(&mut head).await.ok()?;
        // A TLS record: handshake (22) or alert (21), protocol version 3.x.
        Some(matches!(head, [21 | 22, 3, _]))
    };
    crate::timer::timeout(std::time::Duration::from_secs(2), attempt)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ca_sources_are_tls_errors_that_name_them() {
        let mut options = TlsOptions::default();
        options.add_ca_file(PathBuf::from("/nonexistent/ca.pem"));
        let err = options.config("https://h:1").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Tls);
        assert!(err
            .message()
            .contains("cannot read the CA file /nonexistent/ca.pem"));

        let mut options = TlsOptions::default();
        options.add_ca_pem("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n".into());
        let err = options.config("https://h:1").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Tls);
        assert!(err.message().contains("holds no certificate"), "{err}");
        assert!(!err.message().contains("MAA="));

        let mut options = TlsOptions::default();
        options.add_ca_pem("not pem at all".into());
        assert_eq!(
            options.config("https://h:1").unwrap_err().kind(),
            ErrorKind::Tls
        );
    }

    #[test]
    fn the_default_configuration_is_shared() {
        let options = TlsOptions::default();
        let a = options.config("https://a:1").unwrap();
        let b = options.config("https://b:1").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }
}
