//! `colonykit.Client` and `colonykit.SyncClient`: the core client, every operation an async
//! method of the first and a blocking one of the second. This file holds the constructors and the
//! methods written by hand (once, for both: `twins!`); the pass-through ones are generated
//! (`api.rs`).

use std::path::PathBuf;

use colonykit::{
    Client, EntryKind, Executor, NewEntry, SubscribeOptions, TlsSettings, User, WriterOptions,
    DEFAULT_MAX_IN_FLIGHT,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::blocking::{twins, Mode};
use crate::convert::{
    non_negative, optional_seconds, private_key, process_state, py_to_json_list, seconds,
};
use crate::errors::{guard, IntoPyResult};
use crate::runtime::{in_runtime, ready};
use crate::stream::channel_subscription;
use crate::writer::NewWriter;

/// A ColonyOS client: one connection pool and the private key it signs with.
///
/// Every operation is an async method. ``with_key`` gives a client that signs as someone else
/// and shares the pool. ``async with Client(...) as client`` works (there is nothing to release:
/// channel subscriptions are closed on their own).
///
/// Args:
///     server: the server's address, ``http://host:port`` or ``https://host:port``.
///     prvkey: the private key to sign with (64 hex characters), or None for unsigned calls only.
///     timeout: the longest an ordinary call may take, in seconds.
///     ca_file: a PEM file of CA certificates to trust besides the system's (a private CA).
///     ca_pem: the same as PEM text.
///     client_cert, client_key: PEM files of a client certificate and its key, for a server
///         (or its TLS front) that asks for one.
///     danger_skip_tls_verify: accept any server certificate (test servers only; warns).
#[pyclass(frozen, module = "colonykit", name = "Client")]
pub struct PyClient {
    pub(crate) inner: Client,
}

#[pymethods]
impl PyClient {
    #[new]
    #[pyo3(signature = (
        server, prvkey = None, *, timeout = 30.0, max_in_flight = DEFAULT_MAX_IN_FLIGHT as i64,
        ca_file = None, ca_pem = None, client_cert = None, client_key = None,
        danger_skip_tls_verify = false
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        server: &Bound<'_, PyAny>,
        prvkey: Option<&Bound<'_, PyAny>>,
        timeout: f64,
        max_in_flight: i64,
        ca_file: Option<PathBuf>,
        ca_pem: Option<String>,
        client_cert: Option<PathBuf>,
        client_key: Option<PathBuf>,
        danger_skip_tls_verify: bool,
    ) -> PyResult<Self> {
        let tls = TlsSettings {
            ca_file,
            ca_pem,
            client_cert,
            client_key,
            danger_skip_tls_verify,
        };
        // One address, or the nodes of a cluster (any sequence of them but a str's characters).
        let servers: Vec<String> = match server.extract::<String>() {
            Ok(one) => vec![one],
            Err(_) => server.extract().map_err(|_| {
                crate::errors::wrong_type(
                    "server",
                    "a str (http://host:port) or a list of them (the nodes of a cluster)",
                    server,
                )
            })?,
        };
        let key = match prvkey.filter(|k| !k.is_none()) {
            Some(key) => Some(private_key(key, "prvkey")?),
            None => None,
        };
        let timeout = seconds(py, timeout, "timeout")?;
        let max_in_flight: usize = non_negative(py, max_in_flight, "max_in_flight")?;
        guard(py, || {
            let mut builder = Client::cluster_builder(servers)
                .timeout(timeout)
                .max_in_flight(max_in_flight);
            if let Some(key) = key {
                builder = builder.key(key);
            }
            in_runtime(|| builder.tls(tls).build()).py_err(py)
        })
        .map(|inner| PyClient { inner })
    }

    /// A client set up from the environment: ``COLONIES_SERVER_HOST`` (default localhost),
    /// ``COLONIES_SERVER_PORT`` (default 50080) or, for a cluster, ``COLONIES_SERVERS``
    /// (``host:port,host:port,...``; it wins), ``COLONIES_TLS`` (true/false; pycolonies'
    /// ``COLONIES_SERVER_TLS`` when unset), ``COLONIES_CA_FILE`` and ``COLONIES_PRVKEY``
    /// (optional); the TLS keywords as for the constructor.
    #[staticmethod]
    #[pyo3(signature = (
        *, ca_file = None, ca_pem = None, client_cert = None, client_key = None,
        danger_skip_tls_verify = false
    ))]
    fn from_env(
        py: Python<'_>,
        ca_file: Option<PathBuf>,
        ca_pem: Option<String>,
        client_cert: Option<PathBuf>,
        client_key: Option<PathBuf>,
        danger_skip_tls_verify: bool,
    ) -> PyResult<Self> {
        let tls = TlsSettings {
            ca_file,
            ca_pem,
            client_cert,
            client_key,
            danger_skip_tls_verify,
        };
        guard(py, || {
            let builder = Client::builder_from_env().py_err(py)?;
            in_runtime(|| builder.tls(tls).build()).py_err(py)
        })
        .map(|inner| PyClient { inner })
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        ready(slf.py(), slf.clone().into_any())
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        ready(py, py.None().into_bound(py))
    }
}

