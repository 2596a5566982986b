//! TLS against the TLS test instance (`COLONYKIT_SERVER_TLS=1 tests/server/up`, which `make
//! test-tls` starts): a private CA from a file or PEM text, the bad-TLS catalogue of
//! docs/errors.md, and skipping verification. The tests that need the TLS instance are ignored
//! by a plain `cargo test`; `make test-tls` runs them with `COLONYKIT_SERVER_ENV` pointing at it.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use colonykit::{Client, ErrorKind, PrivateKey};
use common::{server_settings, server_tls};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The TLS instance's settings; fails (never skips) when the configured server is not TLS.
fn tls_settings() -> (String, u16, PathBuf) {
    assert!(
        server_tls(),
        "COLONYKIT_SERVER_ENV must name the TLS instance's server.env (make test-tls)"
    );
    let settings = server_settings();
    let port = settings["COLONIES_SERVER_PORT"].parse().unwrap();
    let ca = PathBuf::from(&settings["COLONIES_CA_FILE"]);
    (settings["COLONIES_SERVER_HOST"].clone(), port, ca)
}

/// A file made by tests/server/make-certs, beside the CA.
fn cert_file(name: &str) -> PathBuf {
    tls_settings().2.with_file_name(name)
}

#[tokio::test]
#[ignore = "needs the TLS test instance: make test-tls"]
async fn a_private_ca_from_a_file_or_pem_text_is_trusted() {
    let (host, port, ca) = tls_settings();
    let address = format!("https://{host}:{port}");
    let client = Client::builder(&address).ca_file(&ca).build().unwrap();
    client.server_version().await.unwrap();
    let pem = std::fs::read_to_string(&ca).unwrap();
    let client = Client::builder(&address).ca_pem(pem).build().unwrap();
    client.server_version().await.unwrap();
    // `localhost` is in the certificate too.
    let client = Client::builder(format!("https://localhost:{port}"))
        .ca_file(&ca)
        .build()
        .unwrap();
    client.server_version().await.unwrap();
}

/// The error of one call, checked to be a TLS error that names the server.
async fn tls_error(client: Client, address: &str) -> String {
    let err = client.server_version().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(!err.is_transient());
    assert!(err.message().contains(address), "{err}");
    err.message().to_string()
}

#[tokio::test]
#[ignore = "needs the TLS test instance: make test-tls"]
async fn an_unknown_issuer_is_a_tls_error() {
    let (host, port, _) = tls_settings();
    let address = format!("https://{host}:{port}");
    let client = Client::builder(&address).build().unwrap();
    let message = tls_error(client, &address).await;
    assert!(message.contains("unknown issuer"), "{message}");
    assert!(message.contains("COLONIES_CA_FILE"), "{message}");
    // Trusting another CA does not help.
    let client = Client::builder(&address)
        .ca_file(cert_file("other-ca.pem"))
        .build()
        .unwrap();
    assert!(tls_error(client, &address).await.contains("unknown issuer"));
}

#[tokio::test]
#[ignore = "needs the TLS test instance: make test-tls"]
async fn a_wrong_host_name_is_a_tls_error() {
    // 127.0.0.2 reaches the same server, but the certificate names localhost and 127.0.0.1.
    let (_, port, ca) = tls_settings();
    let address = format!("https://127.0.0.2:{port}");
    let client = Client::builder(&address).ca_file(ca).build().unwrap();
    let message = tls_error(client, &address).await;
    assert!(
        message.contains("not valid for the name \"127.0.0.2\""),
        "{message}"
    );
}

/// A TLS server presenting `cert` that answers nothing after the handshake.
async fn stand_in_tls(cert: &str, key: &str) -> String {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert_file(cert))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(cert_file(key)).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(socket).await;
            });
        }
    });
    address
}

#[tokio::test]
#[ignore = "needs the TLS test instance: make test-tls"]
async fn an_expired_certificate_is_a_tls_error() {
    let address = stand_in_tls("expired.pem", "expired.key").await;
    let client = Client::builder(&address)
        .ca_file(cert_file("ca.pem"))
        .build()
        .unwrap();
    let message = tls_error(client, &address).await;
    assert!(message.contains("has expired"), "{message}");
}

#[tokio::test]
async fn a_plain_http_server_behind_https_is_a_tls_error() {
    // Answers anything with what a plain HTTP server answers to a TLS hello.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 1024];
            let _ = socket.read(&mut buffer).await;
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    let client = Client::builder(&address).build().unwrap();
    let message = tls_error(client, &address).await;
    assert!(message.contains("does not speak TLS"), "{message}");
}

#[tokio::test]
#[ignore = "needs the TLS test instance: make test-tls"]
async fn a_tls_server_behind_http_is_a_tls_error() {
    let (host, port, _) = tls_settings();
    let address = format!("http://{host}:{port}");
    let client = Client::builder(&address).build().unwrap();
    let message = tls_error(client.clone(), &address).await;
    assert!(message.contains("speaks TLS"), "{message}");
    assert!(message.contains("use https://"), "{message}");
    // The websocket says the same.
    let client = client.with_key(PrivateKey::generate());
    let mut stream = client.subscribe_channel("p", "c").unwrap();
    use futures::StreamExt;
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(err.message().contains("speaks TLS"), "{err}");
}

