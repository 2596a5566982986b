//! The ColonyOS data types, as they travel on the wire.
//!
//! The server sends `null` for many empty lists, maps and strings; [`crate::rpc::decode_payload`]
//! reads a `null` member of these structs as absent, so it takes the field's default (empty),
//! and keeps every `null` inside free-form JSON (`args`, `kwargs`, `out`, ...) as it is. The
//! server's own structs kept as JSON (`capabilities`, `allocations`, `fs`, `gpu`) read as `null`
//! when unset. Times are kept as the server's RFC 3339 text (unset times are year 1).
//! Defaults are the ones that are safe on the wire: a [`FunctionSpec`] has `maxexectime` and
//! `maxwaittime` −1 (no limit), never 0 (which fails a process at once).

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Binary payloads travel as standard base64 strings; `null` reads as empty.
pub(crate) mod base64_bytes {
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(Vec::new()),
            Some(text) => BASE64.decode(text).map_err(serde::de::Error::custom),
        }
    }
}

/// A colony: a named group of users, executors and processes, owned by the colony key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Colony {
    /// The ID of the colony's key.
    pub colonyid: String,
    pub name: String,
}

/// A user of a colony: a member that can submit and read processes, but not run them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    pub colonyname: String,
    /// The ID of the user's key.
    pub userid: String,
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// The state of an executor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "i64", into = "i64")]
pub enum ExecutorState {
    #[default]
    Pending,
    Approved,
    Rejected,
    Unregistered,
    /// A state this version of colonykit does not know.
    Unknown(i64),
}

impl From<i64> for ExecutorState {
    fn from(value: i64) -> Self {
        match value {
            0 => ExecutorState::Pending,
            1 => ExecutorState::Approved,
            2 => ExecutorState::Rejected,
            3 => ExecutorState::Unregistered,
            other => ExecutorState::Unknown(other),
        }
    }
}

impl From<ExecutorState> for i64 {
    fn from(state: ExecutorState) -> Self {
        match state {
            ExecutorState::Pending => 0,
            ExecutorState::Approved => 1,
            ExecutorState::Rejected => 2,
            ExecutorState::Unregistered => 3,
            ExecutorState::Unknown(other) => other,
        }
    }
}

/// An executor: a member that is assigned processes and runs them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Executor {
    /// The ID of the executor's key.
    pub executorid: String,
    pub executortype: String,
    /// Unique in its colony; must not contain `:`.
    pub executorname: String,
    pub colonyname: String,
    pub state: ExecutorState,
    pub requirefuncreg: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub commissiontime: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lastheardfromtime: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub locationname: String,
    /// Hardware and software the executor offers (JSON; `null` when unset).
    #[serde(
        skip_serializing_if = "Value::is_null",
        deserialize_with = "crate::nulls::server_struct::deserialize"
    )]
    pub capabilities: Value,
    /// Resource allocations per project (JSON; `null` when unset).
    #[serde(
        skip_serializing_if = "Value::is_null",
        deserialize_with = "crate::nulls::server_struct::deserialize"
    )]
    pub allocations: Value,
}

impl Executor {
    /// An executor to register: its key's ID, type, name and colony.
    pub fn new(
        executorid: impl Into<String>,
        executortype: impl Into<String>,
        executorname: impl Into<String>,
        colonyname: impl Into<String>,
    ) -> Self {
        Executor {
            executorid: executorid.into(),
            executortype: executortype.into(),
            executorname: executorname.into(),
            colonyname: colonyname.into(),
            ..Executor::default()
        }
    }
}

/// Where a process may run and what it needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Conditions {
    pub colonyname: String,
    /// Only executors with these names may take the process (empty: any).
    pub executornames: Vec<String>,
    pub executortype: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub locationname: String,
    /// Workflow parents (node names).
    pub dependencies: Vec<String>,
    pub nodes: i64,
    pub processes: i64,
    pub processespernode: i64,
    /// Millicores, e.g. `"500m"`.
    pub cpu: String,
    /// A size with unit, e.g. `"1Gi"`.
    pub mem: String,
    pub storage: String,
    /// `{name, mem, count, nodecount}` (JSON; `null` when unset).
    #[serde(
        skip_serializing_if = "Value::is_null",
        deserialize_with = "crate::nulls::server_struct::deserialize"
    )]
    pub gpu: Value,
    pub walltime: i64,
}

/// What to run: a function name, its arguments, where it may run, and its channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FunctionSpec {
    pub nodename: String,
    pub funcname: String,
    pub args: Vec<Value>,
    pub kwargs: serde_json::Map<String, Value>,
    /// −50000..=50000; higher runs first.
    pub priority: i64,
    /// Seconds a process may wait for an executor; −1: no limit.
    pub maxwaittime: i64,
    /// Seconds a process may run once assigned; −1: no limit. Never 0 (it fails the process).
    pub maxexectime: i64,
    /// Retries after an execution timeout; −1: no limit.
    pub maxretries: i64,
    pub conditions: Conditions,
    pub label: String,
    /// File system mounts and snapshots (JSON, the server's format; `null` when unset).
    #[serde(
        skip_serializing_if = "Value::is_null",
        deserialize_with = "crate::nulls::server_struct::deserialize"
    )]
    pub fs: Value,
    pub env: HashMap<String, String>,
    /// Channels to create with the process; only these names can ever be used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
}

