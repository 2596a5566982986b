//! The core's data types as Python classes with attributes and readable reprs.
//!
//! Each class wraps the core value; attributes are converted when read (a list attribute gives
//! a new list each time). States are the Python enums `colonykit.ProcessState` and
//! `colonykit.ExecutorState`.

use colonykit::{ChannelEntry, Colony, Executor, FunctionSpec, Process, ServerVersion, User};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use serde_json::Value;

use crate::convert::{
    json_list_to_py, json_to_py, py_to_env, py_to_json_list, py_to_json_map, py_to_strings,
};
use crate::errors::wrong_type;
use crate::fields::{executor_state, fields, process_state, FromPy, Object, ToPy};
use crate::outcome::ToPython;
use crate::records::{self, data_methods, Fields};

fn text<'py>(py: Python<'py>, value: &str) -> Bound<'py, PyAny> {
    PyString::new(py, value).into_any()
}

fn int(py: Python<'_>, value: i64) -> PyResult<Bound<'_, PyAny>> {
    Ok(value.into_pyobject(py)?.into_any())
}

fn strings<'py>(py: Python<'py>, values: &[String]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, values)
}

// --- FunctionSpec ---------------------------------------------------------------------------

impl ToPy for FunctionSpec {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let spec = PyFunctionSpec {
            inner: self.clone(),
        };
        Ok(Bound::new(py, spec)?.into_any())
    }
}

impl FromPy for FunctionSpec {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        match value.cast::<PyFunctionSpec>() {
            Ok(spec) => Ok(spec.borrow().inner.clone()),
            Err(_) => Err(wrong_type(what, "a colonykit.FunctionSpec", value)),
        }
    }
}

impl Object for FunctionSpec {}

/// What to run: a function name, its arguments, where it may run, and its channels.
///
/// The defaults are safe on the wire: ``maxexectime`` and ``maxwaittime`` are -1 (no limit),
/// never 0 (which would fail the process at once). Attributes can be read and assigned; list
/// and dict attributes return a copy.
#[pyclass(module = "colonykit", name = "FunctionSpec")]
#[derive(Clone)]
pub struct PyFunctionSpec {
    pub inner: FunctionSpec,
}

