//! The rest of the protocol as `Client` methods, declared once in a table: functions,
//! locations, statistics, ID changes, process history, pausing, workflows, logs, attributes,
//! crons, generators, blueprints, files and snapshots; and the process streams.
//!
//! Each row names a core method, its arguments with their core types (after `;` the optional
//! ones, with their defaults) and how they are passed on. Arguments are converted with
//! [`FromPy`], so a wrong type raises a `TypeError` that names the argument. The methods with a
//! hand-written body (`client.rs`, and the streams below) are kept apart.

use colonykit::{
    Attribute, Blueprint, BlueprintDefinition, Cron, File, Function, FunctionSpec, Generator,
    Location, Process, ProcessState, Subscription, WorkflowSpec,
};
use pyo3::prelude::*;
use serde_json::Value;

use crate::client::PyClient;
use crate::convert::seconds;
use crate::errors::{guard, IntoPyResult};
use crate::fields::FromPy;
use crate::runtime::{awaitable, in_runtime};
use crate::stream::PyProcessSubscription;

/// Declares async `Client` methods:
/// `fn name(arg: CoreType, ...; optional: CoreType = default, ...) => (core call arguments);`
macro_rules! api {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident(
            $($arg:ident: $ty:ty),* $(; $($opt:ident: $oty:ty = $default:expr),*)?
        ) => ($($call:expr),*);
    )*) => {
        #[pymethods]
        impl PyClient {
            $(
                $(#[doc = $doc])*
                #[pyo3(signature = ($($arg,)* $($($opt = None),*)?))]
                fn $name<'py>(
                    &self,
                    py: Python<'py>,
                    $($arg: &Bound<'_, PyAny>,)*
                    $($($opt: Option<&Bound<'_, PyAny>>,)*)?
                ) -> PyResult<Bound<'py, PyAny>> {
                    $(let $arg = <$ty as FromPy>::from_py($arg, stringify!($arg))?;)*
                    $($(
                        let $opt: $oty = match $opt {
                            Some(value) => <$oty as FromPy>::from_py(value, stringify!($opt))?,
                            None => $default,
                        };
                    )*)?
                    let client = self.inner.clone();
                    awaitable(py, async move { client.$name($($call),*).await })
                }
            )*
        }
    };
}

api! {
    // --- Server and statistics ---------------------------------------------------------------

    /// The server's build and endpoints (works without a key).
    fn server_info() => ();
    /// Counts over the whole server (signed by the server key).
    fn get_statistics() => ();
    /// The servers of the cluster and its leader (signed by the server key).
    fn get_cluster() => ();
    /// Counts of a colony's executors, processes and workflows (signed by a member).
    fn get_colony_statistics(colonyname: String) => (&colonyname);

    // --- Users, executors and functions ------------------------------------------------------

    /// A user, by colony and name.
    fn get_user(colonyname: String, name: String) => (&colonyname, &name);
    /// A user, by colony and key ID.
    fn get_user_by_id(colonyname: String, userid: String) => (&colonyname, &userid);
    /// An executor, by colony and key ID.
    fn get_executor_by_id(colonyname: String, executorid: String) => (&colonyname, &executorid);
    /// Reports the calling executor's resource allocations (free-form JSON).
    fn report_allocations(colonyname: String, executorname: String, allocations: Value)
        => (&colonyname, &executorname, allocations);
    /// Updates the calling executor's capabilities (free-form JSON).
    fn update_executor(colonyname: String, executorname: String, capabilities: Value)
        => (&colonyname, &executorname, capabilities);
    /// Registers a function of the calling executor; the server fills in its ID.
    fn add_function(function: Function) => (&function);
    /// The functions of one executor, or of the whole colony when ``executorname`` is "".
    fn get_functions(colonyname: String; executorname: String = String::new())
        => (&colonyname, &executorname);
    /// Removes a function of the calling executor.
    fn remove_function(functionid: String) => (&functionid);

    // --- Locations ---------------------------------------------------------------------------

    /// Adds a location (signed by the colony key).
    fn add_location(location: Location) => (&location);
    /// The locations of a colony.
    fn get_locations(colonyname: String) => (&colonyname);
    /// A location, by colony and name.
    fn get_location(colonyname: String, name: String) => (&colonyname, &name);
    /// Removes a location (signed by the colony key).
    fn remove_location(colonyname: String, name: String) => (&colonyname, &name);

    // --- New keys ----------------------------------------------------------------------------

    /// Moves the calling user to the key with ID ``userid`` (signed by the user).
    fn change_user_id(colonyname: String, userid: String) => (&colonyname, &userid);
    /// Moves the calling executor to the key with ID ``executorid`` (signed by the executor).
    fn change_executor_id(colonyname: String, executorid: String)
        => (&colonyname, &executorid);
    /// Gives a colony to the key with ID ``colonyid`` (signed by the colony key).
    fn change_colony_id(colonyname: String, colonyid: String) => (&colonyname, &colonyid);
    /// Gives the server to the key with ID ``serverid`` (signed by the server key).
    fn change_server_id(serverid: String) => (&serverid);

    // --- Processes ---------------------------------------------------------------------------

    /// Processes of a colony in ``state`` that ended within the last ``seconds``; only those
    /// of one executor if ``executorid`` is given.
    fn get_process_history(colonyname: String, state: ProcessState, seconds: i64;
        executorid: String = String::new()) => (&colonyname, &executorid, seconds, state);
    /// Removes every process of a colony in ``state``, or in any state but RUNNING with None
    /// (signed by the colony key).
    fn remove_all_processes(colonyname: String; state: Option<ProcessState> = None)
        => (&colonyname, state);
    /// Pauses the assignment of a colony's processes (signed by the colony key).
    fn pause_assignments(colonyname: String) => (&colonyname);
    /// Resumes the assignment of a colony's processes (signed by the colony key).
    fn resume_assignments(colonyname: String) => (&colonyname);
    /// Whether a colony's assignments are paused.
    fn get_pause_status(colonyname: String) => (&colonyname);

    // --- Workflows ---------------------------------------------------------------------------

    /// Submits a workflow (a graph of processes); returns its ``ProcessGraph``.
    fn submit_workflow(workflow: WorkflowSpec) => (&workflow);
    /// A workflow, by ID.
    fn get_process_graph(processgraphid: String) => (&processgraphid);
    /// Up to ``count`` (at most 100) workflows of a colony in ``state``.
    fn get_process_graphs(colonyname: String, state: ProcessState; count: u32 = 100)
        => (&colonyname, state, count);
    /// Removes a workflow that is not running, with its processes.
    fn remove_process_graph(processgraphid: String) => (&processgraphid);
    /// Removes every workflow of a colony in ``state``, or in any state but RUNNING with None
    /// (signed by the colony key).
    fn remove_all_process_graphs(colonyname: String; state: Option<ProcessState> = None)
        => (&colonyname, state);
    /// Adds a process to a running workflow as a child of ``parentprocessid`` (assigned to the
    /// caller); with ``insert``, between the parent and its children.
    fn add_child(processgraphid: String, parentprocessid: String, spec: FunctionSpec;
        insert: bool = false) => (&processgraphid, &parentprocessid, &spec, insert);
    /// Cancels every waiting or running process of a workflow.
    fn cancel_process_graph(processgraphid: String) => (&processgraphid);

    // --- Logs and attributes -----------------------------------------------------------------

    /// Adds a log line to a running process (by its executor).
    fn add_log(processid: String, message: String) => (&processid, &message);
    /// Adds a log line of the calling executor.
    fn add_executor_log(colonyname: String, executorname: String, message: String)
        => (&colonyname, &executorname, &message);
    /// Up to ``count`` (1..500) log lines of a process newer than ``since`` (Unix ns).
    fn get_logs(colonyname: String, processid: String; count: u32 = 100, since: i64 = 0)
        => (&colonyname, &processid, count, since);
    /// Up to ``count`` (1..500) log lines of an executor newer than ``since`` (Unix ns).
    fn get_executor_logs(colonyname: String, executorname: String; count: u32 = 100,
        since: i64 = 0) => (&colonyname, &executorname, count, since);
    /// Up to ``count`` log lines of the last ``days`` days that contain ``text``.
    fn search_logs(colonyname: String, text: String; days: u32 = 1, count: u32 = 100)
        => (&colonyname, &text, days, count);
    /// Adds an attribute to a running process (by its executor).
    fn add_attribute(attribute: Attribute) => (&attribute);
    /// An attribute, by ID.
    fn get_attribute(attributeid: String) => (&attributeid);

    // --- Crons and generators ----------------------------------------------------------------

    /// Adds a cron; the server fills in its ID and initiator.
    fn add_cron(cron: Cron) => (&cron);
    /// A cron, by ID.
    fn get_cron(cronid: String) => (&cronid);
    /// Up to ``count`` crons of a colony.
    fn get_crons(colonyname: String; count: u32 = 100) => (&colonyname, count);
    /// Runs a cron now.
    fn run_cron(cronid: String) => (&cronid);
    /// Removes a cron.
    fn remove_cron(cronid: String) => (&cronid);
    /// Adds a generator; the server fills in its ID and initiator.
    fn add_generator(generator: Generator) => (&generator);
    /// A generator, by ID.
    fn get_generator(generatorid: String) => (&generatorid);
    /// A generator, by colony and name.
    fn resolve_generator(colonyname: String, generatorname: String)
        => (&colonyname, &generatorname);
    /// Up to ``count`` generators of a colony.
    fn get_generators(colonyname: String; count: u32 = 100) => (&colonyname, count);
    /// Queues an argument for a generator's next run.
    fn pack_generator(generatorid: String, arg: String) => (&generatorid, &arg);
    /// Removes a generator.
    fn remove_generator(generatorid: String) => (&generatorid);

    // --- Blueprints --------------------------------------------------------------------------

    /// Adds a blueprint definition (signed by the colony key).
    fn add_blueprint_definition(definition: BlueprintDefinition) => (&definition);
    /// A blueprint definition, by colony and name.
    fn get_blueprint_definition(colonyname: String, name: String) => (&colonyname, &name);
    /// The blueprint definitions of a colony.
    fn get_blueprint_definitions(colonyname: String) => (&colonyname);
    /// Removes a blueprint definition that no blueprint uses (signed by the colony key).
    fn remove_blueprint_definition(colonyname: String, name: String) => (&colonyname, &name);
    /// Adds a blueprint of a defined kind.
    fn add_blueprint(blueprint: Blueprint) => (&blueprint);
    /// A blueprint, by colony and name.
    fn get_blueprint(colonyname: String, name: String) => (&colonyname, &name);
    /// The blueprints of a colony, of one ``kind`` and at one location ("" : all).
    fn get_blueprints(colonyname: String; kind: String = String::new(),
        locationname: String = String::new()) => (&colonyname, &kind, &locationname);
    /// Updates a blueprint; ``force_generation`` bumps its generation even if unchanged.
    fn update_blueprint(blueprint: Blueprint; force_generation: bool = false)
        => (&blueprint, force_generation);
    /// Removes a blueprint.
    fn remove_blueprint(colonyname: String, name: String) => (&colonyname, &name);
    /// The last ``limit`` changes of a blueprint (0: all).
    fn get_blueprint_history(blueprintid: String; limit: u32 = 0) => (&blueprintid, limit);
    /// Sets a blueprint's status (free-form JSON), as its reconciler sees it.
    fn update_blueprint_status(colonyname: String, name: String, status: Value)
        => (&colonyname, &name, status);
    /// Submits a reconcile process for a blueprint to its definition's handler.
    fn reconcile_blueprint(colonyname: String, name: String; force: bool = false)
        => (&colonyname, &name, force);

    // --- Files and snapshots -----------------------------------------------------------------

    /// Adds a file's metadata; the server fills in its ID.
    fn add_file(file: File) => (&file);
    /// A file's revisions, by ID.
    fn get_file(colonyname: String, fileid: String) => (&colonyname, &fileid);
    /// The latest revision of each file under a label.
    fn get_files(colonyname: String, label: String) => (&colonyname, &label);
    /// The file labels of a colony that start with ``name`` (or equal it, with ``exact``).
    fn get_file_labels(colonyname: String; name: String = String::new(), exact: bool = false)
        => (&colonyname, &name, exact);
    /// Removes a file's metadata, by ID.
    fn remove_file(colonyname: String, fileid: String) => (&colonyname, &fileid);
    /// Freezes the files under a label as a named snapshot.
    fn create_snapshot(colonyname: String, label: String, name: String)
        => (&colonyname, &label, &name);
    /// A snapshot, by name.
    fn get_snapshot(colonyname: String, name: String) => (&colonyname, &name);
    /// The snapshots of a colony.
    fn get_snapshots(colonyname: String) => (&colonyname);
    /// Removes a snapshot, by name.
    fn remove_snapshot(colonyname: String, name: String) => (&colonyname, &name);
    /// Removes every snapshot of a colony.
    fn remove_all_snapshots(colonyname: String) => (&colonyname);
}

/// A process stream opened by `open` (inside the runtime), as a `ProcessSubscription`.
fn process_stream<'py>(
    py: Python<'py>,
    open: impl FnOnce() -> colonykit::Result<Subscription<Process>>,
) -> PyResult<Bound<'py, PyProcessSubscription>> {
    let stream = guard(py, || in_runtime(open).py_err(py))?;
    PyProcessSubscription::new(py, stream)
}

