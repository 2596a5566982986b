//! Processes, workflows, logs, attributes and channels.

use std::time::Duration;

use serde_json::Value;

use crate::client::{Call, Client, LONG_POLL_MARGIN};
use crate::error::{Error, ErrorKind, Result};
use crate::messages::{self, List};
use crate::model::{ChannelEntry, FunctionSpec, NewEntry, Process, ProcessState};
use crate::resources::{Attribute, Log, PauseStatus, ProcessGraph, WorkflowSpec};
use crate::rpc::whole_seconds;

impl Client {
    // --- Processes ----------------------------------------------------------------------------

    /// Submits a function spec; the process starts WAITING.
    pub async fn submit(&self, spec: &FunctionSpec) -> Result<Process> {
        if spec.maxexectime == 0 {
            return Err(Error::invalid_argument(
                "maxexectime 0 fails the process at once; use -1 for no limit",
            ));
        }
        let route = self.submission_route(&spec.conditions.colonyname);
        self.call_routed(&messages::SubmitFunctionSpec { spec: spec.clone() }, route)
            .await
    }

    /// Waits up to `timeout` (whole seconds, at least one) for a process to run, and takes it.
    /// `Ok(None)` means no work came in time. Only executors can assign.
    pub async fn assign(&self, colonyname: &str, timeout: Duration) -> Result<Option<Process>> {
        let seconds = whole_seconds(timeout, "assign timeout")?;
        let message = messages::AssignProcess {
            colonyname: colonyname.into(),
            timeout: seconds,
            availablecpu: String::new(),
            availablemem: String::new(),
        };
        let wait = Call::LongPoll(timeout + LONG_POLL_MARGIN);
        match self.send(&message, Some(self.signing_key()?), wait).await {
            Ok(process) => Ok(Some(process)),
            Err(e) if e.kind() == ErrorKind::NotFound && e.message().contains("No process") => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// A process, by ID.
    pub async fn get_process(&self, processid: &str) -> Result<Process> {
        let message = messages::GetProcess {
            processid: processid.into(),
        };
        self.call(&message).await
    }

    /// Up to `count` (at most 100) processes of a colony in `state`, oldest first.
    pub async fn get_processes(
        &self,
        colonyname: &str,
        state: ProcessState,
        count: u32,
    ) -> Result<Vec<Process>> {
        let message = messages::GetProcesses {
            colonyname: colonyname.into(),
            count: i64::from(count),
            state: state.into(),
            executortype: String::new(),
            label: String::new(),
            initiator: String::new(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Removes a process that is not running.
    pub async fn remove_process(&self, processid: &str) -> Result<()> {
        let message = messages::RemoveProcess {
            processid: processid.into(),
            all: false,
        };
        self.call(&message).await.map(drop)
    }

    /// Sets the output of a running process (by its executor).
    pub async fn set_output(&self, processid: &str, output: Vec<Value>) -> Result<()> {
        let message = messages::SetOutput {
            processid: processid.into(),
            output,
        };
        self.call(&message).await.map(drop)
    }

    /// Closes a process as successful, with `output` (by its executor). Deletes its channels (in a cluster, see
    /// `closing_route`).
    pub async fn close(&self, processid: &str, output: Vec<Value>) -> Result<()> {
        let message = messages::CloseSuccessful {
            processid: processid.into(),
            output,
        };
        let route = self.closing_route(processid).await?;
        self.call_routed(&message, route).await.map(drop)
    }

    /// Closes a process as failed, with `errors` (by its executor). Deletes its channels (in a cluster, see
    /// `closing_route`).
    pub async fn fail(&self, processid: &str, errors: Vec<String>) -> Result<()> {
        let message = messages::CloseFailed {
            processid: processid.into(),
            errors,
        };
        let route = self.closing_route(processid).await?;
        self.call_routed(&message, route).await.map(drop)
    }

    /// Cancels a process (server v1.9.12 or later). Deletes its channels.
    pub async fn cancel(&self, processid: &str) -> Result<()> {
        let message = messages::CancelProcess {
            processid: processid.into(),
        };
        let route = self.closing_route(processid).await?;
        self.call_routed(&message, route).await.map(drop)
    }

    /// Processes of a colony in `state` that ended within the last `seconds`, optionally only
    /// those of one executor (`executorid` empty: all).
    pub async fn get_process_history(
        &self,
        colonyname: &str,
        state: ProcessState,
        seconds: i64,
        executorid: &str,
    ) -> Result<Vec<Process>> {
        let message = messages::GetProcessHistory {
            colonyname: colonyname.into(),
            executorid: executorid.into(),
            seconds,
            state: state.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Removes every process of a colony in `state`, or in any state but RUNNING with `None`
    /// (signed by the colony key).
    pub async fn remove_all_processes(
        &self,
        colonyname: &str,
        state: Option<ProcessState>,
    ) -> Result<()> {
        let message = messages::RemoveAllProcesses {
            colonyname: colonyname.into(),
            state: state.map_or(-1, i64::from),
        };
        self.call(&message).await.map(drop)
    }

    /// Pauses the assignment of a colony's processes (signed by the colony key).
    pub async fn pause_assignments(&self, colonyname: &str) -> Result<()> {
        let message = messages::PauseAssignments {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Resumes the assignment of a colony's processes (signed by the colony key).
    pub async fn resume_assignments(&self, colonyname: &str) -> Result<()> {
        let message = messages::ResumeAssignments {
            colonyname: colonyname.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Whether a colony's assignments are paused.
    pub async fn get_pause_status(&self, colonyname: &str) -> Result<PauseStatus> {
        let message = messages::GetPauseStatus {
            colonyname: colonyname.into(),
        };
        self.call(&message).await
    }

    // --- Workflows ----------------------------------------------------------------------------

    /// Submits a workflow (a graph of processes). A node that names no colony runs in the
    /// workflow's.
    pub async fn submit_workflow(&self, workflow: &WorkflowSpec) -> Result<ProcessGraph> {
        let colonyname = workflow.colonyname.clone();
        let message = messages::SubmitWorkflowSpec {
            spec: workflow.clone().with_defaults(&colonyname),
        };
        self.call_routed(&message, self.submission_route(&colonyname))
            .await
    }

    /// A workflow, by ID.
    pub async fn get_process_graph(&self, processgraphid: &str) -> Result<ProcessGraph> {
        let message = messages::GetProcessGraph {
            processgraphid: processgraphid.into(),
        };
        self.call(&message).await
    }

    /// Up to `count` (at most 100) workflows of a colony in `state`.
    pub async fn get_process_graphs(
        &self,
        colonyname: &str,
        state: ProcessState,
        count: u32,
    ) -> Result<Vec<ProcessGraph>> {
        let message = messages::GetProcessGraphs {
            colonyname: colonyname.into(),
            count: i64::from(count),
            state: state.into(),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Removes a workflow that is not running, with its processes.
    pub async fn remove_process_graph(&self, processgraphid: &str) -> Result<()> {
        let message = messages::RemoveProcessGraph {
            processgraphid: processgraphid.into(),
            all: false,
        };
        self.call(&message).await.map(drop)
    }

    /// Removes every workflow of a colony in `state`, or in any state but RUNNING with `None`
    /// (signed by the colony key).
    pub async fn remove_all_process_graphs(
        &self,
        colonyname: &str,
        state: Option<ProcessState>,
    ) -> Result<()> {
        let message = messages::RemoveAllProcessGraphs {
            colonyname: colonyname.into(),
            state: state.map_or(-1, i64::from),
        };
        self.call(&message).await.map(drop)
    }

    /// Adds a process to a running workflow, as a child of `parentprocessid` (which must be
    /// assigned to the caller). With `insert`, it goes between the parent and its children.
    pub async fn add_child(
        &self,
        processgraphid: &str,
        parentprocessid: &str,
        spec: &FunctionSpec,
        insert: bool,
    ) -> Result<Process> {
        let message = messages::AddChild {
            processgraphid: processgraphid.into(),
            parentprocessid: parentprocessid.into(),
            childprocessid: String::new(),
            spec: spec.clone(),
            insert,
        };
        let route = self.submission_route(&spec.conditions.colonyname);
        self.call_routed(&message, route).await
    }

    /// Cancels every waiting or running process of a workflow (server v1.9.12 or later).
    pub async fn cancel_process_graph(&self, processgraphid: &str) -> Result<()> {
        let message = messages::CancelProcessGraph {
            processgraphid: processgraphid.into(),
        };
        self.call(&message).await.map(drop)
    }

    // --- Logs ---------------------------------------------------------------------------------

    /// Adds a log line to a running process (by its executor).
    pub async fn add_log(&self, processid: &str, message: &str) -> Result<()> {
        let message = messages::AddLog {
            processid: processid.into(),
            message: message.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Adds a log line of the calling executor.
    pub async fn add_executor_log(
        &self,
        colonyname: &str,
        executorname: &str,
        message: &str,
    ) -> Result<()> {
        let message = messages::AddExecutorLog {
            colonyname: colonyname.into(),
            executorname: executorname.into(),
            message: message.into(),
        };
        self.call(&message).await.map(drop)
    }

    /// Up to `count` (1..=500) log lines of a process newer than `since` (Unix nanoseconds).
    pub async fn get_logs(
        &self,
        colonyname: &str,
        processid: &str,
        count: u32,
        since: i64,
    ) -> Result<Vec<Log>> {
        self.logs(colonyname, processid, "", count, since).await
    }

    /// Up to `count` (1..=500) log lines of an executor newer than `since` (Unix nanoseconds).
    pub async fn get_executor_logs(
        &self,
        colonyname: &str,
        executorname: &str,
        count: u32,
        since: i64,
    ) -> Result<Vec<Log>> {
        self.logs(colonyname, "", executorname, count, since).await
    }

    async fn logs(
        &self,
        colonyname: &str,
        processid: &str,
        executorname: &str,
        count: u32,
        since: i64,
    ) -> Result<Vec<Log>> {
        if count == 0 {
            return Err(Error::invalid_argument(
                "count must be at least 1 (the server returns nothing for 0)",
            ));
        }
        let message = messages::GetLogs {
            colonyname: colonyname.into(),
            processid: processid.into(),
            executorname: executorname.into(),
            count: i64::from(count),
            since,
            latest: false,
        };
        self.call(&message).await.map(|List(v)| v)
    }

    /// Up to `count` log lines of the last `days` days that contain `text`.
    pub async fn search_logs(
        &self,
        colonyname: &str,
        text: &str,
        days: u32,
        count: u32,
    ) -> Result<Vec<Log>> {
        let message = messages::SearchLogs {
            colonyname: colonyname.into(),
            text: text.into(),
            days: i64::from(days),
            count: i64::from(count),
        };
        self.call(&message).await.map(|List(v)| v)
    }

    // --- Attributes ---------------------------------------------------------------------------

    /// Adds an attribute to a running process (by its executor).
    pub async fn add_attribute(&self, attribute: &Attribute) -> Result<Attribute> {
        let message = messages::AddAttribute {
            attribute: attribute.clone(),
        };
        self.call(&message).await
    }

    /// An attribute, by ID.
    pub async fn get_attribute(&self, attributeid: &str) -> Result<Attribute> {
        let message = messages::GetAttribute {
            attributeid: attributeid.into(),
        };
        self.call(&message).await
    }

    // --- Channels -----------------------------------------------------------------------------

    /// Appends an entry to a channel of a process (by its submitter or its executor).
    pub async fn append(&self, processid: &str, channel: &str, entry: NewEntry) -> Result<()> {
        entry.check_size()?;
        let message = messages::ChannelAppend::new(processid, channel, entry);
        self.channel_call(processid, channel, &message)
            .await
            .map(drop)
    }

    /// Reads up to `limit` entries (0: all) of a channel's log, after the first `after` entries.
    pub async fn read_channel(
        &self,
        processid: &str,
        channel: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<ChannelEntry>> {
        let message = messages::ChannelRead {
            processid: processid.into(),
            name: channel.into(),
            afterseq: i64::try_from(after)
                .map_err(|_| Error::invalid_argument("the read position is too large"))?,
            limit: i64::from(limit),
        };
        self.channel_call(processid, channel, &message)
            .await
            .map(|List(v)| v)
    }
}
