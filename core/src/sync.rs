//! The sync-channel handshake for a reliable end of stream.
//!
//! A process's channels are deleted the moment its executor closes it, so a client that has not
//! read everything by then loses the rest. The handshake: the executor sends `end` on its data
//! channel, then waits for the client's acknowledgement on a second channel (the "sync"
//! channel, declared in the spec like any other) before it closes the process.

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;

use crate::channel::SubscribeOptions;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::model::NewEntry;

/// The payload of an acknowledgement.
pub const ACK: &[u8] = b"ack";

impl Client {
    /// Client side: acknowledges, on `sync_channel`, that everything has arrived.
    pub async fn acknowledge(&self, processid: &str, sync_channel: &str) -> Result<()> {
        self.append(processid, sync_channel, NewEntry::data(1, ACK))
            .await
    }

    /// Executor side: waits up to `timeout` for the other party's acknowledgement.
    pub async fn wait_for_ack(
        &self,
        processid: &str,
        sync_channel: &str,
        timeout: Duration,
    ) -> Result<()> {
        let me = self.signing_key()?.id().to_string();
        let options = SubscribeOptions {
            after: 0,
            idle_timeout: Some(timeout),
            ..SubscribeOptions::default()
        };
        let mut entries = self.subscribe_channel_with(processid, sync_channel, options)?;
        let wait = async {
            while let Some(entry) = entries.next().await {
                let entry = entry?;
                if entry.senderid != me && entry.payload == ACK {
                    return Ok(());
                }
            }
            Err(Error::new(
                ErrorKind::Protocol,
                format!("channel {sync_channel:?} ended without an acknowledgement"),
            ))
        };
        crate::timer::timeout(timeout, wait).await.map_err(|_| {
            Error::timeout(format!(
                "no acknowledgement on channel {sync_channel:?} of process {processid} within {timeout:?}"
            ))
        })?
    }

    /// Executor side: waits for the acknowledgement, then closes the process with `output`.
    pub async fn close_after_ack(
        &self,
        processid: &str,
        sync_channel: &str,
        output: Vec<Value>,
        timeout: Duration,
    ) -> Result<()> {
        self.wait_for_ack(processid, sync_channel, timeout).await?;
        self.close(processid, output).await
    }
}
