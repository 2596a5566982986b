//! Every operation that the bindings pass straight through to a [`crate::Client`] method, with
//! its arguments, declared once.
//!
//! [`for_each_operation!`](crate::for_each_operation) hands the table to a macro of the caller's:
//! the Python binding turns each row into an async `Client` method, the Node binding into a case
//! of its native dispatcher, and [`OPERATIONS`] describes the rows for the generated type stubs
//! (`_native.pyi`, `index.d.ts`) and for the tests that compare the three languages. So argument
//! names, order and defaults are the same in Rust, Python and Node by construction.
//!
//! A row reads `fn name(required: Type, ...; optional: Type = default, ...) -> Reply;`. The types
//! are the owned forms of the core method's arguments ([`Argument`] says how each is passed on:
//! strings and records by reference, the rest by value); the core method takes every argument,
//! in the same order. The operations that need more than a pass-through (timeouts, abort
//! signals, options objects, payloads, streams) are written by hand in each binding.
//!
//! Adding an operation: its catalogue row ([`crate::messages`]), its `Client` method
//! (`api/*.rs`), its row here, and a test that calls it in each language
//! (`core/tests/coverage.rs` fails until there is one).

use serde_json::Value;

use crate::model::ProcessState;
use crate::resources::{
    Attribute, Blueprint, BlueprintDefinition, Cron, File, Function, Generator, Location,
    WorkflowSpec,
};
use crate::FunctionSpec;

/// Nanoseconds since the Unix epoch (they exceed 2^53: Node takes them as a bigint or a string).
pub type UnixNanos = i64;

/// The names a row's types use, for the callers of [`for_each_operation!`](crate::for_each_operation)
/// (`use colonykit::operations::prelude::*;`).
pub mod prelude {
    pub use super::{Argument, UnixNanos};
    pub use crate::model::{
        Colony, Executor, FunctionSpec, Process, ProcessState, ServerVersion, User,
    };
    pub use crate::resources::{
        Attribute, Blueprint, BlueprintDefinition, BlueprintHistory, Cluster, Cron, File, FileData,
        Function, Generator, Label, Location, Log, PauseStatus, ProcessGraph, ServerInfo, Snapshot,
        Statistics, WorkflowSpec,
    };
    pub use serde_json::Value;
}

/// How a row's argument is handed to the core method: borrowed for strings and records, by
/// value for numbers, flags, states and JSON.
pub trait Argument {
    /// What the core method takes.
    type Passed<'a>
    where
        Self: 'a;
    fn pass(&self) -> Self::Passed<'_>;
}

impl Argument for String {
    type Passed<'a> = &'a str;
    fn pass(&self) -> &str {
        self
    }
}

macro_rules! by_value {
    ($($type:ty),*) => {$(
        impl Argument for $type {
            type Passed<'a> = $type;
            fn pass(&self) -> $type {
                self.clone()
            }
        }
    )*};
}

by_value!(
    u32,
    i64,
    bool,
    ProcessState,
    Option<ProcessState>,
    Value,
    Vec<Value>,
    Vec<String>
);

macro_rules! by_reference {
    ($($type:ty),*) => {$(
        impl Argument for $type {
            type Passed<'a> = &'a $type;
            fn pass(&self) -> &$type {
                self
            }
        }
    )*};
}

/// Calls `$callback!(Type, ...)` with the records that rows take as arguments (passed by
/// reference; a binding converts them from its own form).
#[macro_export]
macro_rules! for_each_record_argument {
    ($callback:ident) => {
        $callback!(
            Attribute,
            Blueprint,
            BlueprintDefinition,
            Cron,
            File,
            Function,
            FunctionSpec,
            Generator,
            Location,
            WorkflowSpec
        );
    };
}

for_each_record_argument!(by_reference);