#[pymethods]
impl PyFunctionSpec {
    #[new]
    #[pyo3(signature = (
        funcname, *, executortype, colonyname, channels = None, args = None, kwargs = None,
        maxexectime = -1, maxwaittime = -1, maxretries = 0, priority = 0, label = String::new(),
        nodename = String::new(), env = None, fs = None, **conditions
    ))]
    #[pyo3(
        text_signature = "(funcname, *, executortype, colonyname, channels=(), args=(), kwargs=None, maxexectime=-1, maxwaittime=-1, maxretries=0, priority=0, label='', nodename='', env=None, fs=None, **conditions)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        funcname: String,
        executortype: String,
        colonyname: String,
        channels: Option<&Bound<'_, PyAny>>,
        args: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyAny>>,
        maxexectime: i64,
        maxwaittime: i64,
        maxretries: i64,
        priority: i64,
        label: String,
        nodename: String,
        env: Option<&Bound<'_, PyAny>>,
        fs: Option<&Bound<'_, PyAny>>,
        conditions: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut inner = FunctionSpec::new(funcname, executortype, colonyname);
        records::apply(&mut inner.conditions, conditions, "FunctionSpec")?;
        if let Some(fs) = fs {
            inner.fs = Value::from_py(fs, "fs")?;
        }
        if let Some(channels) = channels {
            inner.channels = py_to_strings(channels, "channels")?;
        }
        if let Some(args) = args {
            inner.args = py_to_json_list(args, "args")?;
        }
        if let Some(kwargs) = kwargs.filter(|k| !k.is_none()) {
            inner.kwargs = py_to_json_map(kwargs, "kwargs")?;
        }
        if let Some(env) = env.filter(|e| !e.is_none()) {
            inner.env = py_to_env(env)?;
        }
        inner.maxexectime = maxexectime;
        inner.maxwaittime = maxwaittime;
        inner.maxretries = maxretries;
        inner.priority = priority;
        inner.label = label;
        inner.nodename = nodename;
        Ok(PyFunctionSpec { inner })
    }

    /// The function's name; executors pick the processes whose function they know.
    #[getter]
    fn funcname(&self) -> &str {
        &self.inner.funcname
    }
    #[setter]
    fn set_funcname(&mut self, value: String) {
        self.inner.funcname = value;
    }

    /// The type of executor that may run the process.
    #[getter]
    fn executortype(&self) -> &str {
        &self.inner.conditions.executortype
    }
    #[setter]
    fn set_executortype(&mut self, value: String) {
        self.inner.conditions.executortype = value;
    }

    /// The colony the process is submitted to.
    #[getter]
    fn colonyname(&self) -> &str {
        &self.inner.conditions.colonyname
    }
    #[setter]
    fn set_colonyname(&mut self, value: String) {
        self.inner.conditions.colonyname = value;
    }

    /// The channels to create with the process; only these names can be used.
    #[getter]
    fn channels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        strings(py, &self.inner.channels)
    }
    #[setter]
    fn set_channels(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.channels = py_to_strings(value, "channels")?;
        Ok(())
    }

    /// Positional arguments (JSON values).
    #[getter]
    fn args<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        json_list_to_py(py, &self.inner.args)
    }
    #[setter]
    fn set_args(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.args = py_to_json_list(value, "args")?;
        Ok(())
    }

    /// Keyword arguments (str keys, JSON values).
    #[getter]
    fn kwargs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &Value::Object(self.inner.kwargs.clone()))
    }
    #[setter]
    fn set_kwargs(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.kwargs = py_to_json_map(value, "kwargs")?;
        Ok(())
    }

    /// Seconds the process may run once assigned; -1: no limit (never 0).
    #[getter]
    fn maxexectime(&self) -> i64 {
        self.inner.maxexectime
    }
    #[setter]
    fn set_maxexectime(&mut self, value: i64) {
        self.inner.maxexectime = value;
    }

    /// Seconds the process may wait for an executor; -1: no limit.
    #[getter]
    fn maxwaittime(&self) -> i64 {
        self.inner.maxwaittime
    }
    #[setter]
    fn set_maxwaittime(&mut self, value: i64) {
        self.inner.maxwaittime = value;
    }

    /// Retries after an execution timeout; -1: no limit.
    #[getter]
    fn maxretries(&self) -> i64 {
        self.inner.maxretries
    }
    #[setter]
    fn set_maxretries(&mut self, value: i64) {
        self.inner.maxretries = value;
    }

    /// -50000..50000; higher runs first.
    #[getter]
    fn priority(&self) -> i64 {
        self.inner.priority
    }
    #[setter]
    fn set_priority(&mut self, value: i64) {
        self.inner.priority = value;
    }

    /// A free-form label.
    #[getter]
    fn label(&self) -> &str {
        &self.inner.label
    }
    #[setter]
    fn set_label(&mut self, value: String) {
        self.inner.label = value;
    }

    /// The node name (in a workflow).
    #[getter]
    fn nodename(&self) -> &str {
        &self.inner.nodename
    }
    #[setter]
    fn set_nodename(&mut self, value: String) {
        self.inner.nodename = value;
    }

    /// Environment variables for the executor (str to str).
    #[getter]
    fn env<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (key, value) in &self.inner.env {
            dict.set_item(key, value)?;
        }
        Ok(dict)
    }
    #[setter]
    fn set_env(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.env = py_to_env(value)?;
        Ok(())
    }

    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut items = vec![
            (
                "executortype",
                text(py, &self.inner.conditions.executortype),
            ),
            ("colonyname", text(py, &self.inner.conditions.colonyname)),
        ];
        if !self.inner.channels.is_empty() {
            items.push(("channels", self.channels(py)?.into_any()));
        }
        if !self.inner.args.is_empty() {
            items.push(("args", self.args(py)?.into_any()));
        }
        if !self.inner.kwargs.is_empty() {
            items.push(("kwargs", self.kwargs(py)?));
        }
        if self.inner.maxexectime != -1 {
            items.push(("maxexectime", int(py, self.inner.maxexectime)?));
        }
        if self.inner.maxwaittime != -1 {
            items.push(("maxwaittime", int(py, self.inner.maxwaittime)?));
        }
        if self.inner.maxretries != 0 {
            items.push(("maxretries", int(py, self.inner.maxretries)?));
        }
        if self.inner.priority != 0 {
            items.push(("priority", int(py, self.inner.priority)?));
        }
        if !self.inner.label.is_empty() {
            items.push(("label", text(py, &self.inner.label)));
        }
        if !self.inner.nodename.is_empty() {
            items.push(("nodename", text(py, &self.inner.nodename)));
        }
        if !self.inner.env.is_empty() {
            items.push(("env", self.env(py)?.into_any()));
        }
        if !self.inner.fs.is_null() {
            items.push(("fs", self.inner.fs.to_py(py)?));
        }
        // The other conditions, as the constructor takes them.
        let mut rest = self.inner.conditions.clone();
        rest.colonyname.clear();
        rest.executortype.clear();
        items.extend(rest.changed(py)?);
        Ok(format!(
            "FunctionSpec({}, {})",
            text(py, &self.inner.funcname).repr()?,
            fields(&items)?
        ))
    }
}