fn no_limit() -> i64 {
    -1
}

impl Default for FunctionSpec {
    fn default() -> Self {
        FunctionSpec {
            nodename: String::new(),
            funcname: String::new(),
            args: Vec::new(),
            kwargs: serde_json::Map::new(),
            priority: 0,
            maxwaittime: no_limit(),
            maxexectime: no_limit(),
            maxretries: 0,
            conditions: Conditions::default(),
            label: String::new(),
            fs: Value::Null,
            env: HashMap::new(),
            channels: Vec::new(),
        }
    }
}

impl FunctionSpec {
    /// A spec for `funcname`, run by an executor of `executortype` in `colonyname`.
    pub fn new(
        funcname: impl Into<String>,
        executortype: impl Into<String>,
        colonyname: impl Into<String>,
    ) -> Self {
        FunctionSpec {
            funcname: funcname.into(),
            conditions: Conditions {
                colonyname: colonyname.into(),
                executortype: executortype.into(),
                ..Conditions::default()
            },
            ..FunctionSpec::default()
        }
    }

    /// The same spec with these channels declared.
    pub fn with_channels<I, S>(mut self, channels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.channels = channels.into_iter().map(Into::into).collect();
        self
    }
}

/// The state of a process (or a process graph).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "i64", into = "i64")]
pub enum ProcessState {
    #[default]
    Waiting,
    Running,
    Success,
    Failed,
    /// Server v1.9.12 and later.
    Cancelled,
    /// A state this version of colonykit does not know.
    Unknown(i64),
}

impl ProcessState {
    /// Whether the process is over (successful, failed or cancelled).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ProcessState::Success | ProcessState::Failed | ProcessState::Cancelled
        )
    }

    /// The state's name in upper case, as ColonyOS tools print it.
    pub fn name(self) -> &'static str {
        match self {
            ProcessState::Waiting => "WAITING",
            ProcessState::Running => "RUNNING",
            ProcessState::Success => "SUCCESS",
            ProcessState::Failed => "FAILED",
            ProcessState::Cancelled => "CANCELLED",
            ProcessState::Unknown(_) => "UNKNOWN",
        }
    }

    /// Parses a state name (`"running"`, `"SUCCESS"`, ...), as the bindings accept them.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            ProcessState::Waiting,
            ProcessState::Running,
            ProcessState::Success,
            ProcessState::Failed,
            ProcessState::Cancelled,
        ]
        .into_iter()
        .find(|state| state.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for ProcessState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<i64> for ProcessState {
    fn from(value: i64) -> Self {
        match value {
            0 => ProcessState::Waiting,
            1 => ProcessState::Running,
            2 => ProcessState::Success,
            3 => ProcessState::Failed,
            4 => ProcessState::Cancelled,
            other => ProcessState::Unknown(other),
        }
    }
}

impl From<ProcessState> for i64 {
    fn from(state: ProcessState) -> Self {
        match state {
            ProcessState::Waiting => 0,
            ProcessState::Running => 1,
            ProcessState::Success => 2,
            ProcessState::Failed => 3,
            ProcessState::Cancelled => 4,
            ProcessState::Unknown(other) => other,
        }
    }
}

/// A process: one run of a [`FunctionSpec`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Process {
    pub processid: String,
    pub initiatorid: String,
    pub initiatorname: String,
    pub assignedexecutorid: String,
    pub isassigned: bool,
    pub state: ProcessState,
    pub prioritytime: i64,
    pub submissiontime: String,
    pub starttime: String,
    pub endtime: String,
    pub waitdeadline: String,
    pub execdeadline: String,
    pub retries: i64,
    pub attributes: Vec<Value>,
    pub spec: FunctionSpec,
    pub waitforparents: bool,
    pub parents: Vec<String>,
    pub children: Vec<String>,
    pub processgraphid: String,
    /// Input (for workflow nodes: the outputs of the parents).
    #[serde(rename = "in")]
    pub input: Vec<Value>,
    /// Output, set by the executor.
    #[serde(rename = "out")]
    pub output: Vec<Value>,
    /// Errors, set when the process failed.
    pub errors: Vec<String>,
}

/// The type of a channel entry. `end` and `error` end a subscription (see [`crate::channel`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum EntryKind {
    #[default]
    Data,
    End,
    Error,
    /// Any other type string; the server stores it verbatim.
    Other(String),
}

impl EntryKind {
    /// The type as it travels on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            EntryKind::Data => "data",
            EntryKind::End => "end",
            EntryKind::Error => "error",
            EntryKind::Other(other) => other,
        }
    }

    /// Whether an entry of this kind ends the stream (`end` or `error`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, EntryKind::End | EntryKind::Error)
    }
}

