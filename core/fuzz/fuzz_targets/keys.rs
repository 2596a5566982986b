//! Private keys and signatures from users and the network: parsed or refused, never a panic.
#![no_main]

use colonykit::crypto::recover_id;
use colonykit::PrivateKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(key) = PrivateKey::from_hex(&text) {
        let signature = key.sign(data);
        assert_eq!(recover_id(data, &signature).ok().as_deref(), Some(key.id()));
    }
    let (message, signature) = data.split_at(data.len() / 2);
    let _ = recover_id(message, &String::from_utf8_lossy(signature));
});