/// Properties of `FunctionSpec` that convert with [`ToPy`] and [`FromPy`]:
/// `python_name: setter_name => field of the core spec`.
macro_rules! spec_properties {
    ($($(#[doc = $doc:literal])* $name:ident: $setter:ident => $($path:ident).+;)*) => {
        #[pymethods]
        impl PyFunctionSpec {
            $(
                $(#[doc = $doc])*
                #[getter]
                fn $name<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    self.inner.$($path).+.to_py(py)
                }
                #[setter]
                fn $setter(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
                    self.inner.$($path).+ = FromPy::from_py(value, stringify!($name))?;
                    Ok(())
                }
            )*
        }
    };
}

spec_properties! {
    /// Where the process may run and what it needs (a copy: assign a changed one back). The
    /// constructor takes its fields as keyword arguments too (``dependencies=[...]``).
    conditions: set_conditions => conditions;
    /// File-system sync settings for the executor (free-form JSON, None if unset).
    fs: set_fs => fs;
}

// --- Process --------------------------------------------------------------------------------

/// A process: one run of a `FunctionSpec`.
#[pyclass(frozen, module = "colonykit", name = "Process")]
pub struct PyProcess {
    inner: Process,
}

impl ToPython for Process {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, PyProcess { inner: self })?.into_any())
    }
}

#[pymethods]
impl PyProcess {
    /// The process's ID.
    #[getter]
    fn processid(&self) -> &str {
        &self.inner.processid
    }
    /// The ID of the key that submitted it.
    #[getter]
    fn initiatorid(&self) -> &str {
        &self.inner.initiatorid
    }
    /// The name of the user or executor that submitted it.
    #[getter]
    fn initiatorname(&self) -> &str {
        &self.inner.initiatorname
    }
    /// The ID of the executor it is assigned to ("" if none).
    #[getter]
    fn assignedexecutorid(&self) -> &str {
        &self.inner.assignedexecutorid
    }
    /// Whether an executor has it.
    #[getter]
    fn isassigned(&self) -> bool {
        self.inner.isassigned
    }
    /// Its state, a `ProcessState`.
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        process_state(py, self.inner.state)
    }
    /// The server's priority time (for ordering).
    #[getter]
    fn prioritytime(&self) -> i64 {
        self.inner.prioritytime
    }
    /// When it was submitted (RFC 3339).
    #[getter]
    fn submissiontime(&self) -> &str {
        &self.inner.submissiontime
    }
    /// When it started running (RFC 3339).
    #[getter]
    fn starttime(&self) -> &str {
        &self.inner.starttime
    }
    /// When it ended (RFC 3339).
    #[getter]
    fn endtime(&self) -> &str {
        &self.inner.endtime
    }
    /// When it stops waiting for an executor (RFC 3339).
    #[getter]
    fn waitdeadline(&self) -> &str {
        &self.inner.waitdeadline
    }
    /// When it must be done running (RFC 3339).
    #[getter]
    fn execdeadline(&self) -> &str {
        &self.inner.execdeadline
    }
    /// How many times it was retried.
    #[getter]
    fn retries(&self) -> i64 {
        self.inner.retries
    }
    /// Attributes attached to it (JSON values).
    #[getter]
    fn attributes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        json_list_to_py(py, &self.inner.attributes)
    }
    /// The spec it runs (a copy).
    #[getter]
    fn spec(&self) -> PyFunctionSpec {
        PyFunctionSpec {
            inner: self.inner.spec.clone(),
        }
    }
    /// Whether it waits for workflow parents.
    #[getter]
    fn waitforparents(&self) -> bool {
        self.inner.waitforparents
    }
    /// Its workflow parents (process IDs).
    #[getter]
    fn parents<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        strings(py, &self.inner.parents)
    }
    /// Its workflow children (process IDs).
    #[getter]
    fn children<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        strings(py, &self.inner.children)
    }
    /// Its workflow's ID ("" if none).
    #[getter]
    fn processgraphid(&self) -> &str {
        &self.inner.processgraphid
    }
    /// Its input (JSON values; in a workflow, the outputs of its parents).
    #[getter]
    fn input<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        json_list_to_py(py, &self.inner.input)
    }
    /// Its output (JSON values), set by the executor.
    #[getter]
    fn output<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        json_list_to_py(py, &self.inner.output)
    }
    /// Its errors, set when it failed.
    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        strings(py, &self.inner.errors)
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut items = vec![
            ("processid", text(py, &self.inner.processid)),
            ("funcname", text(py, &self.inner.spec.funcname)),
            ("state", self.state(py)?),
        ];
        if !self.inner.assignedexecutorid.is_empty() {
            items.push((
                "assignedexecutorid",
                text(py, &self.inner.assignedexecutorid),
            ));
        }
        if !self.inner.output.is_empty() {
            items.push(("output", self.output(py)?.into_any()));
        }
        if !self.inner.errors.is_empty() {
            items.push(("errors", self.errors(py)?.into_any()));
        }
        Ok(format!("Process({})", fields(&items)?))
    }
}

