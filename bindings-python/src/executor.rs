//! The executor runtime for Python: a thin native layer over the core's [`Runtime`] and its
//! tasks. `colonykit.executor` (pure Python) adds the decorator, the dispatch, the signals and
//! the asyncio cancellation; everything the protocol needs is in the core.

use std::sync::{Arc, Mutex, PoisonError};

use colonykit::executor::{
    CancelReason, Channel, Context, FunctionDecl, Runtime, RuntimeOptions, Task,
};
use colonykit::WriterOptions;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::client::PyClient;
use crate::convert::{json_list_to_py, json_to_py, payload, py_to_json_list, seconds};
use crate::errors::{invalid_argument, to_pyerr};
use crate::outcome::ToPython;
use crate::runtime::awaitable;

fn reason_name(reason: CancelReason) -> &'static str {
    match reason {
        CancelReason::Cancelled => "cancelled",
        CancelReason::Deadline => "deadline",
        CancelReason::Shutdown => "shutdown",
    }
}

/// A started runtime (`await _ExecutorRuntime.start(...)`).
#[pyclass(frozen, module = "colonykit._native", name = "_ExecutorRuntime")]
pub struct PyRuntime {
    inner: Arc<Runtime>,
}

struct Started(Runtime);

impl ToPython for Started {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let runtime = PyRuntime {
            inner: Arc::new(self.0),
        };
        Ok(Bound::new(py, runtime)?.into_any())
    }
}

impl ToPython for Task {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let task = PyTask {
            context: self.context(),
            task: Mutex::new(Some(self)),
        };
        Ok(Bound::new(py, task)?.into_any())
    }
}

impl ToPython for CancelReason {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(pyo3::types::PyString::new(py, reason_name(self)).into_any())
    }
}

#[pymethods]
impl PyRuntime {
    /// Registers (see the core's `Runtime::start`) and starts taking work. `functions` are
    /// `(name, sync_channel or None, sync_timeout_seconds)`.
    #[staticmethod]
    #[pyo3(signature = (client, colonyname, functions, executortype="", executorname="",
        location="", concurrency=1, poll=5.0, check_interval=1.0, max_processes=None))]
    #[allow(clippy::too_many_arguments)]
    fn start<'py>(
        py: Python<'py>,
        client: &PyClient,
        colonyname: &str,
        functions: Vec<(String, Option<String>, f64)>,
        executortype: &str,
        executorname: &str,
        location: &str,
        concurrency: usize,
        poll: f64,
        check_interval: f64,
        max_processes: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut decls = Vec::new();
        for (name, sync, timeout) in functions {
            let mut decl = FunctionDecl::new(name);
            if let Some(channel) = sync {
                decl = decl.sync_ack(channel, seconds(py, timeout, "sync_timeout")?);
            }
            decls.push(decl);
        }
        let mut options = RuntimeOptions::new(colonyname);
        options.executortype = executortype.to_string();
        options.executorname = executorname.to_string();
        options.location = location.to_string();
        options.concurrency = concurrency;
        options.poll = seconds(py, poll, "poll")?;
        options.check_interval = seconds(py, check_interval, "check_interval")?;
        options.max_processes = max_processes;
        let client = client.inner.clone();
        awaitable(py, async move {
            Runtime::start(client, options, decls).await.map(Started)
        })
    }

    /// The next task, or None once the runtime takes no more work.
    fn next_task<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let runtime = Arc::clone(&self.inner);
        awaitable(py, async move { runtime.next_task().await })
    }

    /// Stops taking work (running tasks go on).
    fn stop(&self) {
        self.inner.stop();
    }

    /// Stops taking work, waits up to `grace` seconds for unfinished tasks, fails the rest
    /// ("executor shutting down"), and removes a self-registered executor.
    fn shutdown<'py>(&self, py: Python<'py>, grace: f64) -> PyResult<Bound<'py, PyAny>> {
        let grace = seconds(py, grace, "grace")?;
        let runtime = Arc::clone(&self.inner);
        awaitable(py, async move { runtime.shutdown(grace).await })
    }

    /// The executor it runs as.
    #[getter]
    fn executor<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.inner.executor().clone().to_python(py)
    }

    /// A client signing as that executor.
    #[getter]
    fn client(&self, py: Python<'_>) -> PyResult<Py<PyClient>> {
        Py::new(
            py,
            PyClient {
                inner: self.inner.client().clone(),
            },
        )
    }

    /// The registered function names.
    #[getter]
    fn functions(&self) -> Vec<String> {
        self.inner.function_names()
    }
}

