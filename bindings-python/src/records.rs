//! The core's plain data types (functions, workflows, logs, crons, blueprints, files, ...) as
//! Python classes, declared once in a table.
//!
//! Each class wraps its core value and is built with keyword arguments (`Cron(colonyname=...,
//! name=...)`; unset fields take the core's defaults). Every field is an attribute that can be
//! read and assigned; reading gives a new Python value (a copy for lists, dicts and nested
//! records: change them by assigning the whole value back). Equality compares the values; the
//! repr shows the fields that are not at their defaults. Wrong types raise `TypeError` naming
//! the field (`Cron.interval must be an int, not str`).
//!
//! Every record class (these and the ones of `types.rs`) is also plain data (`data_methods!`):
//! `to_dict()` gives its wire form (the protocol's field names, JSON-ready values), the class
//! method `from_dict()` takes it back, and pickling and `copy` go through the same dict.

use colonykit::{
    Attribute, Blueprint, BlueprintDefinition, BlueprintHistory, BlueprintMetadata, Cluster,
    ClusterNode, Conditions, Cron, File, FileData, Function, Generator, Label, Location, Log,
    PauseStatus, ProcessGraph, ServerInfo, Snapshot, Statistics, WorkflowSpec,
};
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::convert::{json_to_py, py_to_json};
use crate::errors::{invalid_argument, to_pyerr, wrong_type};
use crate::fields::{FromPy, Object, ToPy};
use crate::outcome::ToPython;

/// How a record reads and assigns one of its fields.
pub trait Conv<T> {
    fn get<'py>(value: &T, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
    fn set(value: &Bound<'_, PyAny>, what: &str) -> PyResult<T>;
}

/// The usual way: the field's own [`ToPy`] and [`FromPy`].
pub struct Plain;

impl<T: ToPy + FromPy> Conv<T> for Plain {
    fn get<'py>(value: &T, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value.to_py(py)
    }
    fn set(value: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
        T::from_py(value, what)
    }
}

/// A cron's or a generator's workflow: a `WorkflowSpec` or None. A `str` is read by the core
/// as the workflow's JSON text.
impl ToPy for Option<WorkflowSpec> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            None => Ok(py.None().into_bound(py)),
            Some(workflow) => workflow.to_py(py),
        }
    }
}

impl FromPy for Option<WorkflowSpec> {
    fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        if value.is_none() {
            return Ok(None);
        }
        if let Ok(text) = value.cast::<PyString>() {
            return WorkflowSpec::from_json(&text.to_cow()?)
                .map(Some)
                .map_err(|error| to_pyerr(value.py(), &error));
        }
        WorkflowSpec::from_py(value, what)
            .map(Some)
            .map_err(|_| wrong_type(what, "a colonykit.WorkflowSpec or its JSON text", value))
    }
}

/// The fields of a record type, by name.
pub trait Fields: Default + Sized {
    /// The Python class's name.
    const NAME: &'static str;
    /// Assigns the field `name`; None if there is no such field.
    fn set(&mut self, name: &str, value: &Bound<'_, PyAny>) -> Option<PyResult<()>>;
    /// The fields that are not at their defaults, for the repr.
    fn changed<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>>;
}

/// Assigns `name`, or raises `AttributeError` for a field the record does not have.
pub fn set_field<T: Fields>(record: &mut T, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    record.set(name, value).unwrap_or_else(|| {
        Err(PyAttributeError::new_err(format!(
            "'{}' object has no attribute '{name}'",
            T::NAME
        )))
    })
}

/// Assigns the keyword arguments of a constructor (`who` names it in errors).
pub fn apply<T: Fields>(
    record: &mut T,
    fields: Option<&Bound<'_, PyDict>>,
    who: &str,
) -> PyResult<()> {
    for (key, value) in fields.into_iter().flat_map(|dict| dict.iter()) {
        let key: String = key.extract()?;
        record.set(&key, &value).unwrap_or_else(|| {
            Err(PyTypeError::new_err(format!(
                "{who}() got an unexpected keyword argument '{key}'"
            )))
        })?;
    }
    Ok(())
}

/// `Name(field=value, ...)`, with the fields that are not at their defaults.
pub fn repr<T: Fields>(record: &T, py: Python<'_>) -> PyResult<String> {
    Ok(format!(
        "{}({})",
        T::NAME,
        crate::fields::fields(&record.changed(py)?)?
    ))
}

/// A record's wire form as a Python dict (the protocol's field names; JSON-ready values).
pub fn to_dict<'py, T: Serialize>(record: &T, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(record)
        .map_err(|error| invalid_argument(py, format!("cannot convert the record: {error}")))?;
    json_to_py(py, &value)
}

