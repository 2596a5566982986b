//! The catalogue of protocol messages: each payload type is declared here once, with its
//! request fields and its reply type. [`crate::Client`]'s methods are thin wrappers over these.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::model::{
    ChannelEntry, Colony, Executor, FunctionSpec, NewEntry, Process, ServerVersion, User,
};
use crate::resources::{
    Attribute, Blueprint, BlueprintDefinition, BlueprintHistory, Cluster, Cron, File, FileData,
    Function, Generator, Label, Location, Log, PauseStatus, ProcessGraph, ServerInfo, Snapshot,
    Statistics, WorkflowSpec,
};
use crate::rpc::Message;

/// A reply that is a list, where the server sends `null` for an empty one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct List<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<Vec<T>>::deserialize(deserializer).map(|list| List(list.unwrap_or_default()))
    }
}

/// A reply that carries nothing (`{}`).
pub type Empty = IgnoredAny;

/// A row marked `repeatable` only reads: it may be sent again when its answer is lost.
macro_rules! repeatable {
    () => {
        false
    };
    (repeatable) => {
        true
    };
}

macro_rules! catalogue {
    ($(
        $(#[$doc:meta])*
        $name:ident = $payloadtype:literal as $method:ident -> $reply:ty $(, $repeatable:ident)? {
            $( $(#[$field_attr:meta])* $field:ident : $field_type:ty ),* $(,)?
        }
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Serialize)]
            pub struct $name {
                $( $(#[$field_attr])* pub $field: $field_type, )*
            }

            impl Message for $name {
                const TYPE: &'static str = $payloadtype;
                type Reply = $reply;
                const REPEATABLE: bool = repeatable!($($repeatable)?);
            }
        )*

        /// Every payload type and the [`crate::Client`] method that sends it (the Python binding
        /// uses the same name, the Node binding its camelCase form).
        pub const CATALOGUE: &[(&str, &str)] = &[$(($payloadtype, stringify!($method))),*];
    };
}

catalogue! {
    // Server.
    /// Server version (unsigned).
    Version = "versionmsg" as server_version -> ServerVersion, repeatable { buildversion: String, buildtime: String }
    /// Server build and endpoints (unsigned).
    GetServerInfo = "getserverinfomsg" as server_info -> ServerInfo, repeatable {}
    GetStatistics = "getstatisticsmsg" as get_statistics -> Statistics, repeatable {}
    GetCluster = "getclustermsg" as get_cluster -> Cluster, repeatable {}

    // Colonies.
    AddColony = "addcolonymsg" as add_colony -> Colony { colony: Colony }
    RemoveColony = "removecolonymsg" as remove_colony -> Empty { colonyname: String }
    GetColony = "getcolonymsg" as get_colony -> Colony, repeatable { colonyname: String }
    GetColonies = "getcoloniesmsg" as get_colonies -> List<Colony>, repeatable {}
    GetColonyStatistics = "getcolonystatsmsg" as get_colony_statistics -> Statistics, repeatable { colonyname: String }

    // Users.
    AddUser = "addusermsg" as add_user -> User { user: User }
    GetUsers = "getusersmsg" as get_users -> List<User>, repeatable { colonyname: String }
    GetUser = "getusermsg" as get_user -> User, repeatable { colonyname: String, name: String }
    GetUserById = "getuserbyidmsg" as get_user_by_id -> User, repeatable { colonyname: String, userid: String }
    RemoveUser = "removeusermsg" as remove_user -> Empty { colonyname: String, name: String }

    // Executors.
    AddExecutor = "addexecutormsg" as add_executor -> Executor { executor: Executor }
    GetExecutor = "getexecutormsg" as get_executor -> Executor, repeatable { colonyname: String, executorname: String }
    GetExecutorById = "getexecutorbyidmsg" as get_executor_by_id -> Executor, repeatable { colonyname: String, executorid: String }
    GetExecutors = "getexecutorsmsg" as get_executors -> List<Executor>, repeatable { colonyname: String }
    ApproveExecutor = "approveexecutormsg" as approve_executor -> Empty { colonyname: String, executorname: String }
    RejectExecutor = "rejectexecutormsg" as reject_executor -> Empty { colonyname: String, executorname: String }
    RemoveExecutor = "removeexecutormsg" as remove_executor -> Empty { colonyname: String, executorname: String }
    ReportAllocations = "reportallocationmsg" as report_allocations -> Empty {
        colonyname: String,
        executorname: String,
        allocations: Value,
    }
    UpdateExecutor = "updateexecutormsg" as update_executor -> Empty {
        colonyname: String,
        executorname: String,
        capabilities: Value,
    }

    // Functions.
    AddFunction = "addfunctionmsg" as add_function -> Function { fun: Function }
    GetFunctions = "getfunctionsmsg" as get_functions -> List<Function>, repeatable { colonyname: String, executorname: String }
    RemoveFunction = "removefunctionmsg" as remove_function -> Empty { functionid: String }

    // Processes.
    SubmitFunctionSpec = "submitfuncspecmsg" as submit -> Process { spec: FunctionSpec }
    AssignProcess = "assignprocessmsg" as assign -> Process {
        colonyname: String,
        /// Seconds to wait for work; never 0.
        timeout: i64,
        availablecpu: String,
        availablemem: String,
    }
    GetProcess = "getprocessmsg" as get_process -> Process, repeatable { processid: String }
    GetProcesses = "getprocessesmsg" as get_processes -> List<Process>, repeatable {
        colonyname: String,
        count: i64,
        state: i64,
        executortype: String,
        label: String,
        initiator: String,
    }
    GetProcessHistory = "getprocesshistmsg" as get_process_history -> List<Process>, repeatable {
        colonyname: String,
        executorid: String,
        seconds: i64,
        state: i64,
    }
    RemoveProcess = "removeprocessmsg" as remove_process -> Empty { processid: String, all: bool }
    RemoveAllProcesses = "removeallprocessesmsg" as remove_all_processes -> Empty { colonyname: String, state: i64 }
    SetOutput = "setoutputmsg" as set_output -> Empty {
        processid: String,
        #[serde(rename = "out")]
        output: Vec<Value>,
    }
    CloseSuccessful = "closesuccessfulmsg" as close -> Empty {
        processid: String,
        #[serde(rename = "out")]
        output: Vec<Value>,
    }
    CloseFailed = "closefailedmsg" as fail -> Empty { processid: String, errors: Vec<String> }
    CancelProcess = "cancelprocessmsg" as cancel -> Empty { processid: String }
    PauseAssignments = "pauseassignmentsmsg" as pause_assignments -> Empty { colonyname: String }
    ResumeAssignments = "resumeassignmentsmsg" as resume_assignments -> Empty { colonyname: String }
    GetPauseStatus = "getpausestatusmsg" as get_pause_status -> PauseStatus, repeatable { colonyname: String }

    // Workflows (process graphs).
    SubmitWorkflowSpec = "submitworkflowspecmsg" as submit_workflow -> ProcessGraph { spec: WorkflowSpec }
    GetProcessGraph = "getprocessgraphmsg" as get_process_graph -> ProcessGraph, repeatable { processgraphid: String }
    GetProcessGraphs = "getprocessgraphsmsg" as get_process_graphs -> List<ProcessGraph>, repeatable {
        colonyname: String,
        count: i64,
        state: i64,
    }
    RemoveProcessGraph = "removeprocessgraphmsg" as remove_process_graph -> Empty { processgraphid: String, all: bool }
    RemoveAllProcessGraphs = "removeallprocessgraphsmsg" as remove_all_process_graphs -> Empty { colonyname: String, state: i64 }
    AddChild = "addchildmsg" as add_child -> Process {
        processgraphid: String,
        parentprocessid: String,
        childprocessid: String,
        spec: FunctionSpec,
        insert: bool,
    }
    CancelProcessGraph = "cancelprocessgraphmsg" as cancel_process_graph -> Empty { processgraphid: String }

    // Logs.
    AddLog = "addlogmsg" as add_log -> Empty { processid: String, message: String }
    AddExecutorLog = "addexecutorlogmsg" as add_executor_log -> Empty {
        colonyname: String,
        executorname: String,
        message: String,
    }
    GetLogs = "getlogsmsg" as get_logs -> List<Log>, repeatable {
        colonyname: String,
        processid: String,
        executorname: String,
        count: i64,
        /// Unix nanoseconds: only logs after this.
        since: i64,
        latest: bool,
    }
    SearchLogs = "searchlogsmsg" as search_logs -> List<Log>, repeatable {
        colonyname: String,
        text: String,
        days: i64,
        count: i64,
    }

    // Attributes.
    AddAttribute = "addattributemsg" as add_attribute -> Attribute { attribute: Attribute }
    GetAttribute = "getattributemsg" as get_attribute -> Attribute, repeatable { attributeid: String }

    // Channels.
    ChannelAppend = "channelappendmsg" as append -> Empty {
        processid: String,
        name: String,
        sequence: i64,
        inreplyto: i64,
        #[serde(serialize_with = "crate::model::base64_bytes::serialize")]
        payload: Vec<u8>,
        /// The entry's type (`data`, `end`, `error`, ...); it comes back as `type`.
        payloadtype: String,
    }
    ChannelRead = "channelreadmsg" as read_channel -> List<ChannelEntry>, repeatable {
        processid: String,
        name: String,
        /// A log position: how many entries the reader already has.
        afterseq: i64,
        /// At most this many entries (0: all).
        limit: i64,
    }

    // Crons.
    AddCron = "addcronmsg" as add_cron -> Cron { cron: Cron }
    GetCron = "getcronmsg" as get_cron -> Cron, repeatable { cronid: String }
    GetCrons = "getcronsmsg" as get_crons -> List<Cron>, repeatable { colonyname: String, count: i64 }
    RunCron = "runcronmsg" as run_cron -> Cron { cronid: String }
    RemoveCron = "removecronmsg" as remove_cron -> Empty { cronid: String, all: bool }

    // Generators.
    AddGenerator = "addgeneratormsg" as add_generator -> Generator { generator: Generator }
    GetGenerator = "getgeneratormsg" as get_generator -> Generator, repeatable { generatorid: String }
    ResolveGenerator = "resolvegeneratormsg" as resolve_generator -> Generator, repeatable { colonyname: String, generatorname: String }
    GetGenerators = "getgeneratorsmsg" as get_generators -> List<Generator>, repeatable { colonyname: String, count: i64 }
    PackGenerator = "packgeneratormsg" as pack_generator -> Empty { generatorid: String, arg: String }
    RemoveGenerator = "removegeneratormsg" as remove_generator -> Empty { generatorid: String, all: bool }

    // Blueprints.
    AddBlueprintDefinition = "addblueprintdefinitionmsg" as add_blueprint_definition -> BlueprintDefinition {
        blueprintdefinition: BlueprintDefinition,
    }
    GetBlueprintDefinition = "getblueprintdefinitionmsg" as get_blueprint_definition -> BlueprintDefinition, repeatable {
        colonyname: String,
        name: String,
    }
    GetBlueprintDefinitions = "getblueprintdefinitionsmsg" as get_blueprint_definitions -> List<BlueprintDefinition>, repeatable {
        colonyname: String,
    }
    RemoveBlueprintDefinition = "removeblueprintdefinitionmsg" as remove_blueprint_definition -> Empty {
        namespace: String,
        name: String,
    }
    AddBlueprint = "addblueprintmsg" as add_blueprint -> Blueprint { blueprint: Blueprint }
    GetBlueprint = "getblueprintmsg" as get_blueprint -> Blueprint, repeatable { namespace: String, name: String }
    GetBlueprints = "getblueprintsmsg" as get_blueprints -> List<Blueprint>, repeatable {
        namespace: String,
        kind: String,
        locationname: String,
    }
    UpdateBlueprint = "updateblueprintmsg" as update_blueprint -> Blueprint { blueprint: Blueprint, forcegeneration: bool }
    RemoveBlueprint = "removeblueprintmsg" as remove_blueprint -> Empty { namespace: String, name: String }
    GetBlueprintHistory = "getblueprinthistorymsg" as get_blueprint_history -> List<BlueprintHistory>, repeatable {
        blueprintid: String,
        limit: i64,
    }
    UpdateBlueprintStatus = "updateblueprintstatusmsg" as update_blueprint_status -> Empty {
        colonyname: String,
        blueprintname: String,
        status: Value,
    }
    ReconcileBlueprint = "reconcileblueprintmsg" as reconcile_blueprint -> Process {
        namespace: String,
        name: String,
        force: bool,
    }

    // Files and snapshots (metadata; the data lives in S3).
    AddFile = "addfilemsg" as add_file -> File { file: File }
    GetFile = "getfilemsg" as get_file -> List<File>, repeatable {
        colonyname: String,
        fileid: String,
        label: String,
        name: String,
        latest: bool,
    }
    GetFiles = "getfilesmsg" as get_files -> List<FileData>, repeatable { colonyname: String, label: String }
    GetFileLabels = "getfilelabelsmsg" as get_file_labels -> List<Label>, repeatable { colonyname: String, name: String, exact: bool }
    RemoveFile = "removefilemsg" as remove_file -> Empty {
        colonyname: String,
        fileid: String,
        label: String,
        name: String,
    }
    CreateSnapshot = "createsnapshotmsg" as create_snapshot -> Snapshot { colonyname: String, label: String, name: String }
    GetSnapshot = "getsnapshotmsg" as get_snapshot -> Snapshot, repeatable { colonyname: String, snapshotid: String, name: String }
    GetSnapshots = "getsnapshotsmsg" as get_snapshots -> List<Snapshot>, repeatable { colonyname: String }
    RemoveSnapshot = "removesnapshotmsg" as remove_snapshot -> Empty { colonyname: String, snapshotid: String, name: String }
    RemoveAllSnapshots = "removeallsnapshotmsg" as remove_all_snapshots -> Empty { colonyname: String }

    // Locations.
    AddLocation = "addlocationmsg" as add_location -> Location { location: Location }
    GetLocations = "getlocationsmsg" as get_locations -> List<Location>, repeatable { colonyname: String }
    GetLocation = "getlocationmsg" as get_location -> Location, repeatable { colonyname: String, name: String }
    RemoveLocation = "removelocationmsg" as remove_location -> Empty { colonyname: String, name: String }

    // Security: new IDs for keys (the replies echo the request).
    ChangeUserId = "changeuseridmsg" as change_user_id -> Empty { colonyname: String, userid: String }
    ChangeExecutorId = "changeexecutoridmsg" as change_executor_id -> Empty { colonyname: String, executorid: String }
    ChangeColonyId = "changecolonyidmsg" as change_colony_id -> Empty { colonyname: String, colonyid: String }
    ChangeServerId = "changeserveridmsg" as change_server_id -> Empty { serverid: String }

    // WebSocket subscriptions.
    SubscribeProcesses = "subscribeprocessesmsg" as subscribe_processes -> Process {
        colonyname: String,
        executortype: String,
        state: i64,
        timeout: i64,
    }
    SubscribeProcess = "subscribeprocessmsg" as wait_for_state -> Process {
        colonyname: String,
        processid: String,
        executortype: String,
        state: i64,
        timeout: i64,
    }
    SubscribeChannel = "subscribechannelmsg" as subscribe_channel -> List<ChannelEntry> {
        processid: String,
        name: String,
        afterseq: i64,
        timeout: i64,
    }
}

/// The payload types sent over the websocket rather than `POST /api`.
pub const WEBSOCKET_TYPES: &[&str] = &[
    "subscribeprocessesmsg",
    "subscribeprocessmsg",
    "subscribechannelmsg",
];

impl ChannelAppend {
    /// The append of `entry` to `channel` of `processid`.
    pub fn new(processid: &str, channel: &str, entry: NewEntry) -> Self {
        ChannelAppend {
            processid: processid.into(),
            name: channel.into(),
            sequence: entry.sequence,
            inreplyto: entry.inreplyto,
            payload: entry.payload,
            payloadtype: entry.kind.as_str().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_holds_every_payload_type_once() {
        // Reference §4: 96 HTTP payload types and 3 websocket subscriptions (server v1.9.12).
        assert_eq!(CATALOGUE.len(), 99);
        let mut types: Vec<_> = CATALOGUE.iter().map(|(t, _)| *t).collect();
        types.sort_unstable();
        types.dedup();
        assert_eq!(types.len(), CATALOGUE.len());
        let mut methods: Vec<_> = CATALOGUE.iter().map(|(_, m)| *m).collect();
        methods.sort_unstable();
        methods.dedup();
        assert_eq!(methods.len(), CATALOGUE.len());
        for websocket in WEBSOCKET_TYPES {
            assert!(types.contains(websocket));
        }
    }

    #[test]
    fn output_travels_as_out() {
        let json = serde_json::to_value(CloseSuccessful {
            processid: "p".into(),
            output: vec![Value::from("done")],
        })
        .unwrap();
        assert_eq!(json["out"][0], "done");
    }
}
