//! The catalogue of protocol messages: each payload type is declared here once, with its
//! request fields and its reply type. [`crate::Client`]'s methods are thin wrappers over these.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::model::{
    ChannelEntry, Colony, Executor, FunctionSpec, NewEntry, Process, ServerVersion, User,
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

/// A reply that carries nothing (`{}`).
pub type Empty = IgnoredAny;

macro_rules! catalogue {
    ($(
        $(#[$doc:meta])*
        $name:ident = $payloadtype:literal -> $reply:ty {
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
            }
        )*

        /// Every payload type in the catalogue, in declaration order.
        pub const PAYLOAD_TYPES: &[&str] = &[$($payloadtype),*];
    };
}

catalogue! {
    /// Server version (unsigned).
    Version = "versionmsg" -> ServerVersion { buildversion: String, buildtime: String }

    // Colonies.
    AddColony = "addcolonymsg" -> Colony { colony: Colony }
    RemoveColony = "removecolonymsg" -> Empty { colonyname: String }
    GetColony = "getcolonymsg" -> Colony { colonyname: String }
    GetColonies = "getcoloniesmsg" -> List<Colony> {}

    // Users.
    AddUser = "addusermsg" -> User { user: User }
    GetUsers = "getusersmsg" -> List<User> { colonyname: String }
    RemoveUser = "removeusermsg" -> Empty { colonyname: String, name: String }

    // Executors.
    AddExecutor = "addexecutormsg" -> Executor { executor: Executor }
    GetExecutor = "getexecutormsg" -> Executor { colonyname: String, executorname: String }
    GetExecutors = "getexecutorsmsg" -> List<Executor> { colonyname: String }
    ApproveExecutor = "approveexecutormsg" -> Empty { colonyname: String, executorname: String }
    RejectExecutor = "rejectexecutormsg" -> Empty { colonyname: String, executorname: String }
    RemoveExecutor = "removeexecutormsg" -> Empty { colonyname: String, executorname: String }

    // Processes.
    SubmitFunctionSpec = "submitfuncspecmsg" -> Process { spec: FunctionSpec }
    AssignProcess = "assignprocessmsg" -> Process {
        colonyname: String,
        /// Seconds to wait for work; never 0.
        timeout: i64,
        availablecpu: String,
        availablemem: String,
    }
    GetProcess = "getprocessmsg" -> Process { processid: String }
    GetProcesses = "getprocessesmsg" -> List<Process> {
        colonyname: String,
        count: i64,
        state: i64,
        executortype: String,
        label: String,
        initiator: String,
    }
    RemoveProcess = "removeprocessmsg" -> Empty { processid: String, all: bool }
    SetOutput = "setoutputmsg" -> Empty {
        processid: String,
        #[serde(rename = "out")]
        output: Vec<Value>,
    }
    CloseSuccessful = "closesuccessfulmsg" -> Empty {
        processid: String,
        #[serde(rename = "out")]
        output: Vec<Value>,
    }
    CloseFailed = "closefailedmsg" -> Empty { processid: String, errors: Vec<String> }
    CancelProcess = "cancelprocessmsg" -> Empty { processid: String }

    // Channels.
    ChannelAppend = "channelappendmsg" -> Empty {
        processid: String,
        name: String,
        sequence: i64,
        inreplyto: i64,
        #[serde(serialize_with = "crate::model::base64_bytes::serialize")]
        payload: Vec<u8>,
        /// The entry's type (`data`, `end`, `error`, ...); it comes back as `type`.
        payloadtype: String,
    }
    ChannelRead = "channelreadmsg" -> List<ChannelEntry> {
        processid: String,
        name: String,
        /// A log position: how many entries the reader already has.
        afterseq: i64,
        /// At most this many entries (0: all).
        limit: i64,
    }

    // WebSocket subscriptions.
    SubscribeProcess = "subscribeprocessmsg" -> Process {
        colonyname: String,
        processid: String,
        executortype: String,
        state: i64,
        timeout: i64,
    }
    SubscribeChannel = "subscribechannelmsg" -> List<ChannelEntry> {
        processid: String,
        name: String,
        afterseq: i64,
        timeout: i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_types_are_unique() {
        let mut types = PAYLOAD_TYPES.to_vec();
        types.sort_unstable();
        types.dedup();
        assert_eq!(types.len(), PAYLOAD_TYPES.len());
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
