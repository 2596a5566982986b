//! One HTTP/1.1 connection to the RPC endpoint: requests written, replies read in order.
//!
//! Ordinary calls use a connection for one request at a time (see [`crate::pool`]). The channel
//! writer pipelines: the server handles the requests of one connection one after the other, in
//! the order they were sent, so requests pipelined on one connection are applied in order —
//! which separate pooled connections cannot promise.

use std::sync::Arc;

use futures::FutureExt;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, ReadHalf, WriteHalf};

use crate::error::{Error, Result};
use crate::tls;
use crate::transport::{self, Io, Settings};

/// The longest status or header line accepted.
const MAX_LINE: usize = 8 * 1024;
/// The largest reply body accepted: far above any real reply (reading a channel of 10 MiB
/// entries is ~18 MiB an entry, base64 twice), low enough to refuse a runaway stream.
const MAX_BODY: usize = 1 << 30;

/// The sending half: writes requests without waiting for replies.
pub(crate) struct Requests {
    io: WriteHalf<Box<dyn Io>>,
    head: String,
    url: Arc<str>,
}

/// The receiving half: reads the replies, in the order the requests were sent.
pub(crate) struct Replies {
    io: BufReader<ReadHalf<Box<dyn Io>>>,
    url: Arc<str>,
}

/// One reply.
#[derive(Debug, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// Whether the server closes the connection after this reply (`Connection: close`).
    pub(crate) closing: bool,
}

/// Opens a connection to the RPC endpoint of `settings`.
pub(crate) async fn open(settings: &Settings) -> Result<(Requests, Replies)> {
    let url = &settings.api_url;
    let io = transport::connect(settings, url, |io| async { Ok(io) }).await?;
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => return Err(Error::invalid_argument("the server address has no host")),
    };
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n",
        url.path()
    );
    let (read, write) = tokio::io::split(io);
    let url: Arc<str> = url.as_str().into();
    Ok((
        Requests {
            io: write,
            head,
            url: Arc::clone(&url),
        },
        Replies {
            io: BufReader::new(read),
            url,
        },
    ))
}

fn broken(what: &str) -> Error {
    Error::connection(format!("the connection to the server failed: {what}"))
}

/// A failed read or write: a TLS failure said as one (TLS 1.3 reports a refused client
/// certificate only after the handshake, on the first read), anything else as a lost connection.
fn failed(url: &str, error: &std::io::Error) -> Error {
    tls::io_error(url, error).unwrap_or_else(|| broken(&error.to_string()))
}

impl Requests {
    /// Sends one request with `body`.
    pub(crate) async fn send(&mut self, body: &str) -> Result<()> {
        let request = format!("{}Content-Length: {}\r\n\r\n{body}", self.head, body.len());
        self.io
            .write_all(request.as_bytes())
            .await
            .map_err(|e| failed(&self.url, &e))?;
        self.io.flush().await.map_err(|e| failed(&self.url, &e))
    }
}

impl Replies {
    /// Whether the connection can take another request: it is idle, so the server must not
    /// have sent anything; readable now means closed (or out of step), either way unusable.
    pub(crate) fn is_usable(&mut self) -> bool {
        self.io.buffer().is_empty() && self.io.fill_buf().now_or_never().is_none()
    }

    /// Waits until the server starts to answer; false if it closed the connection instead
    /// (without reading the request: a connection it had already given up on).
    pub(crate) async fn answered(&mut self) -> bool {
        matches!(self.io.fill_buf().await, Ok(bytes) if !bytes.is_empty())
    }

    /// The next reply.
    pub(crate) async fn next(&mut self) -> Result<Reply> {
        let status_line = self.line().await?;
        let status = parse_status(&status_line)?;
        let mut length = None;
        let mut chunked = false;
        let mut closing = false;
        loop {
            let line = self.line().await?;
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(Error::protocol(format!("malformed reply header {line:?}")));
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                let parsed: usize = value
                    .parse()
                    .map_err(|_| Error::protocol(format!("malformed Content-Length {value:?}")))?;
                length = Some(parsed);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                closing = value.eq_ignore_ascii_case("close");
            }
        }
        let body = match (chunked, length) {
            (true, _) => self.chunked_body().await?,
            (false, Some(length)) => self.exact(length).await?,
            (false, None) => Vec::new(),
        };
        Ok(Reply {
            status,
            body,
            closing,
        })
    }

    async fn line(&mut self) -> Result<String> {
        let mut line = Vec::new();
        let read = (&mut self.io)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| failed(&self.url, &e))?;
        if read == 0 {
            return Err(broken("the server closed the connection"));
        }
        if line.last() != Some(&b'\n') {
            return Err(Error::protocol("a reply line is too long or cut off"));
        }
        let text = String::from_utf8_lossy(&line);
        Ok(text.trim_end_matches(['\r', '\n']).to_string())
    }

    async fn exact(&mut self, length: usize) -> Result<Vec<u8>> {
        if length > MAX_BODY {
            return Err(Error::protocol(format!(
                "a reply body of {length} bytes is too large"
            )));
        }
        let mut body = vec![0; length];
        self.io
            .read_exact(&mut body)
            .await
            .map_err(|e| failed(&self.url, &e))?;
        Ok(body)
    }

    async fn chunked_body(&mut self) -> Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line = self.line().await?;
            let size = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| Error::protocol(format!("malformed chunk size {size:?}")))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.line().await?.is_empty() {}
                return Ok(body);
            }
            if body.len() + size > MAX_BODY {
                return Err(Error::protocol("a chunked reply body is too large"));
            }
            body.extend(self.exact(size).await?);
            if !self.line().await?.is_empty() {
                return Err(Error::protocol("a chunk does not end with CRLF"));
            }
        }
    }
}

fn parse_status(line: &str) -> Result<u16> {
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some(version), Some(code)) if version.starts_with("HTTP/1.") => code
            .parse()
            .map_err(|_| Error::protocol(format!("malformed status line {line:?}"))),
        _ => Err(Error::protocol(format!("malformed status line {line:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(parse_status("HTTP/1.1 200 OK").unwrap(), 200);
        assert_eq!(
            parse_status("HTTP/1.1 500 Internal Server Error").unwrap(),
            500
        );
        assert!(parse_status("HTTP/2 200").is_err());
        assert!(parse_status("garbage").is_err());
        assert!(parse_status("HTTP/1.1 abc").is_err());
    }

    async fn replies_from(raw: &'static [u8]) -> Replies {
        let (client, mut server) = tokio::io::duplex(4096);
        server.write_all(raw).await.unwrap();
        drop(server);
        let io: Box<dyn Io> = Box::new(client);
        let (read, _write) = tokio::io::split(io);
        Replies {
            io: BufReader::new(read),
            url: "http://test/api".into(),
        }
    }

    #[tokio::test]
    async fn reads_length_and_chunked_bodies_in_order() {
        let mut replies = replies_from(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}\
              HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n\
              HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
        )
        .await;
        let reply = |status, body: &[u8], closing| Reply {
            status,
            body: body.to_vec(),
            closing,
        };
        assert_eq!(replies.next().await.unwrap(), reply(200, b"{}", false));
        assert_eq!(replies.next().await.unwrap(), reply(500, b"abcde", false));
        assert_eq!(replies.next().await.unwrap(), reply(204, b"", true));
        assert_eq!(
            replies.next().await.unwrap_err().kind(),
            crate::ErrorKind::Connection
        );
    }

    #[tokio::test]
    async fn malformed_replies_are_errors() {
        for raw in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
        ] {
            let mut replies = replies_from(raw).await;
            assert!(replies.next().await.is_err());
        }
    }
}
