//! The core's types as plain JavaScript objects, and back.
//!
//! Field names are the core's (they are already lower case and travel unchanged). Enumerations
//! become their upper-case names (`"RUNNING"`, `"APPROVED"`); `prioritytime`, nanoseconds that
//! exceed 2^53, becomes a decimal string.
//!
//! Objects that hold free-form JSON (processes, executors) cross as JSON text, which the JS
//! layer parses with `JSON.parse`; JSON arguments arrive as `JSON.stringify` text. So JSON
//! values have exactly JSON's semantics in JS (napi's own conversion would turn integers above
//! 2^32 into floats on the way in and into BigInts on the way out).

use std::collections::HashMap;
use std::time::Duration;

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use serde::Serialize;
use serde_json::{Map, Value};

use colonykit::{
    ChannelEntry, Conditions, Executor, ExecutorState, FunctionSpec, Process, ProcessState, User,
    WriterStats,
};

use crate::error::invalid_argument;

/// A user, as returned and as given to `addUser` (`email` and `phone` optional).
#[napi(object, js_name = "User")]
pub struct JsUser {
    pub colonyname: String,
    pub userid: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl From<User> for JsUser {
    fn from(u: User) -> Self {
        JsUser {
            colonyname: u.colonyname,
            userid: u.userid,
            name: u.name,
            email: Some(u.email),
            phone: Some(u.phone),
        }
    }
}

impl From<JsUser> for User {
    fn from(u: JsUser) -> Self {
        User {
            colonyname: u.colonyname,
            userid: u.userid,
            name: u.name,
            email: u.email.unwrap_or_default(),
            phone: u.phone.unwrap_or_default(),
        }
    }
}

/// What `addExecutor` needs.
#[napi(object, js_name = "NewExecutor")]
pub struct JsNewExecutor {
    pub executorid: String,
    pub executortype: String,
    pub executorname: String,
    pub colonyname: String,
}

impl From<JsNewExecutor> for Executor {
    fn from(e: JsNewExecutor) -> Self {
        Executor::new(e.executorid, e.executortype, e.executorname, e.colonyname)
    }
}

/// An executor (crosses as JSON text).
#[derive(Serialize)]
pub struct JsExecutor {
    pub executorid: String,
    pub executortype: String,
    pub executorname: String,
    pub colonyname: String,
    /// `PENDING`, `APPROVED`, `REJECTED`, `UNREGISTERED` or `UNKNOWN`.
    pub state: String,
    pub requirefuncreg: bool,
    pub commissiontime: String,
    pub lastheardfromtime: String,
    pub locationname: String,
    pub capabilities: Value,
    pub allocations: Value,
}

fn executor_state_name(state: ExecutorState) -> &'static str {
    match state {
        ExecutorState::Pending => "PENDING",
        ExecutorState::Approved => "APPROVED",
        ExecutorState::Rejected => "REJECTED",
        ExecutorState::Unregistered => "UNREGISTERED",
        ExecutorState::Unknown(_) => "UNKNOWN",
    }
}

impl From<Executor> for JsExecutor {
    fn from(e: Executor) -> Self {
        JsExecutor {
            state: executor_state_name(e.state).to_string(),
            executorid: e.executorid,
            executortype: e.executortype,
            executorname: e.executorname,
            colonyname: e.colonyname,
            requirefuncreg: e.requirefuncreg,
            commissiontime: e.commissiontime,
            lastheardfromtime: e.lastheardfromtime,
            locationname: e.locationname,
            capabilities: e.capabilities,
            allocations: e.allocations,
        }
    }
}

/// Where a process may run.
#[derive(Serialize)]
pub struct JsConditions {
    pub colonyname: String,
    pub executornames: Vec<String>,
    pub executortype: String,
    pub locationname: String,
    pub dependencies: Vec<String>,
    pub nodes: i64,
    pub processes: i64,
    pub processespernode: i64,
    pub cpu: String,
    pub mem: String,
    pub storage: String,
    pub gpu: Value,
    pub walltime: i64,
}

impl From<Conditions> for JsConditions {
    fn from(c: Conditions) -> Self {
        JsConditions {
            colonyname: c.colonyname,
            executornames: c.executornames,
            executortype: c.executortype,
            locationname: c.locationname,
            dependencies: c.dependencies,
            nodes: c.nodes,
            processes: c.processes,
            processespernode: c.processespernode,
            cpu: c.cpu,
            mem: c.mem,
            storage: c.storage,
            gpu: c.gpu,
            walltime: c.walltime,
        }
    }
}

/// A function spec as the server returns it.
#[derive(Serialize)]
pub struct JsFunctionSpec {
    pub nodename: String,
    pub funcname: String,
    pub args: Vec<Value>,
    pub kwargs: Map<String, Value>,
    pub priority: i64,
    pub maxwaittime: i64,
    pub maxexectime: i64,
    pub maxretries: i64,
    pub conditions: JsConditions,
    pub label: String,
    pub fs: Value,
    pub env: HashMap<String, String>,
    pub channels: Vec<String>,
}