/// One assigned process: its context, and its completion (exactly once; dropping it
/// unfinished fails the process).
#[pyclass(frozen, module = "colonykit._native", name = "_ExecutorTask")]
pub struct PyTask {
    context: Context,
    task: Mutex<Option<Task>>,
}

impl PyTask {
    fn take(&self, py: Python<'_>) -> PyResult<Task> {
        self.task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| invalid_argument(py, "the task is finished already"))
    }
}

#[pymethods]
impl PyTask {
    #[getter]
    fn process<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.context.process().clone().to_python(py)
    }

    #[getter]
    fn processid(&self) -> &str {
        self.context.processid()
    }

    #[getter]
    fn funcname(&self) -> &str {
        &self.context.process().spec.funcname
    }

    #[getter]
    fn args<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(json_list_to_py(py, self.context.args())?.into_any())
    }

    #[getter]
    fn kwargs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (key, value) in self.context.kwargs() {
            dict.set_item(key, json_to_py(py, value)?)?;
        }
        Ok(dict)
    }

    /// Seconds left until the deadline (`maxexectime`), or None without one.
    #[getter]
    fn remaining(&self) -> Option<f64> {
        self.context.remaining().map(|left| left.as_secs_f64())
    }

    /// Why the cancellation signal fired ("cancelled", "deadline", "shutdown"), or None.
    #[getter]
    fn cancel_reason(&self) -> Option<&'static str> {
        self.context.cancel_reason().map(reason_name)
    }

    /// Waits for the cancellation signal; returns its reason.
    fn cancelled<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let context = self.context.clone();
        awaitable(py, async move { Ok(context.cancelled().await) })
    }

    /// The writer of a declared channel (opened on first send, ended by the runtime).
    #[pyo3(signature = (name, first_sequence=1, step=1))]
    fn channel(
        &self,
        py: Python<'_>,
        name: &str,
        first_sequence: i64,
        step: i64,
    ) -> PyResult<PyTaskChannel> {
        let options = WriterOptions {
            first_sequence,
            step,
            ..WriterOptions::default()
        };
        self.context
            .channel_with(name, options)
            .map(|channel| PyTaskChannel { channel })
            .map_err(|error| to_pyerr(py, &error))
    }

    /// Adds a line to the process log.
    fn log<'py>(&self, py: Python<'py>, message: String) -> PyResult<Bound<'py, PyAny>> {
        let context = self.context.clone();
        awaitable(py, async move { context.log(&message).await })
    }

    /// Closes the process with `output` (a list) after ending and draining its writers.
    fn complete<'py>(
        &self,
        py: Python<'py>,
        output: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let output = py_to_json_list(output, "output")?;
        let task = self.take(py)?;
        awaitable(py, async move { task.complete(output).await })
    }

    /// Fails the process with `message` and its type; `detail` goes to the process log.
    fn fail<'py>(
        &self,
        py: Python<'py>,
        message: String,
        kind: String,
        detail: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let task = self.take(py)?;
        awaitable(py, async move { task.fail(&message, &kind, &detail).await })
    }

    /// Fails the process with exactly `errors`; `detail` goes to the process log.
    fn fail_errors<'py>(
        &self,
        py: Python<'py>,
        errors: Vec<String>,
        detail: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let task = self.take(py)?;
        awaitable(py, async move { task.fail_errors(errors, &detail).await })
    }
}

/// A channel writer of one task.
#[pyclass(frozen, module = "colonykit._native", name = "_TaskChannel")]
pub struct PyTaskChannel {
    channel: Channel,
}

#[pymethods]
impl PyTaskChannel {
    #[getter]
    fn name(&self) -> &str {
        self.channel.name()
    }

    /// Queues a data entry (bytes, or str as UTF-8); returns its sequence.
    fn send<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let data = payload(data)?;
        let channel = self.channel.clone();
        awaitable(py, async move { channel.send(data).await })
    }

    /// Queues a data entry answering entry `inreplyto`; returns its sequence.
    fn reply<'py>(
        &self,
        py: Python<'py>,
        inreplyto: i64,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let data = payload(data)?;
        let channel = self.channel.clone();
        awaitable(py, async move { channel.reply(inreplyto, data).await })
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRuntime>()?;
    m.add_class::<PyTask>()?;
    m.add_class::<PyTaskChannel>()?;
    Ok(())
}