/// A ColonyOS client whose operations block: the same methods, arguments, defaults, records and
/// errors as ``Client``, each returning its result instead of a coroutine.
///
/// Each call releases the GIL while it waits (other threads run; many threads may share one
/// client) and needs no event loop (it works where one is running, as in a notebook). Ctrl-C
/// interrupts a wait. Streams are plain iterators. ``with SyncClient(...) as client`` works.
/// Takes the same arguments as ``Client`` (and ``from_env``, ``with_key``).
#[pyclass(frozen, module = "colonykit", name = "SyncClient")]
pub struct PySyncClient {
    pub(crate) inner: Client,
}

impl PySyncClient {
    /// The blocking twin of a `Client` made by Python code.
    fn twin_of(client: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PySyncClient {
            inner: client.cast::<PyClient>()?.get().inner.clone(),
        })
    }
}

#[pymethods]
impl PySyncClient {
    /// The same arguments as ``Client(...)``, passed on to it (one constructor for both).
    #[new]
    #[pyo3(signature = (*args, **kwargs))]
    fn new(
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        Self::twin_of(&py.get_type::<PyClient>().call(args, kwargs)?)
    }

    /// A client set up from the environment, as ``Client.from_env``.
    #[staticmethod]
    #[pyo3(signature = (*args, **kwargs))]
    fn from_env(
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let from_env = py.get_type::<PyClient>().getattr("from_env")?;
        Self::twin_of(&from_env.call(args, kwargs)?)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) {}
}

