//! Process subscriptions over the websocket: waiting for a state, and watching new processes.

use std::time::Duration;

use tokio::time::Instant;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::messages::{SubscribeProcess, SubscribeProcesses};
use crate::model::{Process, ProcessState};
use crate::rpc::{self, whole_seconds};
use crate::stream::{Feed, Subscription};
use crate::ws::{self, Incoming};

/// How long one server-side process subscription lasts before it is renewed.
const ROUND_SECONDS: i64 = 60;
/// How often a quiet subscription checks the process itself: the server only reports the one
/// state asked for, so a process that fails instead would otherwise go unnoticed.
const STATE_CHECK: Duration = Duration::from_secs(1);

impl Client {
    /// Waits until the process is in `state` and returns it.
    ///
    /// Fails with [`ErrorKind::Timeout`] after `timeout`, and with [`ErrorKind::ProcessClosed`]
    /// as soon as the process is closed in another state (it can then never reach `state`).
    pub async fn wait_for_state(
        &self,
        processid: &str,
        state: ProcessState,
        timeout: Duration,
    ) -> Result<Process> {
        whole_seconds(timeout, "wait timeout")?;
        let deadline = Instant::now() + timeout;
        match crate::timer::timeout_at(deadline, self.wait_until(processid, state)).await {
            Ok(result) => result,
            Err(_) => Err(Error::timeout(format!(
                "process {processid} did not become {state} within {timeout:?}"
            ))),
        }
    }

    async fn wait_until(&self, processid: &str, state: ProcessState) -> Result<Process> {
        loop {
            let mut socket = self.websocket().await?;
            let subscribe = SubscribeProcess {
                colonyname: String::new(),
                processid: processid.to_string(),
                // Empty: the server uses the process's own executor type.
                executortype: String::new(),
                state: state.into(),
                timeout: ROUND_SECONDS,
            };
            ws::send(&mut socket, &subscribe, self.signing_key()?).await?;
            // Checked after subscribing, so that no change in between is missed.
            if let Some(process) = self.reached(processid, state).await? {
                return Ok(process);
            }
            loop {
                match ws::receive(&mut socket, STATE_CHECK).await? {
                    Incoming::Payload(payload) => {
                        let event: Process = rpc::decode_payload("subscribeprocessmsg", &payload)?;
                        // The event's copy of the process can lack what was stored with the
                        // state change (e.g. a SUCCESS's output): read the stored process.
                        if event.processid == processid && event.state == state {
                            if let Some(process) = self.reached(processid, state).await? {
                                return Ok(process);
                            }
                        }
                    }
                    Incoming::Idle => {
                        if let Some(process) = self.reached(processid, state).await? {
                            return Ok(process);
                        }
                    }
                    // The server ends a subscription by dropping the socket: subscribe again.
                    Incoming::Closed => break,
                }
            }
        }
    }

    /// The process if it is in `state`; an error if it is closed in another state.
    async fn reached(&self, processid: &str, state: ProcessState) -> Result<Option<Process>> {
        let process = self.get_process(processid).await?;
        if process.state == state {
            Ok(Some(process))
        } else if process.state.is_closed() {
            Err(Error::new(
                ErrorKind::ProcessClosed,
                format!(
                    "process {processid} is {} and can no longer become {state}",
                    process.state
                ),
            ))
        } else {
            Ok(None)
        }
    }
}

impl Client {
    /// Processes of `executortype` as they reach `state` (e.g. new WAITING ones), as a stream.
    ///
    /// Only a registered executor may subscribe. The server wakes one listener per event among
    /// all subscriptions and assign long-polls of that type, so use [`Client::assignments`] to
    /// take work; this stream is for watching.
    pub fn subscribe_processes(
        &self,
        executortype: &str,
        state: ProcessState,
    ) -> Result<Subscription<Process>> {
        self.signing_key()?;
        let client = self.clone();
        let subscribe = SubscribeProcesses {
            colonyname: String::new(),
            executortype: executortype.to_string(),
            state: state.into(),
            timeout: ROUND_SECONDS,
        };
        Subscription::spawn(|feed| async move {
            if let Err(error) = client.watch_processes(&subscribe, &feed).await {
                feed.send(Err(error)).await;
            }
        })
    }

    /// Feeds process events until the consumer leaves; renews the subscription when the server
    /// ends it (by dropping the socket).
    async fn watch_processes(
        &self,
        subscribe: &SubscribeProcesses,
        feed: &Feed<Process>,
    ) -> Result<()> {
        loop {
            let mut socket = self.websocket().await?;
            ws::send(&mut socket, subscribe, self.signing_key()?).await?;
            loop {
                match ws::receive(&mut socket, STATE_CHECK).await? {
                    Incoming::Payload(payload) => {
                        let process = rpc::decode_payload("subscribeprocessesmsg", &payload)?;
                        if !feed.send(Ok(process)).await {
                            return Ok(());
                        }
                    }
                    Incoming::Idle => {}
                    Incoming::Closed => break,
                }
            }
        }
    }
}
