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
