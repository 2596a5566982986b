//! One HTTP/1.1 connection to the RPC endpoint: requests written, replies read in order.
//!
//! Ordinary calls use a connection for one request at a time (see [`crate::pool`]). The channel
//! writer pipelines: the server handles the requests of one connection one after the other, in
//! the order they were sent, so requests pipelined on one connection are applied in order —
//! which separate pooled connections cannot promise.

use std::sync::Arc;

use futures::FutureExt;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, ReadHalf, WriteHalf,
};

use crate::error::{Error, Result};
use crate::tls;
use crate::transport::{self, Io, Settings};

/// The longest reply head (status line and headers) accepted; the server's are ~150 bytes.
const MAX_HEAD: usize = 16 * 1024;
/// The most header lines accepted.
pub(crate) const MAX_HEADERS: usize = 32;
/// The largest reply body accepted: the largest legal entry (10 MiB) is ~18 MiB in a reply
/// (base64 twice); this leaves room for a few, and refuses a runaway or hostile reply before it
/// is read (a body announced larger is not read at all).
pub(crate) const MAX_BODY: usize = 64 << 20;

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
    let host = host_header(url)?;
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

/// The `Host` header's value for requests to `url`.
pub(crate) fn host_header(url: &url::Url) -> Result<String> {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => Ok(format!("{host}:{port}")),
        (Some(host), None) => Ok(host.to_string()),
        (None, _) => Err(Error::invalid_argument("the server address has no host")),
    }
}

fn broken(what: &str) -> Error {
    Error::connection(format!("the connection to the server failed: {what}"))
}

/// A failed read or write: a TLS failure said as one (TLS 1.3 reports a refused client
/// certificate only after the handshake, on the first read), anything else as a lost connection.
pub(crate) fn failed(url: &str, error: &std::io::Error) -> Error {
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
        let head = read_head(&mut self.io, &self.url).await?;
        let framing = Framing::of(&head)?;
        let body = match (framing.chunked, framing.length) {
            (true, _) => self.chunked_body().await?,
            (false, Some(length)) => self.exact(length).await?,
            (false, None) => Vec::new(),
        };
        Ok(Reply {
            status: framing.status,
            body,
            closing: framing.closing,
        })
    }

    /// Appends one line (with its end) to `buffer`, reading at most `room` bytes.
    async fn line_into(&mut self, buffer: &mut Vec<u8>, room: usize) -> Result<()> {
        read_line(&mut self.io, &self.url, buffer, room).await
    }

    async fn exact(&mut self, length: usize) -> Result<Vec<u8>> {
        if length > MAX_BODY {
            return Err(too_large(length));
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
            let mut line = Vec::new();
            self.line_into(&mut line, MAX_HEAD).await?;
            let size = match httparse::parse_chunk_size(&line) {
                Ok(httparse::Status::Complete((_, size))) => usize::try_from(size).ok(),
                _ => None,
            }
            .ok_or_else(|| {
                Error::protocol(format!(
                    "malformed chunk size {:?}",
                    String::from_utf8_lossy(&line[..line.len().min(40)])
                ))
            })?;
            if size == 0 {
                // Trailers, up to the empty line.
                self.head_rest().await?;
                return Ok(body);
            }
            if body.len().saturating_add(size) > MAX_BODY {
                return Err(too_large(body.len().saturating_add(size)));
            }
            body.extend(self.exact(size).await?);
            let mut end = Vec::new();
            self.line_into(&mut end, 2).await?;
            if !matches!(end.as_slice(), b"\r\n" | b"\n") {
                return Err(Error::protocol("a chunk does not end with CRLF"));
            }
        }
    }

    /// The trailers after the last chunk, up to the empty line (bounded like a head).
    async fn head_rest(&mut self) -> Result<()> {
        let mut trailers = Vec::new();
        loop {
            let start = trailers.len();
            self.line_into(&mut trailers, MAX_HEAD - start).await?;
            if matches!(&trailers[start..], b"\r\n" | b"\n") {
                return Ok(());
            }
        }
    }
}

/// What a reply's head says about the reply: its status, how its body is framed, and whether
/// the server closes the connection after it.
struct Framing {
    status: u16,
    length: Option<usize>,
    chunked: bool,
    closing: bool,
}

