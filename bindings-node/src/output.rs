//! Results of the table of methods ([`crate::api`]) as JSON values, shaped as `index.d.ts`
//! declares them: field names as on the wire, every field present (the core leaves some empty
//! ones out, as the server does), process states by name, and nanosecond times (which exceed
//! 2^53) as decimal strings.

use serde::Serialize;
use serde_json::{json, Map, Value};

use colonykit::{
    Attribute, Blueprint, BlueprintDefinition, BlueprintHistory, Cluster, Colony, Cron, Executor,
    File, FileData, Function, Generator, Label, Location, Log, PauseStatus, Process, ProcessGraph,
    ServerInfo, ServerVersion, Snapshot, Statistics, User, WorkflowSpec,
};

use crate::convert::{JsExecutor, JsFunctionSpec, JsProcess};
use crate::json::internal;

/// A result as the JS layer receives it.
pub trait Output {
    fn wire(self) -> napi::Result<Value>;
}

fn value<T: Serialize>(item: &T) -> napi::Result<Value> {
    serde_json::to_value(item).map_err(|e| internal(&e))
}

/// Adds the members of `defaults` that `value` lacks.
fn fill(mut value: Value, defaults: Value) -> Value {
    if let (Value::Object(object), Value::Object(defaults)) = (&mut value, defaults) {
        for (key, default) in defaults {
            object.entry(key).or_insert(default);
        }
    }
    value
}

/// Replaces the member `key` of an object by what `change` makes of it.
fn rewrite(value: &mut Value, key: &str, change: impl FnOnce(Value) -> Value) {
    if let Some(object) = value.as_object_mut() {
        let old = object.remove(key).unwrap_or(Value::Null);
        object.insert(key.to_string(), change(old));
    }
}

impl Output for () {
    fn wire(self) -> napi::Result<Value> {
        Ok(Value::Null)
    }
}

impl<T: Output> Output for Vec<T> {
    fn wire(self) -> napi::Result<Value> {
        self.into_iter()
            .map(Output::wire)
            .collect::<napi::Result<Vec<_>>>()
            .map(Value::Array)
    }
}

impl Output for Process {
    fn wire(self) -> napi::Result<Value> {
        value(&JsProcess::from(self))
    }
}

impl Output for Executor {
    fn wire(self) -> napi::Result<Value> {
        value(&JsExecutor::from(self))
    }
}

impl Output for Log {
    fn wire(self) -> napi::Result<Value> {
        let timestamp = self.timestamp.to_string();
        let mut log = value(&self)?;
        rewrite(&mut log, "timestamp", |_| Value::String(timestamp));
        Ok(log)
    }
}

impl Output for ProcessGraph {
    fn wire(self) -> napi::Result<Value> {
        let state = self.state.name();
        let mut graph = value(&self)?;
        rewrite(&mut graph, "state", |_| json!(state));
        Ok(graph)
    }
}

/// A cron's or a generator's workflow as an object whose nodes are shaped like
/// `Process.spec` (`null` when none), in place of the wire's JSON text.
fn with_workflow(mut item: Value, workflow: Option<WorkflowSpec>) -> napi::Result<Value> {
    let workflow = match workflow {
        None => Value::Null,
        Some(w) => json!({
            "colonyname": w.colonyname,
            "functionspecs": w
                .functionspecs
                .into_iter()
                .map(|spec| value(&JsFunctionSpec::from(spec)))
                .collect::<napi::Result<Vec<_>>>()?,
        }),
    };
    rewrite(&mut item, "workflowspec", |_| workflow);
    Ok(item)
}

impl Output for Cron {
    fn wire(mut self) -> napi::Result<Value> {
        let workflow = self.workflowspec.take();
        let item = fill(value(&self)?, json!({ "nextrun": "", "lastrun": "" }));
        with_workflow(item, workflow)
    }
}

impl Output for Generator {
    fn wire(mut self) -> napi::Result<Value> {
        let workflow = self.workflowspec.take();
        let item = fill(value(&self)?, json!({ "firstpack": "", "lastrun": "" }));
        with_workflow(item, workflow)
    }
}

/// The members of a blueprint's metadata that the core leaves out when empty.
fn metadata_defaults() -> Value {
    json!({
        "locationname": "", "labels": {}, "annotations": {}, "createdAt": "", "updatedAt": "",
        "lastReconciliationProcess": "", "lastReconciliationTime": ""
    })
}

fn with_metadata(item: Value, defaults: Value) -> Value {
    let mut item = fill(item, defaults);
    rewrite(&mut item, "metadata", |m| fill(m, metadata_defaults()));
    item
}

impl Output for Blueprint {
    fn wire(self) -> napi::Result<Value> {
        Ok(with_metadata(value(&self)?, json!({ "status": null })))
    }
}

impl Output for BlueprintDefinition {
    fn wire(self) -> napi::Result<Value> {
        Ok(with_metadata(value(&self)?, Value::Object(Map::new())))
    }
}

/// Types that serialize as they are, with the defaults of the members the core may leave out.
macro_rules! plain_output {
    ($($type:ty $({ $($defaults:tt)* })?),* $(,)?) => {
        $(
            impl Output for $type {
                fn wire(self) -> napi::Result<Value> {
                    let item = value(&self)?;
                    Ok(fill(item, json!({ $($($defaults)*)? })))
                }
            }
        )*
    };
}

impl Output for ServerVersion {
    fn wire(self) -> napi::Result<Value> {
        Ok(json!({ "buildversion": self.buildversion, "buildtime": self.buildtime }))
    }
}

plain_output! {
    Colony, ServerInfo, Statistics, Cluster, User, PauseStatus, Attribute, Location, FileData, Label,
    Snapshot, BlueprintHistory,
    Function { "description": "", "args": [], "locationname": "" },
    File { "added": "" },
}
