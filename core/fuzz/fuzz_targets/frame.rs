//! Websocket frames: each holds one envelope whose payload is a list of channel entries (channel
//! subscriptions) or a process (process subscriptions).
#![no_main]

use colonykit::messages::List;
use colonykit::rpc::{decode_payload, parse_frame};
use colonykit::{ChannelEntry, Process};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|frame: &[u8]| {
    if let Ok(payload) = parse_frame(frame) {
        if let Ok(List(entries)) = decode_payload::<List<ChannelEntry>>("subscribechannelmsg", &payload) {
            for entry in entries {
                let _ = entry.kind.is_terminal();
            }
        }
        let _ = decode_payload::<Process>("subscribeprocessmsg", &payload);
    }
});