/// A record from its wire form (`name` is the class, for errors); missing fields take their
/// defaults, a field of the wrong type is an `InvalidArgumentError` that names it.
pub fn from_dict<T: DeserializeOwned>(data: &Bound<'_, PyAny>, name: &str) -> PyResult<T> {
    let what = format!("{name}.from_dict's argument");
    if !data.is_instance_of::<PyDict>() {
        return Err(wrong_type(&what, "a dict (as to_dict() makes it)", data));
    }
    let value = py_to_json(data, &what)?;
    serde_json::from_value(value.clone()).map_err(|error| {
        // Name the field: the first one that fails alone.
        let field = value.as_object().and_then(|fields| {
            fields.iter().find_map(|(key, item)| {
                let alone: serde_json::Map<_, _> =
                    [(key.clone(), item.clone())].into_iter().collect();
                let alone = serde_json::Value::Object(alone);
                serde_json::from_value::<T>(alone).is_err().then_some(key)
            })
        });
        let message = match field {
            Some(field) => format!("{name}.from_dict: field {field:?}: {error}"),
            None => format!("{name}.from_dict: {error}"),
        };
        invalid_argument(data.py(), message)
    })
}

/// Makes record classes plain data: `to_dict`, `from_dict` and pickling/copying through them.
/// `Class(CoreType)`: the class holds its core value in a field `inner`.
macro_rules! data_methods {
    ($($class:ident($core:ty)),* $(,)?) => {$(
        #[pymethods]
        impl $class {
            /// The record as a dict with the wire's field names (``json.dumps`` takes it).
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                $crate::records::to_dict(&self.inner, py)
            }

            /// A record from a dict as ``to_dict`` makes it (missing fields take their defaults).
            #[classmethod]
            fn from_dict(
                class: &Bound<'_, pyo3::types::PyType>,
                data: &Bound<'_, PyAny>,
            ) -> PyResult<Self> {
                let name = class.name()?.to_string();
                Ok($class {
                    inner: $crate::records::from_dict::<$core>(data, &name)?,
                })
            }

            /// Pickling and copying: the class's ``from_dict`` and the record's ``to_dict()``.
            fn __reduce__<'py>(
                slf: &Bound<'py, Self>,
            ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
                let from_dict = slf.get_type().getattr("from_dict")?;
                Ok((from_dict, (slf.borrow().to_dict(slf.py())?,)))
            }
        }
    )*};
}

pub(crate) use data_methods;

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// The converter of a field: [`Plain`] unless the table names another.
macro_rules! conv {
    () => {
        Plain
    };
    ($conv:ty) => {
        $conv
    };
}

/// Declares record classes: `"PyName" => RustClass(CoreType) { field, field as Conv, ... }`.
macro_rules! records {
    ($(
        $(#[doc = $doc:literal])*
        $name:literal => $class:ident($core:ident) { $($field:ident $(as $conv:ty)?),* $(,)? }
    )*) => {
        $(
            $(#[doc = $doc])*
            #[pyclass(module = "colonykit", name = $name)]
            pub struct $class {
                pub inner: $core,
            }

            impl Fields for $core {
                const NAME: &'static str = $name;

                fn set(&mut self, name: &str, value: &Bound<'_, PyAny>) -> Option<PyResult<()>> {
                    $(if name == stringify!($field) {
                        let what = concat!($name, ".", stringify!($field));
                        return Some(
                            <conv!($($conv)?) as Conv<_>>::set(value, what)
                                .map(|converted| self.$field = converted),
                        );
                    })*
                    None
                }

                fn changed<'py>(
                    &self,
                    py: Python<'py>,
                ) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
                    let mut items = Vec::new();
                    $(if !is_default(&self.$field) {
                        let value = <conv!($($conv)?) as Conv<_>>::get(&self.$field, py)?;
                        items.push((stringify!($field), value));
                    })*
                    Ok(items)
                }
            }

            impl ToPy for $core {
                fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    Ok(Bound::new(py, $class { inner: self.clone() })?.into_any())
                }
            }

            impl FromPy for $core {
                fn from_py(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
                    match value.cast::<$class>() {
                        Ok(record) => Ok(record.borrow().inner.clone()),
                        Err(_) => Err(wrong_type(what, concat!("a colonykit.", $name), value)),
                    }
                }
            }

            impl Object for $core {}

            impl ToPython for $core {
                fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
                    Ok(Bound::new(py, $class { inner: self })?.into_any())
                }
            }

            #[pymethods]
            impl $class {
                #[new]
                #[pyo3(signature = (**fields))]
                fn new(fields: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
                    let mut inner = $core::default();
                    apply(&mut inner, fields, $name)?;
                    Ok($class { inner })
                }

                $(
                    #[getter]
                    fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                        <conv!($($conv)?) as Conv<_>>::get(&self.inner.$field, py)
                    }
                )*

                fn __setattr__(&mut self, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
                    set_field(&mut self.inner, name, value)
                }

                fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
                    self.inner == other.inner
                }

                fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                    repr(&self.inner, py)
                }
            }

            data_methods!($class($core));
        )*

        /// Adds every record class to the module.
        pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
            $(module.add_class::<$class>()?;)*
            Ok(())
        }
    };
}