#[test]
fn an_unreadable_ca_file_is_a_tls_error() {
    let err = Client::builder("https://127.0.0.1:1")
        .ca_file("/nonexistent/ca.pem")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
    assert!(
        err.message()
            .contains("cannot read the CA file /nonexistent/ca.pem"),
        "{err}"
    );
    assert!(
        err.message()
            .starts_with("TLS for https://127.0.0.1:1/api: "),
        "{err}"
    );
    // Also for an http server: the mistake shows at once.
    let err = Client::builder("http://127.0.0.1:1")
        .ca_file("/nonexistent/ca.pem")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
}

#[test]
fn a_pem_that_is_not_a_certificate_is_a_tls_error() {
    let key = PrivateKey::generate();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        key.to_hex()
    );
    let err = Client::builder("https://127.0.0.1:1")
        .ca_pem(pem)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
    assert!(err.message().contains("holds no certificate"), "{err}");
    assert!(!err.message().contains(&key.to_hex()));
    let err = Client::builder("https://127.0.0.1:1")
        .ca_pem("hello")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
}

#[tokio::test]
#[ignore = "needs the TLS test instance: make test-tls"]
async fn a_pem_file_holding_a_key_is_a_tls_error() {
    let err = Client::builder("https://127.0.0.1:1")
        .ca_file(cert_file("not-a-cert.pem"))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
    assert!(err.message().contains("holds no certificate"), "{err}");
}

#[tokio::test]
#[ignore = "needs the TLS test instance: make test-tls"]
async fn skipping_verification_takes_the_dangerous_option() {
    let (host, port, _) = tls_settings();
    let client = Client::builder(format!("https://{host}:{port}"))
        .danger_skip_tls_verify(true)
        .build()
        .unwrap();
    client.server_version().await.unwrap();
}

#[tokio::test]
#[ignore = "needs the TLS test instance: make test-tls"]
async fn from_env_reads_the_ca_file_and_both_tls_variables() {
    let settings = server_settings();
    let (_, _, ca) = tls_settings();
    // The only test of this binary that touches the environment.
    for (name, value) in [
        (
            "COLONIES_SERVER_HOST",
            settings["COLONIES_SERVER_HOST"].as_str(),
        ),
        (
            "COLONIES_SERVER_PORT",
            settings["COLONIES_SERVER_PORT"].as_str(),
        ),
        ("COLONIES_SERVER_TLS", "true"),
        ("COLONIES_CA_FILE", ca.to_str().unwrap()),
    ] {
        std::env::set_var(name, value);
    }
    std::env::remove_var("COLONIES_TLS");
    std::env::remove_var("COLONIES_PRVKEY");
    let client = Client::from_env().unwrap();
    assert!(client.server().starts_with("https://"));
    client.server_version().await.unwrap();
    // COLONIES_TLS wins over pycolonies' COLONIES_SERVER_TLS.
    std::env::set_var("COLONIES_TLS", "false");
    let client = Client::from_env().unwrap();
    assert!(client.server().starts_with("http://"));
    std::env::set_var("COLONIES_TLS", "true");
    std::env::set_var("COLONIES_CA_FILE", "/nonexistent/ca.pem");
    assert_eq!(Client::from_env().unwrap_err().kind(), ErrorKind::Tls);
}

/// Server finding: v1.9.12 started with `COLONIES_TLS=true --tlscert --tlskey` (as the harness
/// starts it behind stunnel) still serves plain HTTP and no TLS at all.
#[tokio::test]
#[ignore = "needs the TLS test instance: make test-tls"]
async fn the_server_serves_plain_http_despite_its_tls_settings() {
    let (host, _, ca) = tls_settings();
    let backend = &server_settings()["COLONYKIT_BACKEND_PORT"];
    let plain = Client::builder(format!("http://{host}:{backend}"))
        .build()
        .unwrap();
    plain.server_version().await.unwrap();
    let https = format!("https://{host}:{backend}");
    let tls = Client::builder(&https).ca_file(ca).build().unwrap();
    assert!(tls_error(tls, &https).await.contains("does not speak TLS"));
}

#[tokio::test]
#[ignore = "needs the TLS test instance: make test-tls"]
async fn a_client_certificate_goes_to_a_front_that_asks_for_one() {
    let (host, _, ca) = tls_settings();
    let address = format!(
        "https://{host}:{}",
        server_settings()["COLONYKIT_MTLS_PORT"]
    );
    let client = Client::builder(&address)
        .ca_file(&ca)
        .client_cert(cert_file("client.pem"), cert_file("client.key"))
        .build()
        .unwrap();
    client.server_version().await.unwrap();
    // Without one the front refuses the connection; TLS 1.3 says so after the handshake.
    let without = Client::builder(&address).ca_file(&ca).build().unwrap();
    let message = tls_error(without.clone(), &address).await;
    assert!(message.contains("client certificate"), "{message}");
    let without = without.with_key(PrivateKey::generate());
    let mut stream = without.subscribe_channel("p", "c").unwrap();
    use futures::StreamExt;
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    // A key file that holds no key is refused when the client is made, without its text.
    let err = Client::builder(&address)
        .client_cert(cert_file("client.pem"), cert_file("ca.pem"))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
    assert!(err.message().contains("holds no PEM private key"), "{err}");
}

#[test]
fn tls_settings_in_one_value_check_the_client_certificate_pair() {
    let err = Client::builder("https://127.0.0.1:1")
        .tls(colonykit::TlsSettings {
            client_cert: Some("client.pem".into()),
            ..Default::default()
        })
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("go together"), "{err}");
    let err = Client::builder("https://127.0.0.1:1")
        .tls(colonykit::TlsSettings {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..Default::default()
        })
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
}