/// The name of an operation or argument in Node: `get_process_history` → `getProcessHistory`.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Calls `$callback! { rows }` with the table of pass-through operations (see the module).
#[macro_export]
macro_rules! for_each_operation {
    ($callback:ident) => {
        $callback! {
            // --- Server -------------------------------------------------------------------------

            /// The server's build version (works without a key).
            fn server_version() -> ServerVersion;
            /// The server's build and endpoints (works without a key).
            fn server_info() -> ServerInfo;
            /// Counts over the whole server (signed by the server key).
            fn get_statistics() -> Statistics;
            /// The servers of the cluster and its leader (signed by the server key).
            fn get_cluster() -> Cluster;
            /// Gives the server to the key with ID ``serverid`` (signed by the server key).
            fn change_server_id(serverid: String) -> ();

            // --- Colonies -----------------------------------------------------------------------

            /// Adds a colony owned by the key with ID ``colonyid`` (signed by the server key).
            fn add_colony(colonyid: String, name: String) -> Colony;
            /// Removes a colony (signed by the server key).
            fn remove_colony(colonyname: String) -> ();
            /// A colony, by name (signed by a member).
            fn get_colony(colonyname: String) -> Colony;
            /// Every colony (signed by the server key).
            fn get_colonies() -> Vec<Colony>;
            /// Counts of a colony's executors, processes and workflows (signed by a member).
            fn get_colony_statistics(colonyname: String) -> Statistics;
            /// Gives a colony to the key with ID ``colonyid`` (signed by the colony key).
            fn change_colony_id(colonyname: String, colonyid: String) -> ();

            // --- Users --------------------------------------------------------------------------

            /// The users of a colony.
            fn get_users(colonyname: String) -> Vec<User>;
            /// A user, by colony and name.
            fn get_user(colonyname: String, name: String) -> User;
            /// A user, by colony and key ID.
            fn get_user_by_id(colonyname: String, userid: String) -> User;
            /// Removes a user (signed by the colony key).
            fn remove_user(colonyname: String, name: String) -> ();
            /// Moves the calling user to the key with ID ``userid`` (signed by the user).
            fn change_user_id(colonyname: String, userid: String) -> ();

            // --- Executors and functions --------------------------------------------------------

            /// An executor, by colony and name.
            fn get_executor(colonyname: String, executorname: String) -> Executor;
            /// An executor, by colony and key ID.
            fn get_executor_by_id(colonyname: String, executorid: String) -> Executor;
            /// The executors of a colony.
            fn get_executors(colonyname: String) -> Vec<Executor>;
            /// Approves a pending executor (signed by the colony key).
            fn approve_executor(colonyname: String, executorname: String) -> ();
            /// Rejects an executor (signed by the colony key).
            fn reject_executor(colonyname: String, executorname: String) -> ();
            /// Unregisters an executor (signed by the colony key).
            fn remove_executor(colonyname: String, executorname: String) -> ();
            /// Reports the calling executor's resource allocations (free-form JSON).
            fn report_allocations(colonyname: String, executorname: String, allocations: Value) -> ();
            /// Updates the calling executor's capabilities (free-form JSON).
            fn update_executor(colonyname: String, executorname: String, capabilities: Value) -> ();
            /// Moves the calling executor to the key with ID ``executorid`` (signed by the executor).
            fn change_executor_id(colonyname: String, executorid: String) -> ();
            /// Registers a function of the calling executor; the server fills in its ID.
            fn add_function(function: Function) -> Function;
            /// The functions of one executor, or of the whole colony when ``executorname`` is "".
            fn get_functions(colonyname: String; executorname: String = String::new()) -> Vec<Function>;
            /// Removes a function of the calling executor.
            fn remove_function(functionid: String) -> ();

            // --- Locations ----------------------------------------------------------------------

            /// Adds a location (signed by the colony key).
            fn add_location(location: Location) -> Location;
            /// The locations of a colony.
            fn get_locations(colonyname: String) -> Vec<Location>;
            /// A location, by colony and name.
            fn get_location(colonyname: String, name: String) -> Location;
            /// Removes a location (signed by the colony key).
            fn remove_location(colonyname: String, name: String) -> ();

            // --- Processes ----------------------------------------------------------------------

            /// Submits a function spec; the process starts WAITING.
            fn submit(spec: FunctionSpec) -> Process;
            /// A process, by ID.
            fn get_process(processid: String) -> Process;
            /// Up to ``count`` (at most 100, default 100) processes of a colony in ``state``, oldest first.
            fn get_processes(colonyname: String, state: ProcessState; count: u32 = 100) -> Vec<Process>;
            /// Removes a process that is not running.
            fn remove_process(processid: String) -> ();
            /// Sets the output (a list of JSON values) of a running process (by its executor).
            fn set_output(processid: String, output: Vec<Value>) -> ();
            /// Closes a process as successful, with ``output`` (by its executor). Deletes its channels.
            fn close(processid: String; output: Vec<Value> = Vec::new()) -> ();
            /// Closes a process as failed, with ``errors`` (by its executor). Deletes its channels.
            fn fail(processid: String; errors: Vec<String> = Vec::new()) -> ();
            /// Cancels a process (server v1.9.12 or later). Deletes its channels.
            fn cancel(processid: String) -> ();
            /// Processes of a colony in ``state`` that ended within the last ``seconds``; only those
            /// of one executor if ``executorid`` is given.
            fn get_process_history(colonyname: String, state: ProcessState, seconds: i64;
                executorid: String = String::new()) -> Vec<Process>;
            /// Removes every process of a colony in ``state``, or in any state but RUNNING without
            /// one (signed by the colony key).
            fn remove_all_processes(colonyname: String; state: Option<ProcessState> = None) -> ();
            /// Pauses the assignment of a colony's processes (signed by the colony key).
            fn pause_assignments(colonyname: String) -> ();
            /// Resumes the assignment of a colony's processes (signed by the colony key).
            fn resume_assignments(colonyname: String) -> ();
            /// Whether a colony's assignments are paused.
            fn get_pause_status(colonyname: String) -> PauseStatus;

            // --- Workflows ----------------------------------------------------------------------

            /// Submits a workflow (a graph of processes); returns its process graph.
            fn submit_workflow(workflow: WorkflowSpec) -> ProcessGraph;
            /// A workflow, by ID.
            fn get_process_graph(processgraphid: String) -> ProcessGraph;
            /// Up to ``count`` (at most 100, default 100) workflows of a colony in ``state``.
            fn get_process_graphs(colonyname: String, state: ProcessState; count: u32 = 100) -> Vec<ProcessGraph>;
            /// Removes a workflow that is not running, with its processes.
            fn remove_process_graph(processgraphid: String) -> ();
            /// Removes every workflow of a colony in ``state``, or in any state but RUNNING without
            /// one (signed by the colony key).
            fn remove_all_process_graphs(colonyname: String; state: Option<ProcessState> = None) -> ();
            /// Adds a process to a running workflow as a child of ``parentprocessid`` (assigned to
            /// the caller); with ``insert``, between the parent and its children.
            fn add_child(processgraphid: String, parentprocessid: String, spec: FunctionSpec;
                insert: bool = false) -> Process;
            /// Cancels every waiting or running process of a workflow.
            fn cancel_process_graph(processgraphid: String) -> ();

            // --- Logs and attributes ------------------------------------------------------------

            /// Adds a log line to a running process (by its executor).
            fn add_log(processid: String, message: String) -> ();
            /// Adds a log line of the calling executor.
            fn add_executor_log(colonyname: String, executorname: String, message: String) -> ();
            /// Up to ``count`` (1..500, default 100) log lines of a process newer than ``since``
            /// (Unix nanoseconds, default 0).
            fn get_logs(colonyname: String, processid: String; count: u32 = 100, since: UnixNanos = 0) -> Vec<Log>;
            /// Up to ``count`` (1..500, default 100) log lines of an executor newer than ``since``
            /// (Unix nanoseconds, default 0).
            fn get_executor_logs(colonyname: String, executorname: String; count: u32 = 100,
                since: UnixNanos = 0) -> Vec<Log>;
            /// Up to ``count`` (default 100) log lines of the last ``days`` (default 1) days that
            /// contain ``text``.
            fn search_logs(colonyname: String, text: String; days: u32 = 1, count: u32 = 100) -> Vec<Log>;
            /// Adds an attribute to a running process (by its executor).
            fn add_attribute(attribute: Attribute) -> Attribute;
            /// An attribute, by ID.
            fn get_attribute(attributeid: String) -> Attribute;

            // --- Crons and generators -----------------------------------------------------------

            /// Adds a cron; the server fills in its ID and initiator.
            fn add_cron(cron: Cron) -> Cron;
            /// A cron, by ID.
            fn get_cron(cronid: String) -> Cron;
            /// Up to ``count`` (default 100) crons of a colony.
            fn get_crons(colonyname: String; count: u32 = 100) -> Vec<Cron>;
            /// Runs a cron now.
            fn run_cron(cronid: String) -> Cron;
            /// Removes a cron.
            fn remove_cron(cronid: String) -> ();
            /// Adds a generator; the server fills in its ID and initiator.
            fn add_generator(generator: Generator) -> Generator;
            /// A generator, by ID.
            fn get_generator(generatorid: String) -> Generator;
            /// A generator, by colony and name.
            fn resolve_generator(colonyname: String, generatorname: String) -> Generator;
            /// Up to ``count`` (default 100) generators of a colony.
            fn get_generators(colonyname: String; count: u32 = 100) -> Vec<Generator>;
            /// Queues an argument for a generator's next run.
            fn pack_generator(generatorid: String, arg: String) -> ();
            /// Removes a generator.
            fn remove_generator(generatorid: String) -> ();

            // --- Blueprints ---------------------------------------------------------------------

            /// Adds a blueprint definition (signed by the colony key).
            fn add_blueprint_definition(definition: BlueprintDefinition) -> BlueprintDefinition;
            /// A blueprint definition, by colony and name.
            fn get_blueprint_definition(colonyname: String, name: String) -> BlueprintDefinition;
            /// The blueprint definitions of a colony.
            fn get_blueprint_definitions(colonyname: String) -> Vec<BlueprintDefinition>;
            /// Removes a blueprint definition that no blueprint uses (signed by the colony key).
            fn remove_blueprint_definition(colonyname: String, name: String) -> ();
            /// Adds a blueprint of a defined kind.
            fn add_blueprint(blueprint: Blueprint) -> Blueprint;
            /// A blueprint, by colony and name.
            fn get_blueprint(colonyname: String, name: String) -> Blueprint;
            /// The blueprints of a colony, of one ``kind`` and at one location ("" or left out: all).
            fn get_blueprints(colonyname: String; kind: String = String::new(),
                locationname: String = String::new()) -> Vec<Blueprint>;
            /// Updates a blueprint; ``force_generation`` bumps its generation even if unchanged.
            fn update_blueprint(blueprint: Blueprint; force_generation: bool = false) -> Blueprint;
            /// Removes a blueprint.
            fn remove_blueprint(colonyname: String, name: String) -> ();
            /// The last ``limit`` changes of a blueprint (0, the default: all).
            fn get_blueprint_history(blueprintid: String; limit: u32 = 0) -> Vec<BlueprintHistory>;
            /// Sets a blueprint's status (free-form JSON), as its reconciler sees it.
            fn update_blueprint_status(colonyname: String, name: String, status: Value) -> ();
            /// Submits a reconcile process for a blueprint to its definition's handler.
            fn reconcile_blueprint(colonyname: String, name: String; force: bool = false) -> Process;

            // --- Files and snapshots (metadata; the data lives in S3) ---------------------------

            /// Adds a file's metadata; the server fills in its ID.
            fn add_file(file: File) -> File;
            /// A file's revisions, by ID.
            fn get_file(colonyname: String, fileid: String) -> Vec<File>;
            /// A file's revisions, by label and name; with ``latest``, only the newest one.
            fn get_file_by_name(colonyname: String, label: String, name: String;
                latest: bool = false) -> Vec<File>;
            /// The latest revision of each file under a label.
            fn get_files(colonyname: String, label: String) -> Vec<FileData>;
            /// The file labels of a colony that start with ``name`` (or equal it, with ``exact``).
            fn get_file_labels(colonyname: String; name: String = String::new(), exact: bool = false) -> Vec<Label>;
            /// Removes a file's metadata, by ID.
            fn remove_file(colonyname: String, fileid: String) -> ();
            /// Freezes the files under a label as a named snapshot.
            fn create_snapshot(colonyname: String, label: String, name: String) -> Snapshot;
            /// A snapshot, by name.
            fn get_snapshot(colonyname: String, name: String) -> Snapshot;
            /// The snapshots of a colony.
            fn get_snapshots(colonyname: String) -> Vec<Snapshot>;
            /// Removes a snapshot, by name.
            fn remove_snapshot(colonyname: String, name: String) -> ();
            /// Removes every snapshot of a colony.
            fn remove_all_snapshots(colonyname: String) -> ();

            // --- Sync channel -------------------------------------------------------------------

            /// Client side: acknowledges on ``sync_channel`` that everything has arrived.
            fn acknowledge(processid: String, sync_channel: String) -> ();
        }
    };
}