records! {
    /// Where a process may run and what it needs (``FunctionSpec.conditions``).
    "Conditions" => PyConditions(Conditions) {
        colonyname, executortype, executornames, locationname, dependencies, nodes, processes,
        processespernode, cpu, mem, storage, gpu, walltime,
    }
    /// A function an executor offers, with its statistics.
    "Function" => PyFunction(Function) {
        functionid, executorname, executortype, colonyname, funcname, description, args, counter,
        minwaittime, maxwaittime, minexectime, maxexectime, avgwaittime, avgexectime,
        locationname,
    }
    /// A workflow to submit: function specs whose ``conditions.dependencies`` name their
    /// parents (by ``nodename``).
    "WorkflowSpec" => PyWorkflowSpec(WorkflowSpec) { colonyname, functionspecs }
    /// A submitted workflow (a process graph).
    "ProcessGraph" => PyProcessGraph(ProcessGraph) {
        processgraphid, initiatorid, initiatorname, colonyname, rootprocessids, state,
        submissiontime, starttime, endtime, processids, nodes, edges,
    }
    /// A log line of a process or an executor (``timestamp``: Unix nanoseconds).
    "Log" => PyLog(Log) { processid, colonyname, executorname, message, timestamp }
    /// A key/value attribute of a process (``attributetype``: 0 IN, 1 OUT, 2 ERR, 3 ENV).
    "Attribute" => PyAttribute(Attribute) {
        attributeid, targetid, targetcolonyname, targetprocessgraphid, state, attributetype, key,
        value,
    }
    /// A workflow run on a schedule: ``cronexpression`` (six fields, seconds first) or
    /// ``interval`` seconds (-1: use the expression).
    "Cron" => PyCron(Cron) {
        cronid, initiatorid, initiatorname, colonyname, name, cronexpression, interval, random,
        nextrun, lastrun, workflowspec, prevprocessgraphid,
        waitforprevprocessgraph, checkerperiod,
    }
    /// A workflow started when ``trigger`` arguments have been packed (or after ``timeout``
    /// seconds with fewer).
    "Generator" => PyGenerator(Generator) {
        generatorid, initiatorid, initiatorname, colonyname, name, workflowspec,
        trigger, timeout, firstpack, lastrun, queuesize, checkerperiod,
    }
    /// Name, colony and bookkeeping of a blueprint or a blueprint definition.
    "BlueprintMetadata" => PyBlueprintMetadata(BlueprintMetadata) {
        name, colonyname, locationname, labels, annotations, generation, created_at, updated_at,
        last_reconciliation_process, last_reconciliation_time,
    }
    /// Declares a kind of blueprint: its schema and the executor type that reconciles it.
    "BlueprintDefinition" => PyBlueprintDefinition(BlueprintDefinition) {
        blueprintdefinitionid, kind, metadata, spec,
    }
    /// A declarative resource of a kind that a ``BlueprintDefinition`` declares.
    "Blueprint" => PyBlueprint(Blueprint) { blueprintid, kind, metadata, spec, status }
    /// One change of a blueprint.
    "BlueprintHistory" => PyBlueprintHistory(BlueprintHistory) {
        historyid, blueprintid, kind, namespace, name, generation, spec, status, timestamp,
        changedby, changetype,
    }
    /// File metadata (the data itself lives in S3; ``reference`` says where).
    "File" => PyFile(File) {
        fileid, colonyname, label, name, size, sequencenr, checksum, checksumalg, reference,
        added,
    }
    /// The latest revision of a file under a label.
    "FileData" => PyFileData(FileData) { name, checksum, size, s3filename }
    /// A file label and how many files it holds.
    "Label" => PyLabel(Label) { name, files }
    /// The files of a label, frozen under a name.
    "Snapshot" => PySnapshot(Snapshot) { snapshotid, colonyname, label, name, fileids, added }
    /// A place where executors run.
    "Location" => PyLocation(Location) { locationid, name, colonyname, description, long, lat }
    /// Counts of colonies, executors, processes and workflows (of a colony, or the server).
    "Statistics" => PyStatistics(Statistics) {
        colonies, executors, activeexecutors, unregisteredexecutors, waitingprocesses,
        runningprocesses, successfulprocesses, failedprocesses, cancelledprocesses,
        waitingworkflows, runningworkflows, successfulworkflows, failedworkflows,
        cancelledworkflows,
    }
    /// What the server says about its build and endpoints.
    "ServerInfo" => PyServerInfo(ServerInfo) { buildversion, buildtime, backends }
    /// One server of a cluster.
    "ClusterNode" => PyClusterNode(ClusterNode) { name, host, port, peerport, relayport, apiport }
    /// The servers of a cluster and its leader.
    "Cluster" => PyCluster(Cluster) { nodes, leader }
    /// Whether a colony's assignments are paused.
    "PauseStatus" => PyPauseStatus(PauseStatus) { colonyname, ispaused }
}
