//! Errors as they cross into JavaScript.
//!
//! Every error the addon raises is a JS `Error` whose message is `ERROR_TAG`, the kind name,
//! the HTTP status (empty when there is none), a channel writer's progress as JSON (empty when
//! there is none) and the core's message, separated by `|`. The JS
//! layer (`errors.js`) turns it into the matching `ColonyError` subclass; nobody else sees the
//! encoded form. Messages come from the core, which never puts a private key in one.

use std::any::Any;

use colonykit::{Error as CoreError, ErrorKind, WriteProgress};

/// Marks an error raised by this addon (and not by napi itself).
pub const ERROR_TAG: &str = "\u{1}colonykit";

/// The kind reported when a call was aborted through its `AbortSignal`.
pub const ABORTED: &str = "Aborted";

/// The kind reported when the addon panicked (a bug: the panic is contained, Node keeps going).
pub const INTERNAL: &str = "Internal";

/// Encodes an error of `kind` for the JS layer.
pub fn encode(kind: &str, status: Option<u16>, message: &str) -> napi::Error {
    encode_with_progress(kind, status, None, message)
}

fn encode_with_progress(
    kind: &str,
    status: Option<u16>,
    progress: Option<&WriteProgress>,
    message: &str,
) -> napi::Error {
    let status = status.map(|s| s.to_string()).unwrap_or_default();
    let progress = progress
        .map(|p| serde_json::json!({ "accepted": p.accepted, "notAccepted": p.not_accepted }))
        .map(|p| p.to_string())
        .unwrap_or_default();
    napi::Error::new(
        napi::Status::GenericFailure,
        format!("{ERROR_TAG}|{kind}|{status}|{progress}|{message}"),
    )
}

/// A core error, with its kind, status, a writer's progress and message.
pub fn from_core(error: CoreError) -> napi::Error {
    encode_with_progress(
        error.kind().name(),
        error.status(),
        error.write_progress(),
        error.message(),
    )
}

/// A bad argument found by the binding itself (before anything was sent).
pub fn invalid_argument(message: impl AsRef<str>) -> napi::Error {
    encode(ErrorKind::InvalidArgument.name(), None, message.as_ref())
}

/// The error for a call aborted through its `AbortSignal` (the JS layer replaces it with the
/// signal's reason).
pub fn aborted() -> napi::Error {
    encode(ABORTED, None, "the operation was aborted")
}

/// The error for a contained panic.
pub fn from_panic(payload: Box<dyn Any + Send>) -> napi::Error {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no details".to_string());
    encode(
        INTERNAL,
        None,
        &format!("colonykit panicked (a bug, please report it): {detail}"),
    )
}

/// Maps a core result into a napi result.
pub trait IntoNapi<T> {
    /// The same result with the error encoded for JS.
    fn napi(self) -> napi::Result<T>;
}

impl<T> IntoNapi<T> for colonykit::Result<T> {
    fn napi(self) -> napi::Result<T> {
        self.map_err(from_core)
    }
}
