//! [`Client`]: one connection pool, one identity, every operation as an async method.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;

use crate::crypto::PrivateKey;
use crate::error::{Error, ErrorKind, Result};
use crate::messages::{self, List};
use crate::model::{
    Colony, Executor, FunctionSpec, NewEntry, Process, ProcessState, ServerVersion, User,
};
use crate::rpc::{self, Message};

/// How long an ordinary call may take, unless the builder says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting to the server may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Extra time a long-poll (assign) is given beyond its own timeout before the client gives up.
const LONG_POLL_MARGIN: Duration = Duration::from_secs(10);

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
    http: reqwest::Client,
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
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
            .map_err(|e| Error::connection(format!("cannot set up the HTTP client: {e}")))?;
        let tls = match secure {
            true => Some(Arc::new(crate::transport::tls_config()?)),
            false => None,
        };
        Ok(Client {
            shared: Arc::new(Shared {
                http,
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

    async fn send<M: Message>(
        &self,
        message: &M,
        key: Option<&PrivateKey>,
        timeout: Duration,
    ) -> Result<M::Reply> {
        let envelope = rpc::encode(message, key)?;
        let response = self
            .shared
            .http
            .post(self.shared.api_url.clone())
            .body(envelope)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| self.http_error(e, timeout))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.http_error(e, timeout))?;
        let payload = rpc::parse_reply(status, &body)?;
        rpc::decode_payload(M::TYPE, &payload)
    }

    fn http_error(&self, error: reqwest::Error, timeout: Duration) -> Error {
        let server = self.shared.api_url.as_str();
        if error.is_timeout() {
            Error::timeout(format!("no answer from {server} within {timeout:?}"))
        } else if error.is_connect() {
            Error::connection(format!(
                "cannot connect to {server}: {}",
                error_chain(&error)
            ))
        } else {
            Error::connection(format!(
                "the connection to {server} failed: {}",
                error_chain(&error)
            ))
        }
    }

    // --- Server -------------------------------------------------------------------------------

    /// The server's build version (an unsigned call: works without a key).
    pub async fn server_version(&self) -> Result<ServerVersion> {
        let message = messages::Version {
            buildversion: String::new(),
            buildtime: String::new(),
        };
        self.send(&message, None, self.shared.timeout).await
    }

    // --- Colonies -----------------------------------------------------------------------------

    /// Adds a colony owned by the key with ID `colonyid` (signed by the server key).
    pub async fn add_colony(&self, colonyid: &str, name: &str) -> Result<Colony> {
        let colony = Colony {
            colonyid: colonyid.into(),
            name: name.into(),
        };
        self.call(&messages::AddColony { colony }).await
    }

    /// Removes a colony (signed by the server key).
    pub async fn remove_colony(&self, colonyname: &str) -> Result<()> {
        let message = messages::RemoveColony {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// A colony, by name (signed by a member).
    pub async fn get_colony(&self, colonyname: &str) -> Result<Colony> {
        let message = messages::GetColony {
            colonyname: colonyname.into(),
        };
        self.call(&message).await
    }

    /// Every colony (signed by the server key).
    pub async fn get_colonies(&self) -> Result<Vec<Colony>> {
        self.call(&messages::GetColonies {}).await.map(|List(v)| v)
    }

    // --- Users --------------------------------------------------------------------------------

    /// Adds a user to a colony (signed by the colony key).
    pub async fn add_user(&self, user: &User) -> Result<User> {
        self.call(&messages::AddUser { user: user.clone() }).await
    }

    /// The users of a colony.
    pub async fn get_users(&self, colonyname: &str) -> Result<Vec<User>> {
        let message = messages::GetUsers {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Removes a user (signed by the colony key).
    pub async fn remove_user(&self, colonyname: &str, name: &str) -> Result<()> {
        let message = messages::RemoveUser {
            colonyname: colonyname.into(),
            name: name.into(),
        };
        self.call(&message).await.map(drop)
    }

    // --- Executors ----------------------------------------------------------------------------

    /// Registers an executor (signed by the colony key); it starts PENDING.
    pub async fn add_executor(&self, executor: &Executor) -> Result<Executor> {
        if executor.executorname.contains(':') {
            return Err(Error::invalid_argument(format!(
                "executor name {:?} must not contain ':'",
                executor.executorname
            )));
        }
        let message = messages::AddExecutor {
            executor: executor.clone(),
        };
        self.call(&message).await
    }

    /// An executor, by colony and name.
    pub async fn get_executor(&self, colonyname: &str, executorname: &str) -> Result<Executor> {
        let message = messages::GetExecutor {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
        };
        self.call(&message).await
    }

    /// The executors of a colony.
    pub async fn get_executors(&self, colonyname: &str) -> Result<Vec<Executor>> {
        let message = messages::GetExecutors {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Approves a pending executor (signed by the colony key).
    pub async fn approve_executor(&self, colonyname: &str, executorname: &str) -> Result<()> {
        let message = messages::ApproveExecutor {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Rejects an executor (signed by the colony key).
    pub async fn reject_executor(&self, colonyname: &str, executorname: &str) -> Result<()> {
        let message = messages::RejectExecutor {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Unregisters an executor (signed by the colony key).
    pub async fn remove_executor(&self, colonyname: &str, executorname: &str) -> Result<()> {
        let message = messages::RemoveExecutor {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
        };
        self.call(&message).await.map(drop)
    }

    // --- Processes ----------------------------------------------------------------------------

    /// Submits a function spec; the process starts WAITING.
    pub async fn submit(&self, spec: &FunctionSpec) -> Result<Process> {
        if spec.maxexectime == 0 {
            return Err(Error::invalid_argument(
                "maxexectime 0 fails the process at once; use -1 for no limit",
            ));
        }
        self.call(&messages::SubmitFunctionSpec { spec: spec.clone() })
            .await
    }

    /// Waits up to `timeout` (whole seconds, at least one) for a process to run, and takes it.
    /// `Ok(None)` means no work came in time. Only executors can assign.
    pub async fn assign(&self, colonyname: &str, timeout: Duration) -> Result<Option<Process>> {
        let seconds = whole_seconds(timeout, "assign timeout")?;
        let message = messages::AssignProcess {
            colonyname: colonyname.into(),
            timeout: seconds,
            availablecpu: String::new(),
            availablemem: String::new(),
        };
        let http_timeout = self.shared.timeout + timeout + LONG_POLL_MARGIN;
        match self
            .send(&message, Some(self.signing_key()?), http_timeout)
            .await
        {
            Ok(process) => Ok(Some(process)),
            Err(e) if e.kind() == ErrorKind::NotFound && e.message().contains("No process") => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// A process, by ID.
    pub async fn get_process(&self, processid: &str) -> Result<Process> {
        let message = messages::GetProcess {
            processid: processid.into(),
        };
        self.call(&message).await
    }

    /// Up to `count` (at most 100) processes of a colony in `state`, oldest first.
    pub async fn get_processes(
        &self,
        colonyname: &str,
        state: ProcessState,
        count: u32,
    ) -> Result<Vec<Process>> {
        let message = messages::GetProcesses {
            colonyname: colonyname.into(),
            count: i64::from(count),
            state: state.into(),
            executortype: String::new(),
            label: String::new(),
            initiator: String::new(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Removes a process that is not running.
    pub async fn remove_process(&self, processid: &str) -> Result<()> {
        let message = messages::RemoveProcess {
            processid: processid.into(),
            all: false,
        };
        self.call(&message).await.map(drop)
    }

    /// Sets the output of a running process (by its executor).
    pub async fn set_output(&self, processid: &str, output: Vec<Value>) -> Result<()> {
        let message = messages::SetOutput {
            processid: processid.into(),
            output,
        };
        self.call(&message).await.map(drop)
    }

    /// Closes a process as successful, with `output` (by its executor). Deletes its channels.
    pub async fn close(&self, processid: &str, output: Vec<Value>) -> Result<()> {
        let message = messages::CloseSuccessful {
            processid: processid.into(),
            output,
        };
        self.call(&message).await.map(drop)
    }

    /// Closes a process as failed, with `errors` (by its executor). Deletes its channels.
    pub async fn fail(&self, processid: &str, errors: Vec<String>) -> Result<()> {
        let message = messages::CloseFailed {
            processid: processid.into(),
            errors,
        };
        self.call(&message).await.map(drop)
    }

    /// Cancels a process (server v1.9.12 or later). Deletes its channels.
    pub async fn cancel(&self, processid: &str) -> Result<()> {
        let message = messages::CancelProcess {
            processid: processid.into(),
        };
        self.call(&message).await.map_err(|e| {
            if e.kind() == ErrorKind::Unauthorized
                && e.message().contains("invalid rpcMsg.PayloadType")
            {
                Error::new(
                    ErrorKind::InvalidRequest,
                    "this server does not support cancelling processes (it needs v1.9.12 or later)",
                )
            } else {
                e
            }
        })?;
        Ok(())
    }

    // --- Channels -----------------------------------------------------------------------------

    /// Appends an entry to a channel of a process (by its submitter or its executor).
    pub async fn append(&self, processid: &str, channel: &str, entry: NewEntry) -> Result<()> {
        let message = messages::ChannelAppend::new(processid, channel, entry);
        self.call(&message).await.map(drop)
    }

    /// Reads up to `limit` entries (0: all) of a channel's log, after the first `after` entries.
    pub async fn read_channel(
        &self,
        processid: &str,
        channel: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<crate::ChannelEntry>> {
        let message = messages::ChannelRead {
            processid: processid.into(),
            name: channel.into(),
            afterseq: i64::try_from(after)
                .map_err(|_| Error::invalid_argument("the read position is too large"))?,
            limit: i64::from(limit),
        };
        self.call(&message).await.map(|List(v)| v)
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
    fn debug_shows_the_id_not_the_key() {
        let key = PrivateKey::generate();
        let hex = key.to_hex();
        let client = Client::new("http://h:1", key).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains(&hex));
    }
}
