//! Keys, IDs and signatures (secp256k1, SHA3-256), as the ColonyOS server expects them.
//!
//! * A private key is 32 bytes, written as 64 hex characters.
//! * An ID is `hex(SHA3-256(hex(0x04 ‖ X ‖ Y)))`: the hash of the *hex text* of the uncompressed
//!   public key.
//! * A signature is `hex(r ‖ s ‖ v)` over `SHA3-256(message)`: deterministic (RFC 6979), low-S,
//!   with the recovery id `v` in {0, 1} last.

use std::fmt;

use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, PublicKey, SecretKey, SECP256K1};
use sha3::{Digest, Sha3_256};

use crate::error::{Error, Result};

/// A secp256k1 private key and the ID derived from it.
///
/// Its `Debug` form shows only the ID; it has no `Display`, and no error message ever contains it.
#[derive(Clone)]
pub struct PrivateKey {
    secret: SecretKey,
    id: String,
}

impl PrivateKey {
    /// A fresh random key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        Self::from_secret(SecretKey::new(&mut secp256k1::rand::thread_rng()))
    }

    /// Parses a key written as 64 hex characters (either case, surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.len() != 64 {
            return Err(Error::invalid_argument(format!(
                "a private key must be 64 hex characters, got {} characters",
                text.len()
            )));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| {
            Error::invalid_argument("a private key must be 64 hex characters (0-9, a-f)")
        })?;
        let secret = SecretKey::from_slice(&bytes).map_err(|_| {
            Error::invalid_argument("the private key is not a valid secp256k1 key (zero or ≥ n)")
        })?;
        Ok(Self::from_secret(secret))
    }

    fn from_secret(secret: SecretKey) -> Self {
        let public = PublicKey::from_secret_key_global(&secret);
        PrivateKey {
            secret,
            id: id_of_public_key(&public),
        }
    }

    /// The ID of this key: how the server names the user, executor, colony or server it signs for.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key as 64 lowercase hex characters. Keep it secret: this is the only way to see it.
    pub fn to_hex(&self) -> String {
        hex::encode(self.secret.secret_bytes())
    }

    /// Signs `message` (the hash is SHA3-256 of it) and returns `hex(r ‖ s ‖ v)`, 130 characters.
    pub fn sign(&self, message: &[u8]) -> String {
        let digest = Message::from_digest(sha3_256(message));
        let signature = SECP256K1.sign_ecdsa_recoverable(&digest, &self.secret);
        let (recovery_id, compact) = signature.serialize_compact();
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&compact);
        // The recovery id is 0..=3 by construction, so the cast cannot truncate.
        out[64] = recovery_id.to_i32() as u8;
        // Two digits a byte, by table: `hex::encode` goes through a char iterator, a few thousand
        // instructions for these 65 bytes.
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(2 * out.len());
        for byte in out {
            text.push(char::from(DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        text
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for PrivateKey {}

/// SHA3-256 (FIPS 202, not Keccak) of `data`.
pub fn sha3_256(data: &[u8]) -> [u8; 32] {
    Sha3_256::digest(data).into()
}

fn id_of_public_key(public: &PublicKey) -> String {
    let hex_public = hex::encode(public.serialize_uncompressed());
    hex::encode(sha3_256(hex_public.as_bytes()))
}

/// The ID of the key that made `signature` (hex `r ‖ s ‖ v`) over `message`.
pub fn recover_id(message: &[u8], signature: &str) -> Result<String> {
    let mut bytes = [0u8; 65];
    if signature.len() != 130 || hex::decode_to_slice(signature, &mut bytes).is_err() {
        return Err(Error::invalid_argument(
            "a signature must be 130 hex characters (r ‖ s ‖ v)",
        ));
    }
    let recovery_id = RecoveryId::from_i32(i32::from(bytes[64]))
        .map_err(|_| Error::invalid_argument("the signature's recovery id must be 0..3"))?;
    let mut compact = [0u8; 64];
    compact.copy_from_slice(&bytes[..64]);
    let signature = RecoverableSignature::from_compact(&compact, recovery_id)
        .map_err(|_| Error::invalid_argument("the signature is not a valid secp256k1 signature"))?;
    let digest = Message::from_digest(sha3_256(message));
    let public = SECP256K1.recover_ecdsa(&digest, &signature).map_err(|_| {
        Error::invalid_argument("no public key can be recovered from the signature")
    })?;
    Ok(id_of_public_key(&public))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test vectors: reference §3.7.
    const USER_KEY: &str = "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05";
    const COLONY_KEY: &str = "ba949fa134981372d6da62b6a56f336ab4d843b22c02a4257dcf7d0d73097514";
    const SERVER_KEY: &str = "fcc79953d8a751bf41db661592dc34d30004b1a651ffa0725b03ac227641499d";
    const GO_TEST_KEY: &str = "6d2fb6f546bacfd98c68769e61e0b44a697a30596c018a50e28200aa59b01c0a";
    const GETCOLONY_PAYLOAD: &str = "eyJjb2xvbnluYW1lIjoiZGV2IiwibXNndHlwZSI6ImdldGNvbG9ueW1zZyJ9";

    fn key(hex: &str) -> PrivateKey {
        PrivateKey::from_hex(hex).unwrap()
    }

    #[test]
    fn sha3_is_fips_202() {
        assert_eq!(
            hex::encode(sha3_256(b"hello world")),
            "644bcc7e564373040999aac89e7622f3ca71fba1d972fd94a31c3bfbf24e3938"
        );
    }

    #[test]
    fn ids_match_vectors() {
        let cases = [
            (
                USER_KEY,
                "3fc05cf3df4b494e95d6a3d297a34f19938f7daa7422ab0d4f794454133341ac",
            ),
            (
                COLONY_KEY,
                "4787a5071856a4acf702b2ffcea422e3237a679c681314113d86139461290cf4",
            ),
            (
                SERVER_KEY,
                "039231c7644e04b6895471dd5335cf332681c54e27f81fac54f9067b3f2c0103",
            ),
            (
                GO_TEST_KEY,
                "4fef2b5a82d134d058c1883c72d6d9caf77cd59ca82d73105017590dea3dcb87",
            ),
        ];
        for (prv, id) in cases {
            assert_eq!(key(prv).id(), id);
        }
    }

    #[test]
    fn signatures_match_vectors() {
        let cases = [
            (USER_KEY, "hello", "887d6a2291487951e99ea07c3a15a37e29971856c85ff732d8d6cd087c525a5a1019ef841dc4880f8a592e5d45cbddfcd94b3ca2c9651b4c990f2b959793adc701"),
            (COLONY_KEY, "hello", "6007da6e46cf25b373cf3fbc263e5f5ccab0509bc3f165f8339ef44c3918072320a0b842408f91e816057c4f9c9052a233c14ab15d40d2437e46708acc2eaec001"),
            (SERVER_KEY, "hello", "ff142300ec91116d6aab0371251b9e6cf931e478d8c0d8e985d3ff45aafcbed5181411334945c938b91f6f755919986db5f6cc65f5f3d0fc9744aa5236f327d001"),
            (USER_KEY, GETCOLONY_PAYLOAD, "aaea4f14c8bf827267377593bd2253940b5602d06e392cf7752f54f956e24b7d285fe6f21446ed28f25259f6ad2a64ca90dd20eeeb9532c0b443c73d191e1e5900"),
            (COLONY_KEY, GETCOLONY_PAYLOAD, "6445d52dc29332e0c2f298013b1bf5f2b66a492fb3303dcdd960cd4ca780afa57977c75ecb1e25ed4d167d0b426cff002b68453380f627eaa3367492cb9eece800"),
            (SERVER_KEY, GETCOLONY_PAYLOAD, "fd437fd6db70091bd0564e7dbddd4da49af6bf1ff30dd05b5e85f2de9110fc6644b6d7a4109c9d3e7e4895d20a0b8d044ec9d6ffd924d17397d9bec0716f761000"),
        ];
        for (prv, message, signature) in cases {
            let key = key(prv);
            assert_eq!(key.sign(message.as_bytes()), signature);
            assert_eq!(recover_id(message.as_bytes(), signature).unwrap(), key.id());
        }
    }

    #[test]
    fn recovers_a_non_deterministic_signature() {
        let signature = "997eca36736d465e0e8d64e6d657ff4c939c8f5cad4272797ea0fe372bfd8d0953d21b3d06ded5dd80aee8cfa3a9be7ce615ce690eb64184fe15962943fe541300";
        assert_eq!(
            recover_id(b"hello", signature).unwrap(),
            "5d6568f883451ae2e407d1a0a7992e414f2a67b69d0e6e9176d353b98f06f696"
        );
    }

    #[test]
    fn generated_keys_round_trip() {
        let generated = PrivateKey::generate();
        let parsed = PrivateKey::from_hex(&generated.to_hex()).unwrap();
        assert_eq!(parsed.id(), generated.id());
        assert_eq!(generated.id().len(), 64);
    }

    #[test]
    fn bad_keys_are_rejected_without_echoing_them() {
        let bad = [
            "",
            "abc",
            &USER_KEY[..63],
            &format!("{USER_KEY}00"),
            &format!("zz{}", &USER_KEY[2..]),
            &"0".repeat(64),
            &"f".repeat(64),
        ];
        for text in bad {
            let err = PrivateKey::from_hex(text).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidArgument);
            if text.len() > 8 {
                assert!(!err.to_string().contains(text));
            }
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = key(USER_KEY);
        let debug = format!("{key:?} {key:#?}");
        assert!(!debug.contains(USER_KEY));
        assert!(debug.contains(key.id()));
    }
}