/// One argument of an operation, as the table declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationArgument {
    pub name: &'static str,
    /// The row's Rust type, as written (`String`, `Option<ProcessState>`, `UnixNanos`).
    pub ty: &'static str,
    /// The default of an optional argument, as a Rust expression; `None` when required.
    pub default: Option<&'static str>,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The method's name (snake_case; the Node binding uses its camelCase form).
    pub name: &'static str,
    /// Its documentation, one line per doc line.
    pub doc: &'static str,
    pub arguments: &'static [OperationArgument],
    /// The reply's Rust type (`()` for none).
    pub reply: &'static str,
}

macro_rules! describe {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($($arg:ident: $ty:ty),* $(; $($opt:ident: $oty:ty = $default:expr),*)?) -> $reply:ty;
    )*) => {
        /// Every row of [`for_each_operation!`](crate::for_each_operation), in order.
        pub const OPERATIONS: &[Operation] = &[$(
            Operation {
                name: stringify!($name),
                doc: concat!($($doc, "\n"),*),
                arguments: &[
                    $(OperationArgument { name: stringify!($arg), ty: stringify!($ty), default: None },)*
                    $($(OperationArgument {
                        name: stringify!($opt),
                        ty: stringify!($oty),
                        default: Some(stringify!($default)),
                    },)*)?
                ],
                reply: stringify!($reply),
            },
        )*];
    };
}

