//! What the server stores besides colonies, users, executors, processes and channels:
//! functions, workflows, logs, attributes, crons, generators, blueprints, files, snapshots,
//! locations, and what it says about itself.
//!
//! Free-form parts (a blueprint's spec, an S3 reference, a graph's UI layout) stay JSON values.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{FunctionSpec, ProcessState};

/// A function an executor offers, with its statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Function {
    pub functionid: String,
    pub executorname: String,
    pub executortype: String,
    pub colonyname: String,
    pub funcname: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Argument descriptions (free-form JSON).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Value>,
    pub counter: i64,
    pub minwaittime: f64,
    pub maxwaittime: f64,
    pub minexectime: f64,
    pub maxexectime: f64,
    pub avgwaittime: f64,
    pub avgexectime: f64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub locationname: String,
}

/// A workflow to submit: function specs whose `conditions.dependencies` name their parents.
///
/// A node without `conditions.colonyname` runs in the workflow's colony: the client fills it
/// in when it sends the workflow ([`WorkflowSpec::with_defaults`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkflowSpec {
    pub colonyname: String,
    pub functionspecs: Vec<FunctionSpec>,
}

impl WorkflowSpec {
    /// Reads a workflow from the JSON text that a cron or a generator stores, as colonykit or
    /// Go's encoding (the official CLI) writes it: `null` lists, maps and strings read as empty.
    pub fn from_json(text: &str) -> Result<WorkflowSpec> {
        let invalid = |e: serde_json::Error| {
            Error::invalid_argument(format!("the workflow spec is not a workflow: {e}"))
        };
        let value = serde_json::from_str(text).map_err(invalid)?;
        crate::nulls::from_value(value).map_err(invalid)
    }

    /// The JSON text a cron or a generator stores: every field written, with the core's
    /// defaults (`maxexectime` −1, ...), so the same workflow always gives the same text.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| {
            Error::invalid_argument(format!("the workflow spec cannot be encoded: {e}"))
        })
    }

    /// The same workflow as it is sent: in the colony `colonyname` when it names none, and every
    /// node without a colony in the workflow's.
    pub fn with_defaults(mut self, colonyname: &str) -> WorkflowSpec {
        if self.colonyname.is_empty() {
            self.colonyname = colonyname.to_string();
        }
        for spec in &mut self.functionspecs {
            if spec.conditions.colonyname.is_empty() {
                spec.conditions.colonyname.clone_from(&self.colonyname);
            }
        }
        self
    }
}

/// A cron's or a generator's workflow: typed here, JSON text on the wire (the server stores
/// the text). Reads the text (colonykit's or Go's encoding), an object, or nothing (`null`,
/// `""`: no workflow); writes the text, `""` for none.
pub(crate) mod workflow_text {
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    use super::WorkflowSpec;

    pub fn serialize<S: Serializer>(
        workflow: &Option<WorkflowSpec>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match workflow {
            None => serializer.serialize_str(""),
            Some(workflow) => {
                let text = workflow.to_json().map_err(S::Error::custom)?;
                serializer.serialize_str(&text)
            }
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<WorkflowSpec>, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(None),
            Value::String(text) if text.trim().is_empty() => Ok(None),
            Value::String(text) => WorkflowSpec::from_json(&text)
                .map(Some)
                .map_err(|e| D::Error::custom(e.message())),
            object @ Value::Object(_) => crate::nulls::from_value(object)
                .map(Some)
                .map_err(|e| D::Error::custom(format!("not a workflow: {e}"))),
            _ => Err(D::Error::custom(
                "a workflow spec must be a workflow object or its JSON text",
            )),
        }
    }
}

/// A submitted workflow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessGraph {
    pub processgraphid: String,
    pub initiatorid: String,
    pub initiatorname: String,
    pub colonyname: String,
    pub rootprocessids: Vec<String>,
    pub state: ProcessState,
    pub submissiontime: String,
    pub starttime: String,
    pub endtime: String,
    pub processids: Vec<String>,
    /// UI layout, filled only when the graph is read back.
    pub nodes: Vec<Value>,
    pub edges: Vec<Value>,
}

/// A log line of a process or an executor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Log {
    pub processid: String,
    pub colonyname: String,
    pub executorname: String,
    pub message: String,
    /// Unix time in nanoseconds.
    pub timestamp: i64,
}

