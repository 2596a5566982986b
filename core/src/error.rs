//! One error type for every colonykit operation.
//!
//! An [`Error`] has a [`ErrorKind`] (what went wrong, the same names in Rust, Python and Node),
//! the HTTP status the server answered with (when there was an answer), and a message that says
//! what was wrong. Messages never contain a private key.

use std::fmt;

/// What went wrong. The bindings map each kind to an exception / error class of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A bad argument, caught before anything was sent (bad key, bad address, bad timeout...).
    InvalidArgument,
    /// The server said the object does not exist (HTTP 404).
    NotFound,
    /// The caller may not do this: bad signature, not a member, not the owner (HTTP 401/403).
    Unauthorized,
    /// The server rejected the request as malformed or invalid (HTTP 400).
    InvalidRequest,
    /// The object already exists or is in use (HTTP 409).
    Conflict,
    /// The server's rate limit was hit (HTTP 500 `rate limit exceeded`).
    RateLimited,
    /// A wait ran out of time (client-side timeout, or HTTP 408).
    Timeout,
    /// The server could not be reached, or the connection was lost.
    Connection,
    /// The server's answer could not be understood (empty, not JSON, truncated...).
    Protocol,
    /// The server failed (HTTP 5xx).
    Server,
    /// The process was closed (successful, failed or cancelled) while it was being waited on.
    ProcessClosed,
    /// TLS failed: the server's certificate is not trusted (unknown issuer, wrong name, expired),
    /// the server and the address disagree on TLS (`https` to a plain server or the reverse), or
    /// a CA or client certificate could not be read.
    Tls,
    /// A call that changes something got no answer: its node of a cluster went away after the
    /// request went out, so it may or may not have been carried out. It was not sent again
    /// (that could do it twice); check, then decide (e.g. look for the submitted process).
    OutcomeUnknown,
    /// The cluster node that held a process's channels cannot be reached: a ColonyOS cluster
    /// keeps channel logs in each node's memory and does not replicate them, so the channel's
    /// entries are gone with that node.
    ChannelLost,
}

impl ErrorKind {
    /// The kind's name, as used by every binding (`NotFound`, `Timeout`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "InvalidArgument",
            ErrorKind::NotFound => "NotFound",
            ErrorKind::Unauthorized => "Unauthorized",
            ErrorKind::InvalidRequest => "InvalidRequest",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::RateLimited => "RateLimited",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Connection => "Connection",
            ErrorKind::Protocol => "Protocol",
            ErrorKind::Server => "Server",
            ErrorKind::ProcessClosed => "ProcessClosed",
            ErrorKind::Tls => "Tls",
            ErrorKind::OutcomeUnknown => "OutcomeUnknown",
            ErrorKind::ChannelLost => "ChannelLost",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of every colonykit operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    status: Option<u16>,
    message: String,
    write_progress: Option<Box<WriteProgress>>,
}

/// What a channel writer that gave up had written: every sequence it was given was accepted
/// by the server except those in `not_accepted`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteProgress {
    /// How many entries the server accepted.
    pub accepted: u64,
    /// The sequences sent but not acknowledged, or not sent at all, in the writer's order.
    pub not_accepted: Vec<i64>,
}

/// `Result` with colonykit's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The server's message for a rate-limited append (HTTP 500).
const RATE_LIMIT_MESSAGE: &str = "rate limit exceeded";

impl Error {
    /// An error of `kind` with no server status.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            status: None,
            message: message.into(),
            write_progress: None,
        }
    }

    /// The error the server reported with HTTP `status` and `message`.
    pub fn from_server(status: u16, message: impl Into<String>) -> Self {
        let message = message.into();
        let kind = match status {
            400 => ErrorKind::InvalidRequest,
            401 | 403 => ErrorKind::Unauthorized,
            404 => ErrorKind::NotFound,
            408 => ErrorKind::Timeout,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            // The server reports its channel rate limit as a plain 500.
            500 if message.contains(RATE_LIMIT_MESSAGE) => ErrorKind::RateLimited,
            _ => ErrorKind::Server,
        };
        Error {
            kind,
            status: Some(status),
            message,
            write_progress: None,
        }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Protocol, message)
    }

    pub(crate) fn connection(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Connection, message)
    }

    pub(crate) fn timeout(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Timeout, message)
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status the server answered with, if the server answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// What was wrong, in words (the server's message when it sent one).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For a channel writer's error: which of its entries the server accepted.
    pub fn write_progress(&self) -> Option<&WriteProgress> {
        self.write_progress.as_deref()
    }

    /// This error, saying what the writer had written; the message names the sequences that
    /// were not accepted (the first few of them).
    pub(crate) fn with_write_progress(mut self, progress: WriteProgress) -> Self {
        const SHOWN: usize = 8;
        let shown: Vec<String> = progress
            .not_accepted
            .iter()
            .take(SHOWN)
            .map(i64::to_string)
            .collect();
        let more = progress.not_accepted.len().saturating_sub(SHOWN);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        self.message = format!(
            "{} ({} entries accepted; not accepted: {}{more})",
            self.message,
            progress.accepted,
            if shown.is_empty() {
                "none".to_string()
            } else {
                shown.join(", ")
            }
        );
        self.write_progress = Some(Box::new(progress));
        self
    }

    /// Whether retrying the same request later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::RateLimited | ErrorKind::Connection | ErrorKind::Timeout
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{}: {} (HTTP {status})", self.kind, self.message),
            None => write!(f, "{}: {}", self.kind, self.message),
        }
    }
}

impl std::error::Error for Error {}

/// A value the caller gave, quoted for an error message without leaking a secret that was put
/// in the wrong place: a value holding a run of 32 or more hex digits (a private key is 64) is
/// not shown at all, and a long value only by its beginning.
pub(crate) fn quoted(value: &str) -> String {
    const SHOWN: usize = 24;
    let longest_hex_run = value
        .split(|c: char| !c.is_ascii_hexdigit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    if longest_hex_run >= 32 {
        return "(a value that looks like a private key, not shown)".to_string();
    }
    match value.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}

/// An error and its sources, in one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let words = cause.to_string();
        if !text.contains(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_never_show_a_key() {
        let key = "fcc79953d8a751bf41db661592dc34d30004b1a651ffa0725b03ac227641499d";
        for value in [
            key.to_string(),
            format!("http://{key}:50080"),
            key[..40].to_string(),
        ] {
            let shown = quoted(&value);
            assert!(!shown.contains(&key[..16]), "{shown}");
        }
        assert_eq!(quoted("localhost:50080"), "\"localhost:50080\"");
        assert_eq!(
            quoted("http://a-very-long-host-name.example.org:50080"),
            "\"http://a-very-long-host-\"…"
        );
    }

    #[test]
    fn server_statuses_map_to_kinds() {
        assert_eq!(Error::from_server(404, "x").kind(), ErrorKind::NotFound);
        assert_eq!(Error::from_server(403, "x").kind(), ErrorKind::Unauthorized);
        assert_eq!(
            Error::from_server(400, "x").kind(),
            ErrorKind::InvalidRequest
        );
        assert_eq!(Error::from_server(409, "x").kind(), ErrorKind::Conflict);
        assert_eq!(Error::from_server(500, "boom").kind(), ErrorKind::Server);
        assert_eq!(
            Error::from_server(500, "rate limit exceeded").kind(),
            ErrorKind::RateLimited
        );
    }

    #[test]
    fn display_names_kind_status_and_message() {
        let err = Error::from_server(404, "Process not found");
        assert_eq!(err.to_string(), "NotFound: Process not found (HTTP 404)");
    }
}
