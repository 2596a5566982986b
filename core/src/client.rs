//! [`Client`]: the servers it talks to (one, or the nodes of a cluster), one identity, every
//! operation as an async method.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::crypto::PrivateKey;
use crate::error::{quoted, Error, ErrorKind, Result};
use crate::liveness::Liveness;
use crate::nodes::{Node, Nodes};
use crate::pool::Unanswered;
use crate::rpc::{self, Message};
use crate::tls::{TlsOptions, TlsSettings};
use crate::transport::Settings;
use crate::ws;

/// How long an ordinary call may take, unless the builder says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting to the server may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many ordinary calls a client has in flight at most, unless the builder says otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 32;
/// Extra time a long-poll (assign) is given beyond its own timeout before the client gives up.
pub(crate) const LONG_POLL_MARGIN: Duration = Duration::from_secs(10);

/// A ColonyOS client.
///
/// Cheap to clone (clones share the connection pool); `Send + Sync`. It signs every request with
/// its private key; [`Client::with_key`] gives a client that signs as someone else and shares
/// the same pool.
///
/// Given the nodes of a ColonyOS cluster ([`Client::cluster_builder`]), it spreads ordinary
/// calls over the nodes that answer and sends a call again to another node when one does not
/// answer (when that is safe: see [`ErrorKind::OutcomeUnknown`]), and it reads and writes each
/// process's channels through the one node that holds them (see the README, "Clusters").
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    key: Option<Arc<PrivateKey>>,
}

/// How a message is sent.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Call {
    /// An ordinary call: it takes a turn among the client's calls in flight.
    Ordinary,
    /// A long-poll that the server holds up to this long: it waits on the server's events, not
    /// its database, so it takes no turn, and its timeout is longer by the wait.
    LongPoll(Duration),
}

/// Where a call goes, among the nodes of a cluster (with one server, always to it).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Route {
    /// Any node that answers; another one when it does not (if the call is safe to repeat).
    Any,
    /// Any node but this one while another answers: a submission, kept away from the home of
    /// its colony's channels.
    Avoid(usize),
    /// This node only: the home of a process's channels.
    To(usize),
}

/// What all clones of a client share.
struct Shared {
    /// The servers, each with its pool of connections.
    nodes: Nodes,
    /// Turns for ordinary calls: at most `max_in_flight` at once.
    in_flight: Semaphore,
    /// Whether processes still run, asked once for all the streams that watch one.
    liveness: Liveness,
    /// In a cluster: the node that holds each process's channels, once known.
    homes: Mutex<HashMap<String, usize>>,
}

/// Options for a [`Client`]; made by [`Client::builder`].
#[derive(Clone)]
pub struct ClientBuilder {
    servers: Vec<String>,
    key: Option<PrivateKey>,
    timeout: Duration,
    connect_timeout: Duration,
    tls: TlsOptions,
    max_in_flight: usize,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("servers", &self.servers)
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

    /// The most ordinary calls this client (and its clones) has in flight at once; more wait
    /// their turn, within their timeout. The server (v1.9.12) deadlocks when about 100 calls
    /// that read processes run at once, so the default is well below: 32. Long-polls (`assign`)
    /// and channel writers are not counted.
    pub fn max_in_flight(mut self, calls: usize) -> Self {
        self.max_in_flight = calls;
        self
    }

    /// DANGEROUS: accepts any server certificate, so that anyone on the way can read and change
    /// the traffic (keys stay safe: they sign, they are never sent). For a test server only;
    /// the client prints a warning when it is made. Prefer [`ca_file`](Self::ca_file).
    pub fn danger_skip_tls_verify(mut self, skip: bool) -> Self {
        self.tls.set_skip_verify(skip);
        self
    }