// --- ChannelEntry ---------------------------------------------------------------------------

/// One entry of a channel's log.
#[pyclass(frozen, module = "colonykit", name = "ChannelEntry")]
pub struct PyChannelEntry {
    inner: ChannelEntry,
}

impl ToPython for ChannelEntry {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, PyChannelEntry { inner: self })?.into_any())
    }
}

/// How many payload bytes a repr shows.
const REPR_PAYLOAD: usize = 64;

#[pymethods]
impl PyChannelEntry {
    /// The sequence number the sender gave it.
    #[getter]
    fn sequence(&self) -> i64 {
        self.inner.sequence
    }
    /// The other party's sequence this entry answers (0: none).
    #[getter]
    fn inreplyto(&self) -> i64 {
        self.inner.inreplyto
    }
    /// The payload, as bytes (``entry.payload.decode()`` for text).
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.payload)
    }
    /// The entry's type: "data", "end", "error" or another string.
    #[getter]
    fn kind(&self) -> &str {
        self.inner.kind.as_str()
    }
    /// The ID of the key that appended it.
    #[getter]
    fn senderid(&self) -> &str {
        &self.inner.senderid
    }
    /// When the server received it (RFC 3339).
    #[getter]
    fn timestamp(&self) -> &str {
        &self.inner.timestamp
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let payload = &self.inner.payload;
        let shown = PyBytes::new(py, &payload[..payload.len().min(REPR_PAYLOAD)]).into_any();
        let more = if payload.len() > REPR_PAYLOAD {
            "..."
        } else {
            ""
        };
        let mut items = vec![
            ("sequence", int(py, self.inner.sequence)?),
            ("kind", text(py, self.inner.kind.as_str())),
        ];
        if self.inner.inreplyto != 0 {
            items.push(("inreplyto", int(py, self.inner.inreplyto)?));
        }
        Ok(format!(
            "ChannelEntry({}, payload={}{more}, senderid={}, timestamp={})",
            fields(&items)?,
            shown.repr()?,
            text(py, &self.inner.senderid).repr()?,
            text(py, &self.inner.timestamp).repr()?,
        ))
    }
}

// --- Colony, User, Executor, ServerVersion --------------------------------------------------

/// A colony: a named group of users, executors and processes, owned by the colony key.
#[pyclass(frozen, module = "colonykit", name = "Colony")]
pub struct PyColony {
    inner: Colony,
}

impl ToPython for Colony {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, PyColony { inner: self })?.into_any())
    }
}

#[pymethods]
impl PyColony {
    /// The ID of the colony's key.
    #[getter]
    fn colonyid(&self) -> &str {
        &self.inner.colonyid
    }
    /// The colony's name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Colony({})",
            fields(&[
                ("name", text(py, &self.inner.name)),
                ("colonyid", text(py, &self.inner.colonyid)),
            ])?
        ))
    }
}

/// A user of a colony: a member that can submit and read processes.
#[pyclass(frozen, module = "colonykit", name = "User")]
pub struct PyUser {
    inner: User,
}