for_each_operation!(describe);

/// Compile-time proof that every row matches its `Client` method: the argument types, their
/// order, and the reply.
#[cfg(test)]
#[allow(dead_code, clippy::too_many_arguments, unused_parens)]
mod matches_the_client {
    use super::prelude::*;
    use crate::{Client, Result};

    macro_rules! check {
        ($(
            $(#[doc = $doc:literal])*
            fn $name:ident($($arg:ident: $ty:ty),* $(; $($opt:ident: $oty:ty = $default:expr),*)?) -> $reply:ty;
        )*) => {$(
            async fn $name(client: &Client, $($arg: $ty,)* $($($opt: $oty),*)?) -> Result<$reply> {
                client.$name($($arg.pass(),)* $($($opt.pass()),*)?).await
            }
        )*};
    }

    for_each_operation!(check);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_in_the_table_once() {
        let mut names: Vec<_> = OPERATIONS.iter().map(|o| o.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OPERATIONS.len());
        let history = OPERATIONS
            .iter()
            .find(|o| o.name == "get_process_history")
            .unwrap();
        let arguments: Vec<_> = history.arguments.iter().map(|a| a.name).collect();
        assert_eq!(arguments, ["colonyname", "state", "seconds", "executorid"]);
        assert!(history.arguments[3].default.is_some());
    }
}