    /// Makes the client. Fails on a malformed server address, no address or the same one
    /// twice, a zero timeout, or TLS options that cannot be used ([`ErrorKind::Tls`]: an
    /// unreadable CA file, a PEM without a certificate).
    pub fn build(self) -> Result<Client> {
        if self.max_in_flight == 0 {
            return Err(Error::invalid_argument("max_in_flight must be at least 1"));
        }
        if self.servers.is_empty() {
            return Err(Error::invalid_argument("no server address was given"));
        }
        let mut nodes: Vec<Node> = Vec::with_capacity(self.servers.len());
        for server in &self.servers {
            let settings = Settings::new(server, self.timeout, self.connect_timeout, &self.tls)?;
            let node = Node::new(settings);
            if nodes.iter().any(|other| other.name() == node.name()) {
                return Err(Error::invalid_argument(format!(
                    "the server {} is given twice",
                    quoted(node.name())
                )));
            }
            nodes.push(node);
        }
        Ok(Client {
            shared: Arc::new(Shared {
                nodes: Nodes::new(nodes),
                in_flight: Semaphore::new(self.max_in_flight),
                liveness: Liveness::default(),
                homes: Mutex::default(),
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
            .field("servers", &self.servers())
            .field("id", &self.key.as_ref().map(|k| k.id()))
            .finish()
    }
}

impl Client {
    /// A builder for a client of the server at `server` (`http://host:port` or `https://...`).
    pub fn builder(server: impl Into<String>) -> ClientBuilder {
        Client::cluster_builder([server])
    }

    /// A builder for a client of the nodes of a ColonyOS cluster, at `servers` (each
    /// `http://host:port` or `https://...`; in any order, but written the same way by every
    /// client of the cluster, since they compute from them which node holds a colony's
    /// channels).
    pub fn cluster_builder<S: Into<String>>(servers: impl IntoIterator<Item = S>) -> ClientBuilder {
        ClientBuilder {
            servers: servers.into_iter().map(Into::into).collect(),
            key: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            tls: TlsOptions::default(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }

    /// A client of `server` signing with `key`, with default timeouts.
    pub fn new(server: &str, key: PrivateKey) -> Result<Client> {
        Client::builder(server).key(key).build()
    }

    /// A client set up from the environment: `COLONIES_SERVER_HOST` (default `localhost`),
    /// `COLONIES_SERVER_PORT` (default 50080) or, for a cluster, `COLONIES_SERVERS` (its nodes:
    /// `host:port,host:port,...`; it wins over the two others), `COLONIES_TLS` (`true`/`false`, default false;
    /// pycolonies' `COLONIES_SERVER_TLS` when it is not set), `COLONIES_CA_FILE` (a PEM file of
    /// CA certificates to trust besides the system's) and `COLONIES_PRVKEY` (optional: without
    /// it the client can only make unsigned calls).
    pub fn from_env() -> Result<Client> {
        Client::builder_from_env()?.build()
    }

    /// The builder [`from_env`](Self::from_env) uses, for more options before building.
    pub fn builder_from_env() -> Result<ClientBuilder> {
        let tls = match ["COLONIES_TLS", "COLONIES_SERVER_TLS"]
            .into_iter()
            .find_map(|name| env_var(name).map(|value| (name, value)))
        {
            None => false,
            Some((_, v)) if v.trim().eq_ignore_ascii_case("true") || v.trim() == "1" => true,
            Some((_, v)) if v.trim().eq_ignore_ascii_case("false") || v.trim() == "0" => false,
            Some((name, v)) => {
                return Err(Error::invalid_argument(format!(
                    "{name} must be true or false, got {}",
                    quoted(&v)
                )))
            }
        };
        let scheme = if tls { "https" } else { "http" };
        let servers = match env_var("COLONIES_SERVERS") {
            Some(list) => servers_from_list(&list, scheme)?,
            None => {
                let host = env_var("COLONIES_SERVER_HOST").unwrap_or_else(|| "localhost".into());
                let port = env_var("COLONIES_SERVER_PORT").unwrap_or_else(|| "50080".into());
                let port: u16 = port.trim().parse().map_err(|_| {
                    Error::invalid_argument(format!(
                        "COLONIES_SERVER_PORT must be a port number, got {}",
                        quoted(&port)
                    ))
                })?;
                vec![format!("{scheme}://{host}:{port}")]
            }
        };
        let mut builder = Client::cluster_builder(servers);
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

    /// The address of the (first) server's RPC endpoint.
    pub fn server(&self) -> &str {
        self.shared.nodes.first().settings.api_url.as_str()
    }

    /// The addresses of the RPC endpoints of every server, in the order they were given.
    pub fn servers(&self) -> Vec<&str> {
        self.shared
            .nodes
            .iter()
            .map(|n| n.settings.api_url.as_str())
            .collect()
    }

    /// The connection settings of the (first) server; timeouts and TLS are the same for all.
    pub(crate) fn settings(&self) -> &Settings {
        &self.shared.nodes.first().settings
    }

    /// The servers.
    pub(crate) fn nodes(&self) -> &Nodes {
        &self.shared.nodes
    }

    /// Where each process's channels are, once known (a cluster's client only).
    pub(crate) fn homes(&self) -> &Mutex<HashMap<String, usize>> {
        &self.shared.homes
    }

    /// The liveness checks shared by this client's streams.
    pub(crate) fn liveness(&self) -> &Liveness {
        &self.shared.liveness
    }

    pub(crate) fn signing_key(&self) -> Result<&PrivateKey> {
        self.key.as_deref().ok_or_else(|| {
            Error::invalid_argument("this client has no private key: give it one with with_key")
        })
    }

    /// Sends one signed message and returns the server's reply.
    pub async fn call<M: Message>(&self, message: &M) -> Result<M::Reply> {
        self.call_routed(message, Route::Any).await
    }

    /// [`call`](Self::call), to the node(s) `route` says.
    pub(crate) async fn call_routed<M: Message>(
        &self,
        message: &M,
        route: Route,
    ) -> Result<M::Reply> {
        let key = self.signing_key()?;
        self.send_routed(message, Some(key), Call::Ordinary, route)
            .await
    }

    /// Sends one message without a signature (only `versionmsg` and `getserverinfomsg`).
    pub(crate) async fn call_unsigned<M: Message>(&self, message: &M) -> Result<M::Reply> {
        self.send(message, None, Call::Ordinary).await
    }

    /// Sends `message` and reads the reply, all within the call's timeout (waiting for a turn,
    /// connecting, the answer, and reading it).
    pub(crate) async fn send<M: Message>(
        &self,
        message: &M,
        key: Option<&PrivateKey>,
        call: Call,
    ) -> Result<M::Reply> {
        self.send_routed(message, key, call, Route::Any).await
    }

    /// [`send`](Self::send), to the node(s) `route` says. A node that does not answer is set
    /// aside for a while; the call goes to another one unless it may have been carried out
    /// already and is not safe to repeat ([`ErrorKind::OutcomeUnknown`]), or it had to go to
    /// that node.
    pub(crate) async fn send_routed<M: Message>(
        &self,
        message: &M,
        key: Option<&PrivateKey>,
        call: Call,
        route: Route,
    ) -> Result<M::Reply> {
        let envelope = rpc::encode(message, key)?;
        let nodes = &self.shared.nodes;
        let settings = self.settings();
        let timeout = match call {
            Call::Ordinary => settings.timeout,
            Call::LongPoll(wait) => settings.timeout + wait,
        };
        let exchange = async {
            let _turn = match call {
                Call::Ordinary => Some(self.shared.in_flight.acquire().await),
                Call::LongPoll(_) => None,
            };
            let mut tried = Vec::new();
            loop {
                let index = match route {
                    Route::Any => nodes.pick(&tried, None),
                    Route::Avoid(home) => nodes.pick(&tried, Some(home)),
                    Route::To(home) => home,
                };
                let node = nodes.get(index);
                // Boxed: the exchange's future is most of a call's (about a kilobyte). Inline,
                // every future that awaits it would hold it and move it once more, and a binding
                // that boxes a whole call would ask for more than glibc keeps in its per-thread
                // cache (1,032 bytes), whose slow path first merges the freed small chunks
                // (`malloc_consolidate`), on every call.
                let post = Box::pin(node.pool.post(&node.settings, &envelope));
                let Unanswered { error, sent } = match post.await {
                    Ok(reply) => {
                        nodes.answered(index);
                        let payload = rpc::parse_reply(reply.status, &reply.body)
                            .map_err(unsupported::<M>)?;
                        return rpc::decode_payload(M::TYPE, &payload);
                    }
                    Err(unanswered) => unanswered,
                };
                if !matches!(error.kind(), ErrorKind::Connection | ErrorKind::Timeout) {
                    return Err(error);
                }
                nodes.failed(index);
                tried.push(index);
                if !nodes.is_cluster() || matches!(route, Route::To(_)) {
                    return Err(error);
                }
                if sent && !M::REPEATABLE {
                    return Err(Error::new(
                        ErrorKind::OutcomeUnknown,
                        format!(
                            "{} may or may not have been carried out: the node {} went away before it answered ({}); it was not sent again",
                            M::TYPE,
                            node.name(),
                            error.message()
                        ),
                    ));
                }
                if tried.len() >= nodes.len() {
                    return Err(Error::connection(format!(
                        "no node of the cluster answers; the last one: {}",
                        error.message()
                    )));
                }
                tracing::info!(node = %node.name(), "{} goes to another node: {error}", M::TYPE);
            }
        };
        crate::timer::timeout(timeout, exchange)
            .await
            .map_err(|_| {
                Error::timeout(format!(
                    "no answer from {} within {timeout:?}",
                    self.servers().join(", ")
                ))
            })?
    }
}

impl Client {
    /// A websocket to a node that answers: process events reach every node of a cluster.
    pub(crate) async fn websocket(&self) -> Result<ws::Socket> {
        let nodes = self.nodes();
        let mut tried = Vec::new();
        loop {
            let index = nodes.pick(&tried, None);
            let error = match ws::connect(&nodes.get(index).settings).await {
                Ok(socket) => {
                    nodes.answered(index);
                    return Ok(socket);
                }
                Err(error) => error,
            };
            if !matches!(error.kind(), ErrorKind::Connection | ErrorKind::Timeout) {
                return Err(error);
            }
            nodes.failed(index);
            tried.push(index);
            if tried.len() >= nodes.len() {
                return Err(error);
            }
        }
    }
}

/// The servers of `COLONIES_SERVERS`: `host:port` (or full addresses), separated by commas.
fn servers_from_list(list: &str, scheme: &str) -> Result<Vec<String>> {
    let servers: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.contains("://") {
            true => s.to_string(),
            false => format!("{scheme}://{s}"),
        })
        .collect();
    if servers.is_empty() {
        return Err(Error::invalid_argument(format!(
            "COLONIES_SERVERS must list host:port addresses separated by commas, got {}",
            quoted(list)
        )));
    }
    Ok(servers)
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
    fn a_call_future_stays_small() {
        // A call's future is moved as it is built, and the bindings keep each call's on the
        // heap: its size is copied, and touched in caches the server has made cold, on every
        // call. Rare paths (a new connection, a cluster's first lookup) are boxed, and parsed
        // headers stay off it (bench/README.md, round eight: 3,232 bytes before that).
        let client = Client::builder("http://127.0.0.1:50080").build().unwrap();
        let append = client.append("p", "c", crate::NewEntry::data(1, b"x".to_vec()));
        let size = std::mem::size_of_val(&append);
        assert!(size <= 2048, "an append's future is {size} bytes");
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
    fn cluster_addresses_are_checked() {
        let none: [&str; 0] = [];
        let err = Client::cluster_builder(none).build().unwrap_err();
        assert!(err.message().contains("no server address"), "{err}");
        let twice = [
            "http://127.0.0.1:1",
            "http://127.0.0.1:2",
            "HTTP://127.0.0.1:1/",
        ];
        let err = Client::cluster_builder(twice).build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().contains("given twice"), "{err}");
        let client = Client::cluster_builder(["http://h:1", "http://h:2"])
            .build()
            .unwrap();
        assert_eq!(client.servers(), ["http://h:1/api", "http://h:2/api"]);
        assert_eq!(
            servers_from_list(" a:1, b:2 ,,", "https").unwrap(),
            ["https://a:1", "https://b:2"]
        );
        assert!(servers_from_list(" , ", "http").is_err());
    }

    /// A stand-in node that reads each request and writes `reply` (nothing: it closes the
    /// connection without an answer, as a node that dies while it works on the request).
    async fn stand_in(reply: &'static str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        address
    }

    async fn dies_while_working() -> String {
        stand_in("").await
    }

    /// A node that answers `404 page not found`: a call that reached it fails with `NotFound`.
    async fn answers_404() -> String {
        stand_in("HTTP/1.1 404 Not Found\r\ncontent-length: 18\r\nconnection: close\r\n\r\n404 page not found").await
    }

    /// An address where nothing listens.
    async fn refuses() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        address
    }

    fn cluster_of(first: String, second: String) -> Client {
        Client::cluster_builder([first, second])
            .key(PrivateKey::generate())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn a_read_whose_node_dies_goes_to_another_node() {
        let client = cluster_of(dies_while_working().await, answers_404().await);
        for _ in 0..4 {
            let err = client.get_colonies().await.unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::NotFound,
                "it reached the second node: {err}"
            );
        }
    }

    #[tokio::test]
    async fn a_change_whose_node_dies_is_not_sent_again() {
        let dying = dies_while_working().await;
        let client = cluster_of(dying.clone(), answers_404().await);
        // Round-robin: some of the calls go to the dying node first.
        let mut unknown = 0;
        for _ in 0..6 {
            let err = client.remove_colony("dev").await.unwrap_err();
            match err.kind() {
                ErrorKind::OutcomeUnknown => {
                    unknown += 1;
                    assert!(
                        err.message().contains("removecolonymsg may or may not"),
                        "{err}"
                    );
                    assert!(
                        err.message().contains(dying.trim_start_matches("http://")),
                        "{err}"
                    );
                }
                kind => assert_eq!(kind, ErrorKind::NotFound, "{err}"),
            }
            // The dying node is set aside after a failure: let it be tried again.
            client.nodes().answered(0);
        }
        assert!(unknown > 0, "a change was sent to the dying node");
    }

    #[tokio::test]
    async fn a_change_that_could_not_be_sent_goes_to_another_node() {
        let client = cluster_of(refuses().await, answers_404().await);
        for _ in 0..4 {
            let err = client.remove_colony("dev").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
            client.nodes().answered(0);
        }
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