impl From<String> for EntryKind {
    fn from(value: String) -> Self {
        match value.as_str() {
            "" | "data" => EntryKind::Data,
            "end" => EntryKind::End,
            "error" => EntryKind::Error,
            _ => EntryKind::Other(value),
        }
    }
}

impl From<&str> for EntryKind {
    fn from(value: &str) -> Self {
        EntryKind::from(value.to_string())
    }
}

impl From<EntryKind> for String {
    fn from(kind: EntryKind) -> Self {
        kind.as_str().to_string()
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a channel's log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelEntry {
    /// Assigned by the sender.
    pub sequence: i64,
    /// The other party's sequence this entry answers (0: none).
    pub inreplyto: i64,
    /// When the server received it (RFC 3339).
    pub timestamp: String,
    /// The ID of the key that appended it.
    pub senderid: String,
    #[serde(with = "base64_bytes")]
    pub payload: Vec<u8>,
    #[serde(rename = "type")]
    pub kind: EntryKind,
    /// Set only on the server's synthetic "subscriber too slow" entry.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
}

/// An entry to append to a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub sequence: i64,
    pub payload: Vec<u8>,
    pub kind: EntryKind,
    /// The other party's sequence this entry answers (0: none).
    pub inreplyto: i64,
}

/// The largest payload the server accepts in one entry (10 MiB).
pub const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

impl NewEntry {
    /// Refuses a payload the server would refuse, before it is uploaded.
    pub(crate) fn check_size(&self) -> crate::Result<()> {
        if self.payload.len() > MAX_PAYLOAD {
            return Err(crate::Error::new(
                crate::ErrorKind::InvalidArgument,
                format!(
                    "a channel entry's payload may be at most {MAX_PAYLOAD} bytes (10 MiB), got {}",
                    self.payload.len()
                ),
            ));
        }
        Ok(())
    }

    /// A `data` entry.
    pub fn data(sequence: i64, payload: impl Into<Vec<u8>>) -> Self {
        NewEntry {
            sequence,
            payload: payload.into(),
            kind: EntryKind::Data,
            inreplyto: 0,
        }
    }

    /// An `end` entry: the sender will send nothing more.
    pub fn end(sequence: i64) -> Self {
        NewEntry {
            kind: EntryKind::End,
            ..NewEntry::data(sequence, Vec::new())
        }
    }

    /// An `error` entry carrying an error message.
    pub fn error(sequence: i64, message: impl Into<Vec<u8>>) -> Self {
        NewEntry {
            kind: EntryKind::Error,
            ..NewEntry::data(sequence, message)
        }
    }

    /// The same entry, marked as the answer to the other party's entry `sequence`.
    pub fn in_reply_to(mut self, sequence: i64) -> Self {
        self.inreplyto = sequence;
        self
    }
}

/// The answer to `versionmsg`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerVersion {
    pub buildversion: String,
    pub buildtime: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_defaults_are_safe_on_the_wire() {
        let json = serde_json::to_value(FunctionSpec::new("f", "cli", "dev")).unwrap();
        assert_eq!(json["maxexectime"], -1);
        assert_eq!(json["maxwaittime"], -1);
        assert_eq!(json["conditions"]["colonyname"], "dev");
        assert!(json.get("channels").is_none());
    }

    #[test]
    fn nulls_read_as_empty() {
        let process: Process = crate::rpc::decode_payload(
            "getprocessmsg",
            br#"{"processid":"p","in":null,"out":null,"errors":null,"state":3,"initiatorname":null,
                "spec":{"args":null,"kwargs":null,"env":null,"channels":null,"maxexectime":null,
                        "conditions":{"executornames":null}}}"#,
        )
        .unwrap();
        assert_eq!(process.spec.maxexectime, -1);
        assert_eq!(process.state, ProcessState::Failed);
        assert!(process.output.is_empty() && process.spec.args.is_empty());
    }

    #[test]
    fn entries_decode_base64_and_null_payloads() {
        let crate::messages::List(entries): crate::messages::List<ChannelEntry> =
            crate::rpc::decode_payload(
                "channelreadmsg",
                br#"[{"sequence":1,"payload":"/wA=","type":"data","senderid":"s","timestamp":"t"},
                {"sequence":2,"inreplyto":1,"payload":null,"type":"end"},
                {"sequence":3,"payload":"aGk="}]"#,
            )
            .unwrap();
        assert_eq!(entries[0].payload, vec![0xff, 0x00]);
        assert_eq!(entries[1].kind, EntryKind::End);
        assert_eq!(entries[1].inreplyto, 1);
        assert!(entries[1].payload.is_empty());
        assert_eq!(entries[2].kind, EntryKind::Data);
    }

    #[test]
    fn unknown_states_and_kinds_survive() {
        assert_eq!(ProcessState::from(9), ProcessState::Unknown(9));
        assert_eq!(
            EntryKind::from("progress"),
            EntryKind::Other("progress".into())
        );
        assert_eq!(
            ProcessState::from_name("running"),
            Some(ProcessState::Running)
        );
        assert_eq!(ProcessState::from_name("nope"), None);
    }
}
