//! The RPC envelope and the parsing of the server's replies.
//!
//! A request is `{"signature", "payloadtype", "payload"}` where `payload` is the standard base64
//! of the message's JSON (which repeats the type in `msgtype`) and `signature` signs the base64
//! *text*. A reply has the same shape plus `error`; the reply JSON is in `payload`.
//!
//! The server has quirks that [`parse_reply`] survives: bodies holding two concatenated
//! envelopes (the first one counts), empty bodies (with 200 or 500), and bodies that are not
//! JSON at all (`404 page not found`).

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::crypto::PrivateKey;
use crate::error::{Error, Result};

/// A message of the protocol: its payload type and the type of its reply.
///
/// Every message is declared once, in [`crate::messages`].
pub trait Message: Serialize {
    /// The payload type, e.g. `"submitfuncspecmsg"`.
    const TYPE: &'static str;
    /// What the server answers with.
    type Reply: DeserializeOwned;
    /// Whether sending it twice does no harm (it only reads): a call whose answer was lost is
    /// then sent again, to another node of a cluster. Others report that their outcome is
    /// unknown ([`crate::ErrorKind::OutcomeUnknown`]).
    const REPEATABLE: bool = false;
}

/// The JSON body of a message: its fields and `msgtype`.
#[derive(Serialize)]
struct Body<'a, M> {
    #[serde(flatten)]
    message: &'a M,
    msgtype: &'static str,
}

/// Encodes `message` as a signed envelope (unsigned when `key` is `None`).
pub fn encode<M: Message>(message: &M, key: Option<&PrivateKey>) -> Result<String> {
    let body = serde_json::to_vec(&Body {
        message,
        msgtype: M::TYPE,
    })
    .map_err(|e| Error::invalid_argument(format!("{}: cannot encode message: {e}", M::TYPE)))?;
    let payload = BASE64.encode(body);
    let signature = key.map(|k| k.sign(payload.as_bytes())).unwrap_or_default();
    // Hex, a message type's name and base64 are JSON strings as they are: written without
    // serde_json's escaping scan of every byte, which was a fifth of a call's instructions
    // besides signing.
    let mut envelope = String::with_capacity(payload.len() + signature.len() + 64);
    for part in [
        r#"{"signature":""#,
        &signature,
        r#"","payloadtype":""#,
        M::TYPE,
        r#"","payload":""#,
        &payload,
        r#""}"#,
    ] {
        envelope.push_str(part);
    }
    Ok(envelope)
}

#[derive(Deserialize)]
struct ReplyEnvelope {
    #[serde(default)]
    payloadtype: String,
    #[serde(default)]
    payload: String,
    #[serde(default)]
    error: bool,
}

#[derive(Deserialize)]
struct Failure {
    #[serde(default)]
    status: u16,
    #[serde(default)]
    message: String,
}

/// The most of a non-JSON body that goes into an error message.
const BODY_EXCERPT: usize = 120;