twins! {
impl PyClient, PySyncClient {
    /// The same client (same pool, same settings) signing with ``prvkey``.
    fn with_key(&self, prvkey: &Bound<'_, PyAny>) -> PyResult<Self> {
        let key = private_key(prvkey, "prvkey")?;
        Ok(Self {
            inner: self.inner.with_key(key),
        })
    }

    /// The ID of the key this client signs with, or None.
    #[getter]
    fn id(&self) -> Option<&str> {
        self.inner.key().map(|key| key.id())
    }

    /// The address of the (first) server's RPC endpoint.
    #[getter]
    fn server(&self) -> &str {
        self.inner.server()
    }

    /// The addresses of the RPC endpoints of every server (the nodes of a cluster), in the
    /// order they were given.
    #[getter]
    fn servers(&self) -> Vec<&str> {
        self.inner.servers()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let inner = &slf.get().inner;
        let id = match inner.key().map(|key| key.id()) {
            Some(id) => PyString::new(py, id).repr()?.to_string(),
            None => "None".into(),
        };
        Ok(format!(
            "{}(server={}, id={id})",
            slf.get_type().name()?,
            PyString::new(py, inner.server()).repr()?
        ))
    }

    // --- The operations that need more than a pass-through ------------------------------------
    // (The others come from the core's table: see `api.rs`.)

    // --- Users --------------------------------------------------------------------------------

    /// Adds a user to a colony (signed by the colony key).
    #[pyo3(signature = (colonyname, userid, name, email = String::new(), phone = String::new()))]
    #[pyo3(text_signature = "($self, colonyname, userid, name, email='', phone='')")]
    fn add_user<'py>(
        &self,
        py: Python<'py>,
        colonyname: String,
        userid: String,
        name: String,
        email: String,
        phone: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        let user = User {
            colonyname,
            userid,
            name,
            email,
            phone,
        };
        Run::call(py, async move { client.add_user(&user).await })
    }

    // --- Executors ----------------------------------------------------------------------------

    /// Registers an executor (signed by the colony key); it starts PENDING.
    fn add_executor<'py>(
        &self,
        py: Python<'py>,
        executorid: String,
        executortype: String,
        executorname: String,
        colonyname: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        let executor = Executor::new(executorid, executortype, executorname, colonyname);
        Run::call(py, async move { client.add_executor(&executor).await })
    }

    // --- Processes ----------------------------------------------------------------------------

    /// Waits up to ``timeout`` seconds (rounded up to whole seconds) for a process to run and
    /// takes it; None if no work came in time. Only executors can assign.
    fn assign<'py>(
        &self,
        py: Python<'py>,
        colonyname: String,
        timeout: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        let timeout = seconds(py, timeout, "timeout")?;
        Run::call(py, async move { client.assign(&colonyname, timeout).await })
    }

    /// Waits until the process is in ``state`` (a ``ProcessState`` or its name) and returns it.
    ///
    /// Raises ``TimeoutError`` after ``timeout`` seconds, and ``ProcessClosedError`` as soon as
    /// the process is closed in another state.
    fn wait_for_state<'py>(
        &self,
        py: Python<'py>,
        processid: String,
        state: &Bound<'py, PyAny>,
        timeout: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        let state = process_state(state)?;
        let timeout = seconds(py, timeout, "timeout")?;
        Run::call(py, async move {
            client.wait_for_state(&processid, state, timeout).await
        })
    }

    // --- Channels -----------------------------------------------------------------------------

    /// Appends an entry to a channel of a process (by its submitter or its executor).
    ///
    /// ``payload`` is bytes (a str is sent as UTF-8); ``kind`` is "data", "end", "error" or
    /// another type; ``inreplyto`` is the other party's sequence this entry answers.
    #[pyo3(signature = (processid, channel, sequence, payload, *, kind = String::from("data"), inreplyto = 0))]
    #[pyo3(
        text_signature = "($self, processid, channel, sequence, payload, *, kind='data', inreplyto=0)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn append<'py>(
        &self,
        py: Python<'py>,
        processid: String,
        channel: String,
        sequence: i64,
        payload: &Bound<'py, PyAny>,
        kind: String,
        inreplyto: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        let entry = NewEntry {
            sequence,
            payload: crate::convert::payload(payload)?,
            kind: EntryKind::from(kind),
            inreplyto,
        };
        Run::call(py, async move {
            client.append(&processid, &channel, entry).await
        })
    }

    /// Reads up to ``limit`` entries (0: all) of a channel's log, after the first ``after``.
    #[pyo3(signature = (processid, channel, after = 0, limit = 0))]
    fn read_channel<'py>(
        &self,
        py: Python<'py>,
        processid: String,
        channel: String,
        after: i64,
        limit: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        let after: u64 = non_negative(py, after, "after")?;
        let limit: u32 = non_negative(py, limit, "limit")?;
        Run::call(py, async move {
            client
                .read_channel(&processid, &channel, after, limit)
                .await
        })
    }

    /// Subscribes to a channel: an iterator of its entries (``ChannelSubscription``, async; from
    /// ``SyncClient`` a ``SyncChannelSubscription``, plain).
    ///
    /// ``after`` skips the first entries of the log; ``idle_timeout`` (seconds) ends the stream
    /// with ``TimeoutError`` when no entry arrives for that long. The stream ends after an
    /// ``end`` or ``error`` entry, and with ``ProcessClosedError`` if the process is closed. A
    /// lost connection is resumed for as long as the stream is open, or ``reconnect_deadline``
    /// seconds (then ``ConnectionError``).
    #[pyo3(signature = (
        processid, channel, *, after = 0, idle_timeout = None, reconnect_deadline = None
    ))]
    fn subscribe_channel<'py>(
        &self,
        py: Python<'py>,
        processid: String,
        channel: String,
        after: i64,
        idle_timeout: Option<f64>,
        reconnect_deadline: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let after: u64 = non_negative(py, after, "after")?;
        let options = SubscribeOptions {
            after,
            idle_timeout: optional_seconds(py, idle_timeout, "idle_timeout")?,
            reconnect_deadline: optional_seconds(py, reconnect_deadline, "reconnect_deadline")?,
        };
        let client = self.inner.clone();
        let stream = guard(py, || {
            in_runtime(|| client.subscribe_channel_with(&processid, &channel, options)).py_err(py)
        })?;
        channel_subscription(py, Run::BLOCKING, stream, processid, channel)
    }

    /// A writer for a channel (see ``ChannelWriter``): ordered appends, several in flight,
    /// numbered ``first_sequence``, ``first_sequence + step``, ...; it rides out the server's
    /// rate limit, and after a lost connection sends again what was not acknowledged, for up to
    /// ``reconnect_deadline`` seconds (default: the client's timeout). Opens its connection now.
    #[pyo3(signature = (
        processid, channel, *, first_sequence = 1, step = 1, max_in_flight = 16,
        reconnect_deadline = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn channel_writer<'py>(
        &self,
        py: Python<'py>,
        processid: String,
        channel: String,
        first_sequence: i64,
        step: i64,
        max_in_flight: i64,
        reconnect_deadline: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let max_in_flight: usize = non_negative(py, max_in_flight, "max_in_flight")?;
        let client = self.inner.clone();
        let options = WriterOptions {
            first_sequence,
            step,
            max_in_flight,
            reconnect_deadline: optional_seconds(py, reconnect_deadline, "reconnect_deadline")?,
        };
        Run::call_on_shared_runtime(py, async move {
            let writer = client
                .channel_writer_with(&processid, &channel, options)
                .await?;
            Ok(NewWriter {
                writer,
                processid,
                channel,
                blocking: Run::BLOCKING,
            })
        })
    }

    // --- Sync channel -------------------------------------------------------------------------

    /// Executor side: waits up to ``timeout`` seconds for the other party's acknowledgement.
    fn wait_for_ack<'py>(
        &self,
        py: Python<'py>,
        processid: String,
        sync_channel: String,
        timeout: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        let timeout = seconds(py, timeout, "timeout")?;
        Run::call(py, async move {
            client
                .wait_for_ack(&processid, &sync_channel, timeout)
                .await
        })
    }

    /// Executor side: waits for the acknowledgement, then closes the process with ``output``.
    fn close_after_ack<'py>(
        &self,
        py: Python<'py>,
        processid: String,
        sync_channel: String,
        output: &Bound<'py, PyAny>,
        timeout: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        let output = py_to_json_list(output, "output")?;
        let timeout = seconds(py, timeout, "timeout")?;
        Run::call(py, async move {
            client
                .close_after_ack(&processid, &sync_channel, output, timeout)
                .await
        })
    }
}
}
