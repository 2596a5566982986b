//! HTTP reply bodies: any bytes with any status give a payload or a typed error, never a panic.
#![no_main]

use colonykit::messages::List;
use colonykit::rpc::{decode_payload, parse_reply};
use colonykit::{ChannelEntry, Process};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [high, low, body @ ..] => (u16::from_be_bytes([*high, *low]), body),
        _ => (200, data),
    };
    if let Ok(payload) = parse_reply(status, body) {
        let _ = decode_payload::<Process>("getprocessmsg", &payload);
        let _ = decode_payload::<List<ChannelEntry>>("channelreadmsg", &payload);
        let _ = decode_payload::<serde_json::Value>("any", &payload);
    }
});
