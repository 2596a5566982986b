//! colonykit: a client for [ColonyOS](https://github.com/colonyos/colonies).
//!
//! One [`Client`] signs every request with its private key and shares one connection pool
//! between its clones. Every protocol operation is an async method; channel subscriptions are
//! [`futures::Stream`]s that follow one contract (see [`channel`]).
//!
//! ```no_run
//! use colonykit::{Client, FunctionSpec};
//! use futures::StreamExt;
//!
//! # async fn demo() -> colonykit::Result<()> {
//! let client = Client::from_env()?;
//! let spec = FunctionSpec::new("long-task", "cli", "dev").with_channels(["progress"]);
//! let process = client.submit(&spec).await?;
//! let mut progress = client.subscribe_channel(&process.processid, "progress")?;
//! while let Some(entry) = progress.next().await {
//!     let entry = entry?;
//!     println!("{} {}", entry.sequence, String::from_utf8_lossy(&entry.payload));
//! }
//! # Ok(())
//! # }
//! ```

mod api;
pub mod channel;
mod client;
pub mod crypto;
pub mod direct;
pub mod driven;
mod error;
pub mod executor;
pub mod fork;
mod home;
mod http1;
pub mod inline;
mod liveness;
pub mod messages;
pub mod model;
mod nodes;
mod nulls;
pub mod operations;
mod pace;
mod pool;
mod process;
pub mod resources;
mod retry;
pub mod rpc;
mod stream;
mod sync;
mod timer;
mod tls;
mod transport;
mod writer;
mod ws;

pub use channel::{ChannelStream, SubscribeOptions};
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_TIMEOUT,
};
pub use crypto::PrivateKey;
pub use error::{Error, ErrorKind, Result, WriteProgress};
pub use model::{
    ChannelEntry, Colony, Conditions, EntryKind, Executor, ExecutorState, FunctionSpec, NewEntry,
    Process, ProcessState, ServerVersion, User, MAX_PAYLOAD,
};
pub use resources::{
    Attribute, Blueprint, BlueprintDefinition, BlueprintHistory, BlueprintMetadata, Cluster,
    ClusterNode, Cron, File, FileData, Function, Generator, Label, Location, Log, PauseStatus,
    ProcessGraph, ServerInfo, Snapshot, Statistics, WorkflowSpec,
};
pub use stream::{Closer, Subscription};
pub use sync::ACK;
pub use tls::TlsSettings;
pub use writer::{ChannelWriter, WriterOptions, WriterStats};