/// A key/value attribute of a process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attribute {
    pub attributeid: String,
    /// The process it belongs to.
    pub targetid: String,
    pub targetcolonyname: String,
    pub targetprocessgraphid: String,
    pub state: i64,
    /// 0 IN, 1 OUT, 2 ERR, 3 ENV.
    pub attributetype: i64,
    pub key: String,
    pub value: String,
}

/// A workflow run on a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cron {
    pub cronid: String,
    pub initiatorid: String,
    pub initiatorname: String,
    pub colonyname: String,
    pub name: String,
    /// Six fields, seconds first (`0 */5 * * * *`), or empty when `interval` is used.
    pub cronexpression: String,
    /// Seconds between runs; −1 (the default) to use the expression. The server refuses 0.
    pub interval: i64,
    pub random: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub nextrun: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lastrun: String,
    /// The workflow (JSON text on the wire, the server's format).
    #[serde(with = "workflow_text")]
    pub workflowspec: Option<WorkflowSpec>,
    pub prevprocessgraphid: String,
    pub waitforprevprocessgraph: bool,
    pub checkerperiod: i64,
}

impl Default for Cron {
    fn default() -> Self {
        Cron {
            cronid: String::new(),
            initiatorid: String::new(),
            initiatorname: String::new(),
            colonyname: String::new(),
            name: String::new(),
            cronexpression: String::new(),
            interval: -1,
            random: false,
            nextrun: String::new(),
            lastrun: String::new(),
            workflowspec: None,
            prevprocessgraphid: String::new(),
            waitforprevprocessgraph: false,
            checkerperiod: 0,
        }
    }
}

/// A workflow started when enough arguments have been packed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Generator {
    pub generatorid: String,
    pub initiatorid: String,
    pub initiatorname: String,
    pub colonyname: String,
    pub name: String,
    /// The workflow (JSON text on the wire, the server's format).
    #[serde(with = "workflow_text")]
    pub workflowspec: Option<WorkflowSpec>,
    /// How many packed arguments start a run.
    pub trigger: i64,
    /// Seconds after which fewer arguments start a run too.
    pub timeout: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub firstpack: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lastrun: String,
    pub queuesize: i64,
    pub checkerperiod: i64,
}

/// A declarative resource, of a kind that a [`BlueprintDefinition`] declares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Blueprint {
    pub blueprintid: String,
    pub kind: String,
    pub metadata: BlueprintMetadata,
    pub spec: Value,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub status: Value,
}

/// Name, colony and bookkeeping of a blueprint or definition (camelCase on the wire).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BlueprintMetadata {
    pub name: String,
    #[serde(rename = "colonyname")]
    pub colonyname: String,
    #[serde(rename = "locationname", skip_serializing_if = "String::is_empty")]
    pub locationname: String,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub labels: Value,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub annotations: Value,
    pub generation: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub created_at: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub updated_at: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub last_reconciliation_process: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub last_reconciliation_time: String,
}

/// Declares a kind of blueprint: its schema and the executor type that reconciles it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlueprintDefinition {
    pub blueprintdefinitionid: String,
    pub kind: String,
    pub metadata: BlueprintMetadata,
    /// `{group, version, names, scope, schema, handler}` (free-form JSON).
    pub spec: Value,
}

/// One change of a blueprint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlueprintHistory {
    pub historyid: String,
    pub blueprintid: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub generation: i64,
    pub spec: Value,
    pub status: Value,
    pub timestamp: String,
    pub changedby: String,
    pub changetype: String,
}

/// File metadata (the data itself lives in S3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct File {
    pub fileid: String,
    pub colonyname: String,
    pub label: String,
    pub name: String,
    pub size: i64,
    pub sequencenr: i64,
    pub checksum: String,
    pub checksumalg: String,
    /// `{protocol, s3object: {...}}` (free-form JSON).
    #[serde(rename = "ref")]
    pub reference: Value,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub added: String,
}

/// The latest revision of a file under a label.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileData {
    pub name: String,
    pub checksum: String,
    pub size: i64,
    pub s3filename: String,
}

/// A file label and how many files it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Label {
    pub name: String,
    pub files: i64,
}

/// The files of a label, frozen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    pub snapshotid: String,
    pub colonyname: String,
    pub label: String,
    pub name: String,
    pub fileids: Vec<String>,
    pub added: String,
}