impl ToPython for User {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, PyUser { inner: self })?.into_any())
    }
}

#[pymethods]
impl PyUser {
    /// The colony the user belongs to.
    #[getter]
    fn colonyname(&self) -> &str {
        &self.inner.colonyname
    }
    /// The ID of the user's key.
    #[getter]
    fn userid(&self) -> &str {
        &self.inner.userid
    }
    /// The user's name (unique in the colony).
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    /// The user's e-mail address.
    #[getter]
    fn email(&self) -> &str {
        &self.inner.email
    }
    /// The user's phone number.
    #[getter]
    fn phone(&self) -> &str {
        &self.inner.phone
    }
    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut items = vec![
            ("name", text(py, &self.inner.name)),
            ("colonyname", text(py, &self.inner.colonyname)),
            ("userid", text(py, &self.inner.userid)),
        ];
        if !self.inner.email.is_empty() {
            items.push(("email", text(py, &self.inner.email)));
        }
        if !self.inner.phone.is_empty() {
            items.push(("phone", text(py, &self.inner.phone)));
        }
        Ok(format!("User({})", fields(&items)?))
    }
}

/// An executor: a member that is assigned processes and runs them.
#[pyclass(frozen, module = "colonykit", name = "Executor")]
pub struct PyExecutor {
    inner: Executor,
}

impl ToPython for Executor {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, PyExecutor { inner: self })?.into_any())
    }
}

#[pymethods]
impl PyExecutor {
    /// The ID of the executor's key.
    #[getter]
    fn executorid(&self) -> &str {
        &self.inner.executorid
    }
    /// The executor's type (what kind of functions it runs).
    #[getter]
    fn executortype(&self) -> &str {
        &self.inner.executortype
    }
    /// The executor's name (unique in its colony).
    #[getter]
    fn executorname(&self) -> &str {
        &self.inner.executorname
    }
    /// The colony it belongs to.
    #[getter]
    fn colonyname(&self) -> &str {
        &self.inner.colonyname
    }
    /// Its state, an `ExecutorState`.
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        executor_state(py, self.inner.state)
    }
    /// Whether it only runs registered functions.
    #[getter]
    fn requirefuncreg(&self) -> bool {
        self.inner.requirefuncreg
    }
    /// When it was registered (RFC 3339).
    #[getter]
    fn commissiontime(&self) -> &str {
        &self.inner.commissiontime
    }
    /// When the server last heard from it (RFC 3339).
    #[getter]
    fn lastheardfromtime(&self) -> &str {
        &self.inner.lastheardfromtime
    }
    /// Where it runs.
    #[getter]
    fn locationname(&self) -> &str {
        &self.inner.locationname
    }
    /// Hardware and software it offers (JSON, None if unset).
    #[getter]
    fn capabilities<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.capabilities)
    }
    /// Resource allocations per project (JSON, None if unset).
    #[getter]
    fn allocations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.allocations)
    }
    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Executor({})",
            fields(&[
                ("executorname", text(py, &self.inner.executorname)),
                ("executortype", text(py, &self.inner.executortype)),
                ("colonyname", text(py, &self.inner.colonyname)),
                ("state", self.state(py)?),
                ("executorid", text(py, &self.inner.executorid)),
            ])?
        ))
    }
}

/// The server's build version.
#[pyclass(frozen, module = "colonykit", name = "ServerVersion")]
pub struct PyServerVersion {
    inner: ServerVersion,
}

impl ToPython for ServerVersion {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, PyServerVersion { inner: self })?.into_any())
    }
}

#[pymethods]
impl PyServerVersion {
    /// The version, e.g. "v1.9.12".
    #[getter]
    fn buildversion(&self) -> &str {
        &self.inner.buildversion
    }
    /// When the server was built.
    #[getter]
    fn buildtime(&self) -> &str {
        &self.inner.buildtime
    }
    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ServerVersion({})",
            fields(&[
                ("buildversion", text(py, &self.inner.buildversion)),
                ("buildtime", text(py, &self.inner.buildtime)),
            ])?
        ))
    }
}

data_methods!(
    PyFunctionSpec(FunctionSpec),
    PyProcess(Process),
    PyChannelEntry(ChannelEntry),
    PyColony(Colony),
    PyUser(User),
    PyExecutor(Executor),
    PyServerVersion(ServerVersion),
);