impl Framing {
    /// Parses `head` (read by [`read_head`]). Not async: the parsed headers (a kilobyte) stay
    /// on this stack frame instead of in every call's future.
    fn of(head: &[u8]) -> Result<Framing> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let response = parse_head(head, &mut headers)?;
        let mut framing = Framing {
            status: response.code.unwrap_or_default(),
            length: None,
            chunked: false,
            closing: false,
        };
        for header in response.headers.iter() {
            let value = String::from_utf8_lossy(header.value);
            let value = value.trim();
            if header.name.eq_ignore_ascii_case("content-length") {
                let parsed: usize = value
                    .parse()
                    .map_err(|_| Error::protocol(format!("malformed Content-Length {value:?}")))?;
                framing.length = Some(parsed);
            } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                framing.chunked = value.eq_ignore_ascii_case("chunked");
            } else if header.name.eq_ignore_ascii_case("connection") {
                framing.closing = value.eq_ignore_ascii_case("close");
            }
        }
        Ok(framing)
    }
}

/// Reads a reply head from `io`, up to and including the empty line; at most [`MAX_HEAD`]
/// bytes. What follows the head stays in `io`'s buffer.
pub(crate) async fn read_head<R: AsyncBufRead + Unpin>(io: &mut R, url: &str) -> Result<Vec<u8>> {
    let mut head = Vec::new();
    loop {
        let start = head.len();
        read_line(io, url, &mut head, MAX_HEAD - start).await?;
        if matches!(&head[start..], b"\r\n" | b"\n") && start > 0 {
            return Ok(head);
        }
    }
}

/// Parses a head read by [`read_head`] into `headers`.
pub(crate) fn parse_head<'h, 'b>(
    head: &'b [u8],
    headers: &'h mut [httparse::Header<'b>],
) -> Result<httparse::Response<'h, 'b>> {
    let mut response = httparse::Response::new(headers);
    match response.parse(head) {
        Ok(httparse::Status::Complete(_)) => Ok(response),
        Ok(httparse::Status::Partial) | Err(_) => Err(Error::protocol(format!(
            "malformed reply head {:?}",
            String::from_utf8_lossy(&head[..head.len().min(200)])
        ))),
    }
}

/// Appends one line (with its end) from `io` to `buffer`, reading at most `room` bytes.
async fn read_line<R: AsyncBufRead + Unpin>(
    io: &mut R,
    url: &str,
    buffer: &mut Vec<u8>,
    room: usize,
) -> Result<()> {
    let too_long = || {
        Error::protocol(format!(
            "a line of the reply's head or chunk framing is cut off, or the head is longer than \
             {MAX_HEAD} bytes"
        ))
    };
    if room == 0 {
        return Err(too_long());
    }
    let read = io
        .take(room as u64)
        .read_until(b'\n', buffer)
        .await
        .map_err(|e| failed(url, &e))?;
    if read == 0 {
        return Err(broken("the server closed the connection"));
    }
    if buffer.last() != Some(&b'\n') {
        return Err(too_long());
    }
    Ok(())
}

fn too_large(length: usize) -> Error {
    Error::protocol(format!(
        "the server's reply ({length} bytes or more) is larger than any reply of the protocol \
         ({MAX_BODY} bytes): not read"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn malformed_status_lines_are_protocol_errors() {
        for raw in [
            &b"HTTP/2 200\r\n\r\n"[..],
            b"garbage\r\n\r\n",
            b"HTTP/1.1 abc\r\n\r\n",
        ] {
            let error = replies_from(raw).await.next().await.unwrap_err();
            assert_eq!(error.kind(), crate::ErrorKind::Protocol, "{error}");
        }
    }

    #[tokio::test]
    async fn oversized_heads_and_bodies_are_refused_without_reading_them() {
        let endless_headers: &'static [u8] = Box::leak(
            [
                &b"HTTP/1.1 200 OK\r\n"[..],
                &b"X-Junk: 0123456789\r\n".repeat(2_000),
            ]
            .concat()
            .into_boxed_slice(),
        );
        let error = replies_from(endless_headers)
            .await
            .next()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Protocol, "{error}");

        let huge = b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\njunk";
        let error = replies_from(huge).await.next().await.unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Protocol, "{error}");
        assert!(error.message().contains("not read"), "{error}");

        let huge_chunk = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40000000\r\njunk";
        let error = replies_from(huge_chunk).await.next().await.unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Protocol, "{error}");
    }

    async fn replies_from(raw: &'static [u8]) -> Replies {
        let (client, mut server) = tokio::io::duplex(raw.len() + 1);
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