impl From<FunctionSpec> for JsFunctionSpec {
    fn from(s: FunctionSpec) -> Self {
        JsFunctionSpec {
            nodename: s.nodename,
            funcname: s.funcname,
            args: s.args,
            kwargs: s.kwargs,
            priority: s.priority,
            maxwaittime: s.maxwaittime,
            maxexectime: s.maxexectime,
            maxretries: s.maxretries,
            conditions: s.conditions.into(),
            label: s.label,
            fs: s.fs,
            env: s.env,
            channels: s.channels,
        }
    }
}

/// A process (crosses as JSON text).
#[derive(Serialize)]
pub struct JsProcess {
    pub processid: String,
    pub initiatorid: String,
    pub initiatorname: String,
    pub assignedexecutorid: String,
    pub isassigned: bool,
    /// `WAITING`, `RUNNING`, `SUCCESS`, `FAILED`, `CANCELLED` or `UNKNOWN`.
    pub state: String,
    /// Nanoseconds, as a decimal string (the value exceeds 2^53).
    pub prioritytime: String,
    pub submissiontime: String,
    pub starttime: String,
    pub endtime: String,
    pub waitdeadline: String,
    pub execdeadline: String,
    pub retries: i64,
    pub attributes: Vec<Value>,
    pub spec: JsFunctionSpec,
    pub waitforparents: bool,
    pub parents: Vec<String>,
    pub children: Vec<String>,
    pub processgraphid: String,
    pub input: Vec<Value>,
    pub output: Vec<Value>,
    pub errors: Vec<String>,
}

impl From<Process> for JsProcess {
    fn from(p: Process) -> Self {
        JsProcess {
            processid: p.processid,
            initiatorid: p.initiatorid,
            initiatorname: p.initiatorname,
            assignedexecutorid: p.assignedexecutorid,
            isassigned: p.isassigned,
            state: p.state.name().to_string(),
            prioritytime: p.prioritytime.to_string(),
            submissiontime: p.submissiontime,
            starttime: p.starttime,
            endtime: p.endtime,
            waitdeadline: p.waitdeadline,
            execdeadline: p.execdeadline,
            retries: p.retries,
            attributes: p.attributes,
            spec: p.spec.into(),
            waitforparents: p.waitforparents,
            parents: p.parents,
            children: p.children,
            processgraphid: p.processgraphid,
            input: p.input,
            output: p.output,
            errors: p.errors,
        }
    }
}

/// One entry of a channel's log.
#[napi(object, js_name = "ChannelEntry")]
pub struct JsChannelEntry {
    pub sequence: i64,
    pub inreplyto: i64,
    pub payload: Buffer,
    /// `data`, `end`, `error` or the sender's own type.
    pub kind: String,
    pub senderid: String,
    pub timestamp: String,
}

impl From<ChannelEntry> for JsChannelEntry {
    fn from(e: ChannelEntry) -> Self {
        JsChannelEntry {
            sequence: e.sequence,
            inreplyto: e.inreplyto,
            kind: e.kind.as_str().to_string(),
            payload: Buffer::from(e.payload),
            senderid: e.senderid,
            timestamp: e.timestamp,
        }
    }
}

/// What a channel writer did.
#[napi(object, js_name = "WriterStats")]
pub struct JsWriterStats {
    /// Entries the server accepted.
    pub written: f64,
    /// Appends that were rate-limited and sent again.
    pub retried: f64,
    /// Entries that a later entry overtook.
    pub reordered: f64,
}

impl From<WriterStats> for JsWriterStats {
    fn from(s: WriterStats) -> Self {
        // Counts stay far below 2^53: exact as f64.
        JsWriterStats {
            written: s.written as f64,
            retried: s.retried as f64,
            reordered: s.reordered as f64,
        }
    }
}

/// A process state from its name, in any case.
pub fn process_state(name: &str) -> napi::Result<ProcessState> {
    ProcessState::from_name(name.trim()).ok_or_else(|| {
        invalid_argument(format!(
            "unknown process state {name:?}: expected waiting, running, success, failed or cancelled"
        ))
    })
}

/// A duration from milliseconds (a finite, non-negative number; zero is left to the core,
/// which says why it is refused).
pub fn millis(ms: f64, what: &str) -> napi::Result<Duration> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(invalid_argument(format!(
            "{what} must be a finite, non-negative number of milliseconds"
        )));
    }
    Duration::try_from_secs_f64(ms / 1000.0)
        .map_err(|_| invalid_argument(format!("{what} is too large")))
}

/// A non-negative integer that fits in `u64`.
pub fn count_u64(value: f64, what: &str) -> napi::Result<u64> {
    if !value.is_finite() || value < 0.0 || value.fract() != 0.0 || value > 9_007_199_254_740_991.0
    {
        return Err(invalid_argument(format!(
            "{what} must be a non-negative integer"
        )));
    }
    // Checked above: a non-negative integer below 2^53 converts exactly.
    Ok(value as u64)
}

/// A non-negative integer that fits in `u32`.
pub fn count_u32(value: f64, what: &str) -> napi::Result<u32> {
    let value = count_u64(value, what)?;
    u32::try_from(value).map_err(|_| invalid_argument(format!("{what} is too large")))
}

/// A count of things held at once (calls, appends in flight).
pub fn usize_count(value: f64, what: &str) -> napi::Result<usize> {
    usize::try_from(count_u32(value, what)?)
        .map_err(|_| invalid_argument(format!("{what} is too large")))
}