#[pymethods]
impl PyClient {
    /// Processes of ``executortype`` as they reach ``state`` (e.g. new WAITING ones), as an
    /// async iterator (``ProcessSubscription``). Only a registered executor may subscribe;
    /// use ``assignments`` to take work, this stream is for watching.
    fn subscribe_processes<'py>(
        slf: &Bound<'py, Self>,
        executortype: String,
        state: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyProcessSubscription>> {
        let state = ProcessState::from_py(state, "state")?;
        let client = &slf.get().inner;
        process_stream(slf.py(), || {
            client.subscribe_processes(&executortype, state)
        })
    }

    /// The processes assigned to this executor, one by one, as an async iterator
    /// (``ProcessSubscription``). Each poll waits up to ``poll`` seconds (whole, at least one);
    /// no work means waiting, not an error. Leaving the loop (or ``close()``) ends it at once.
    #[pyo3(signature = (colonyname, poll = 10.0))]
    fn assignments<'py>(
        slf: &Bound<'py, Self>,
        colonyname: String,
        poll: f64,
    ) -> PyResult<Bound<'py, PyProcessSubscription>> {
        let poll = seconds(slf.py(), poll, "poll")?;
        let client = &slf.get().inner;
        process_stream(slf.py(), || client.assignments(&colonyname, poll))
    }
}