fn excerpt(body: &[u8]) -> String {
    // Only a prefix is decoded: a body can be as large as a reply may be.
    let prefix = &body[..body.len().min(BODY_EXCERPT * 4 + 64)];
    let text = String::from_utf8_lossy(prefix);
    let text = text.trim();
    match text.char_indices().nth(BODY_EXCERPT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Parses a reply body (HTTP `status`) into the decoded JSON of its payload.
///
/// An error envelope becomes the server's [`Error`]; anything that is not an envelope becomes a
/// [`crate::ErrorKind::Protocol`] error (or the HTTP status's error when the status says more).
pub fn parse_reply(status: u16, body: &[u8]) -> Result<Vec<u8>> {
    let not_an_envelope = |what: &str| {
        let message = format!("the server's reply is {what} (HTTP {status})");
        if status >= 400 {
            Error::from_server(status, message)
        } else {
            Error::protocol(message)
        }
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(not_an_envelope("empty"));
    }
    // Only the first JSON value counts: some error paths write two envelopes back to back.
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<ReplyEnvelope>();
    let envelope = match values.next() {
        Some(Ok(envelope)) => envelope,
        _ => {
            return Err(not_an_envelope(&format!(
                "not a ColonyOS envelope: {:?}",
                excerpt(body)
            )))
        }
    };
    let payload = BASE64.decode(envelope.payload.as_bytes()).map_err(|_| {
        Error::protocol(format!(
            "the server's reply payload is not base64 (HTTP {status})"
        ))
    })?;
    if envelope.error || envelope.payloadtype == "error" {
        let failure: Failure = serde_json::from_slice(&payload).map_err(|_| {
            Error::protocol(format!(
                "the server reported an error that could not be read (HTTP {status}): {:?}",
                excerpt(&payload)
            ))
        })?;
        let status = if failure.status == 0 {
            status
        } else {
            failure.status
        };
        return Err(Error::from_server(status, failure.message));
    }
    Ok(payload)
}

/// Decodes a reply payload as `T`. The server sends `null` for empty lists, maps and strings:
/// a `null` member of one of the model's structs is read as absent (so it takes the field's
/// default) and a `null` list, map or string as empty, while free-form JSON (`args`, `kwargs`,
/// `out`, ...) keeps its `null`s exactly ([`crate::nulls`]).
pub fn decode_payload<T: DeserializeOwned>(payloadtype: &str, payload: &[u8]) -> Result<T> {
    let shape_error = |e: serde_json::Error| {
        Error::protocol(format!(
            "{payloadtype}: the server's reply does not have the expected shape: {e}"
        ))
    };
    let value: serde_json::Value = serde_json::from_slice(payload).map_err(shape_error)?;
    crate::nulls::from_value(value).map_err(shape_error)
}

/// Decodes a websocket frame (one envelope) into its payload JSON.
pub fn parse_frame(frame: &[u8]) -> Result<Vec<u8>> {
    parse_reply(200, frame)
}

/// A timeout as the whole seconds the server wants (rounded up, at least one).
pub(crate) fn whole_seconds(timeout: Duration, what: &str) -> Result<i64> {
    if timeout.is_zero() {
        return Err(Error::invalid_argument(format!(
            "{what} must be greater than zero"
        )));
    }
    let seconds = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
    i64::try_from(seconds).map_err(|_| Error::invalid_argument(format!("{what} is too large")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn envelope(payloadtype: &str, json: &str, error: bool) -> String {
        format!(
            r#"{{"payloadtype":"{payloadtype}","payload":"{}","error":{error}}}"#,
            BASE64.encode(json)
        )
    }

    #[derive(Serialize)]
    struct GetColony {
        colonyname: String,
    }

    impl Message for GetColony {
        const TYPE: &'static str = "getcolonymsg";
        type Reply = serde_json::Value;
    }

    #[test]
    fn timeouts_become_whole_seconds() {
        assert!(whole_seconds(Duration::ZERO, "t").is_err());
        assert_eq!(whole_seconds(Duration::from_millis(1500), "t").unwrap(), 2);
        assert_eq!(whole_seconds(Duration::from_secs(3), "t").unwrap(), 3);
    }

    #[test]
    fn envelope_matches_the_worked_example() {
        // Reference §2.5.
        let key = PrivateKey::from_hex(
            "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05",
        )
        .unwrap();
        let encoded = encode(
            &GetColony {
                colonyname: "dev".into(),
            },
            Some(&key),
        )
        .unwrap();
        assert_eq!(
            encoded,
            r#"{"signature":"aaea4f14c8bf827267377593bd2253940b5602d06e392cf7752f54f956e24b7d285fe6f21446ed28f25259f6ad2a64ca90dd20eeeb9532c0b443c73d191e1e5900","payloadtype":"getcolonymsg","payload":"eyJjb2xvbnluYW1lIjoiZGV2IiwibXNndHlwZSI6ImdldGNvbG9ueW1zZyJ9"}"#
        );
    }

    #[test]
    fn unsigned_envelope_has_empty_signature() {
        let encoded = encode(
            &GetColony {
                colonyname: "x".into(),
            },
            None,
        )
        .unwrap();
        assert!(encoded.starts_with(r#"{"signature":"","#));
    }

    #[test]
    fn success_reply_yields_payload() {
        let body = envelope("getcolonymsg", r#"{"name":"dev"}"#, false);
        assert_eq!(
            parse_reply(200, body.as_bytes()).unwrap(),
            br#"{"name":"dev"}"#
        );
    }

    #[test]
    fn error_reply_carries_status_and_message() {
        // Reference §1.3 example.
        let body = r#"{"payloadtype":"error","payload":"eyJzdGF0dXMiOjQwMywibWVzc2FnZSI6IkFjY2VzcyBkZW5pZWQsIG5vdCBhIG1lbWJlciBvZiBDb2xvbnkgd2l0aCBuYW1lIFx1MDAzY2Rldlx1MDAzZSJ9","error":true}"#;
        let err = parse_reply(403, body.as_bytes()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized);
        assert_eq!(err.status(), Some(403));
        assert_eq!(
            err.message(),
            "Access denied, not a member of Colony with name <dev>"
        );
    }

    #[test]
    fn first_of_two_concatenated_envelopes_wins() {
        let first = envelope("error", r#"{"status":400,"message":"first"}"#, true);
        let second = envelope("error", r#"{"status":500,"message":"second"}"#, true);
        let err = parse_reply(400, format!("{first}{second}").as_bytes()).unwrap_err();
        assert_eq!(err.message(), "first");
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    }

    #[test]
    fn error_flag_decides_even_with_http_200() {
        let body = envelope("error", r#"{"status":404,"message":"No process"}"#, true);
        let err = parse_reply(200, body.as_bytes()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn empty_bodies_are_errors() {
        assert_eq!(
            parse_reply(200, b"").unwrap_err().kind(),
            ErrorKind::Protocol
        );
        assert_eq!(
            parse_reply(200, b" \n").unwrap_err().kind(),
            ErrorKind::Protocol
        );
        let err = parse_reply(500, b"").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Server);
        assert_eq!(err.status(), Some(500));
    }

    #[test]
    fn non_json_bodies_are_errors() {
        let err = parse_reply(404, b"404 page not found").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.message().contains("404 page not found"));
        let err = parse_reply(200, b"<html>").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol);
    }

    #[test]
    fn truncated_and_malformed_replies_are_protocol_errors() {
        let body = envelope("getcolonymsg", r#"{"name":"dev"}"#, false);
        let truncated = &body.as_bytes()[..body.len() / 2];
        assert_eq!(
            parse_reply(200, truncated).unwrap_err().kind(),
            ErrorKind::Protocol
        );
        let bad_base64 = r#"{"payloadtype":"x","payload":"!!!","error":false}"#;
        assert_eq!(
            parse_reply(200, bad_base64.as_bytes()).unwrap_err().kind(),
            ErrorKind::Protocol
        );
        let bad_failure = envelope("error", "not json", true);
        assert_eq!(
            parse_reply(400, bad_failure.as_bytes()).unwrap_err().kind(),
            ErrorKind::Protocol
        );
        assert_eq!(
            parse_reply(200, b"[1,2]").unwrap_err().kind(),
            ErrorKind::Protocol
        );
        assert_eq!(
            parse_reply(200, b"null").unwrap_err().kind(),
            ErrorKind::Protocol
        );
    }

    #[test]
    fn long_bodies_are_cut_in_messages() {
        let body = "x".repeat(10_000);
        let err = parse_reply(502, body.as_bytes()).unwrap_err();
        assert!(err.message().len() < 300);
    }
}