/// A place where executors run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Location {
    pub locationid: String,
    pub name: String,
    pub colonyname: String,
    pub description: String,
    pub long: f64,
    pub lat: f64,
}

/// Counts of colonies, executors, processes and workflows (of a colony, or of the server).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Statistics {
    pub colonies: i64,
    pub executors: i64,
    pub activeexecutors: i64,
    pub unregisteredexecutors: i64,
    pub waitingprocesses: i64,
    pub runningprocesses: i64,
    pub successfulprocesses: i64,
    pub failedprocesses: i64,
    pub cancelledprocesses: i64,
    pub waitingworkflows: i64,
    pub runningworkflows: i64,
    pub successfulworkflows: i64,
    pub failedworkflows: i64,
    pub cancelledworkflows: i64,
}

/// What the server says about its build and endpoints (unsigned).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerInfo {
    pub buildversion: String,
    pub buildtime: String,
    /// `[{type, port, host, tls, insecure}]` (free-form JSON).
    pub backends: Vec<Value>,
}

/// One server of a cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterNode {
    pub name: String,
    pub host: String,
    pub port: i64,
    pub peerport: i64,
    pub relayport: i64,
    pub apiport: i64,
}

/// The servers of a cluster and its leader.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cluster {
    pub nodes: Vec<ClusterNode>,
    pub leader: ClusterNode,
}

/// Whether a colony's assignments are paused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PauseStatus {
    pub colonyname: String,
    pub ispaused: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the official CLI stores for a one-node workflow (Go's encoding of its structs).
    const GO_WORKFLOW: &str = r#"{"colonyname":"dev","functionspecs":[{"nodename":"a","funcname":"f","args":null,"kwargs":null,"priority":0,"maxwaittime":0,"maxexectime":-1,"maxretries":0,"conditions":{"colonyname":"dev","executornames":null,"executortype":"t","dependencies":null,"nodes":0,"cpu":"","processes":0,"processespernode":0,"mem":"","storage":"","gpu":{"name":"","mem":"","count":0,"nodecount":0},"walltime":0},"label":"","fs":{"mount":"","snapshots":null,"dirs":null},"env":null}]}"#;

    #[test]
    fn go_encoded_workflows_are_read() {
        let cron: Cron = crate::rpc::decode_payload(
            "getcronmsg",
            serde_json::json!({ "name": "c", "workflowspec": GO_WORKFLOW })
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        let workflow = cron.workflowspec.unwrap();
        let spec = &workflow.functionspecs[0];
        assert_eq!(spec.funcname, "f");
        assert!(spec.args.is_empty() && spec.kwargs.is_empty() && spec.env.is_empty());
        assert_eq!(spec.fs, Value::Null);
        assert_eq!(spec.conditions.gpu, Value::Null);
        assert_eq!(WorkflowSpec::from_json(GO_WORKFLOW).unwrap(), workflow);
    }

    #[test]
    fn a_cron_travels_with_its_workflow_as_text_and_interval_minus_one() {
        let workflow = WorkflowSpec {
            colonyname: "dev".into(),
            functionspecs: vec![FunctionSpec::new("f", "t", "")],
        }
        .with_defaults("ignored");
        assert_eq!(workflow.functionspecs[0].conditions.colonyname, "dev");
        let cron = Cron {
            cronexpression: "0 0 3 * * *".into(),
            workflowspec: Some(workflow.clone()),
            ..Cron::default()
        };
        let wire = serde_json::to_value(&cron).unwrap();
        assert_eq!(wire["interval"], -1);
        let text = wire["workflowspec"].as_str().unwrap();
        assert_eq!(text, workflow.to_json().unwrap());
        assert!(text.contains(r#""maxexectime":-1"#));
        let unset = serde_json::to_value(Cron::default()).unwrap();
        assert_eq!(unset["workflowspec"], "");
        let back: Cron = serde_json::from_value(wire).unwrap();
        assert_eq!(back, cron);
        let empty: Cron = serde_json::from_str(r#"{"workflowspec":""}"#).unwrap();
        assert_eq!(empty.workflowspec, None);
        assert!(serde_json::from_str::<Cron>(r#"{"workflowspec":"{nope"}"#).is_err());
        assert!(serde_json::from_str::<Cron>(r#"{"workflowspec":42}"#).is_err());
    }
}
