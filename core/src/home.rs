//! In a cluster: the node that holds a process's channels, and the two rules that let the
//! submitter and the executor meet there.
//!
//! What the server does (docs/server-findings.md, "A cluster of servers"): each node keeps its
//! own copy of a channel, in memory. The node a process is submitted through makes its copies
//! at once, with no executor; the node that assigns the process writes the executor into its
//! own copies; any other node makes its copy at the first read, append or subscription, with
//! the executor the process has *at that moment*. So a copy made before the assignment, on a
//! node that did not assign, refuses the executor for good.
//!
//! The rules: a process is submitted through a node other than its colony's home
//! ([`Client::submission_route`]), and its channels are used, through the home, only once it
//! has been assigned ([`Client::channel_home`] waits for that). The home's copy is then made
//! after the assignment, with the executor, whichever node assigned (every node does, or the
//! leader alone with `COLONIES_EXCLUSIVE_ASSIGN`).

use std::time::Duration;

use tokio::time::Instant;

use crate::client::{Client, Route};
use crate::error::{Error, ErrorKind, Result};
use crate::model::ProcessState;
use crate::retry::Backoff;
use crate::rpc::Message;
use crate::transport::Settings;

/// How many homes a client remembers before it starts over (each is found again with one
/// call).
const REMEMBERED: usize = 10_000;

/// The node that holds a process's channels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChannelHome(usize);

impl ChannelHome {
    /// Calls about the channels go there, and only there.
    pub(crate) fn route(self) -> Route {
        Route::To(self.0)
    }

    /// Where to connect to it.
    pub(crate) fn settings(self, client: &Client) -> &Settings {
        &client.nodes().get(self.0).settings
    }
}

impl Client {
    /// `error`, from a call to `home` (in a cluster), told as what it means: a node that
    /// cannot be reached took the channel's entries with it.
    pub(crate) fn explain_home_error(
        &self,
        home: Option<ChannelHome>,
        processid: &str,
        channel: &str,
        error: Error,
    ) -> Error {
        let Some(ChannelHome(index)) = home else {
            return error;
        };
        if !matches!(error.kind(), ErrorKind::Connection | ErrorKind::Timeout) {
            return error;
        }
        self.nodes().failed(index);
        Error::new(
            ErrorKind::ChannelLost,
            format!(
                "channel {channel:?} of process {processid} is lost: the cluster node {} that held it does not answer ({}), and a ColonyOS cluster does not copy channels to other nodes",
                self.nodes().get(index).name(),
                error.message()
            ),
        )
    }

    /// Sends `message` about a channel of `processid`: in a cluster, to the node that holds
    /// the process's channels (waiting, within the client's timeout, for the process to be
    /// assigned).
    pub(crate) async fn channel_call<M: Message>(
        &self,
        processid: &str,
        channel: &str,
        message: &M,
    ) -> Result<M::Reply> {
        let deadline = Instant::now() + self.settings().timeout;
        let home = self.channel_home(processid, Some(deadline)).await?;
        let route = home.map_or(Route::Any, ChannelHome::route);
        self.call_routed(message, route)
            .await
            .map_err(|e| self.explain_home_error(home, processid, channel, e))
    }

    /// Where closing, failing or cancelling `processid` goes: in a cluster, not to the home of
    /// its channels. A node deletes its own copies of a process's channels when it closes the
    /// process, and only those; a reader that came late (it could only start once the process
    /// was assigned) still finds the entries in the home's copy. The price: the home keeps that
    /// copy in memory until it restarts.
    pub(crate) async fn closing_route(&self, processid: &str) -> Result<Route> {
        if !self.nodes().is_cluster() {
            return Ok(Route::Any);
        }
        if let Some(&home) = self.remembered_homes().get(processid) {
            return Ok(Route::Avoid(home));
        }
        let process = self.get_process(processid).await?;
        if process.spec.channels.is_empty() {
            return Ok(Route::Any);
        }
        Ok(Route::Avoid(self.remember_home(
            processid,
            &process.spec.conditions.colonyname,
        )))
    }

    /// Where a submission into `colony` goes: any node but the home of the colony's channels.
    pub(crate) fn submission_route(&self, colony: &str) -> Route {
        match self.nodes().is_cluster() {
            true => Route::Avoid(self.nodes().home(colony)),
            false => Route::Any,
        }
    }

    /// The node that holds `processid`'s channels (`None` with one server). The first time, it
    /// reads the process and, while it waits for an executor, waits for the assignment, until
    /// `deadline` (`None`: as long as the caller waits).
    pub(crate) async fn channel_home(
        &self,
        processid: &str,
        deadline: Option<Instant>,
    ) -> Result<Option<ChannelHome>> {
        if !self.nodes().is_cluster() {
            return Ok(None);
        }
        if let Some(&home) = self.remembered_homes().get(processid) {
            return Ok(Some(ChannelHome(home)));
        }
        // Boxed: the lookup's future holds a whole call's, and every channel call's future would
        // otherwise carry room for it.
        Box::pin(self.look_up_channel_home(processid, deadline))
            .await
            .map(Some)
    }

    /// [`channel_home`](Self::channel_home) the first time: reads the process, waiting for its
    /// assignment until `deadline`.
    async fn look_up_channel_home(
        &self,
        processid: &str,
        deadline: Option<Instant>,
    ) -> Result<ChannelHome> {
        let mut pause = Backoff::new(Duration::from_millis(50), Duration::from_millis(500));
        let process = loop {
            let process = self.get_process(processid).await?;
            if process.state != ProcessState::Waiting {
                break process;
            }
            let wait = pause.next();
            if deadline.is_some_and(|d| Instant::now() + wait > d) {
                return Err(Error::timeout(format!(
                    "process {processid} has no executor yet: in a cluster its channels are used once it is assigned"
                )));
            }
            crate::timer::sleep(wait).await;
        };
        let home = self.remember_home(processid, &process.spec.conditions.colonyname);
        Ok(ChannelHome(home))
    }

    /// The home of `colony`'s channels, remembered for `processid` (it stays its home even if
    /// the colony's home moves later, while a node is set aside).
    fn remember_home(&self, processid: &str, colony: &str) -> usize {
        let home = self.nodes().home(colony);
        let mut homes = self.remembered_homes();
        if homes.len() >= REMEMBERED {
            homes.clear();
        }
        *homes.entry(processid.to_string()).or_insert(home)
    }

    fn remembered_homes(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, usize>> {
        self.homes()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
