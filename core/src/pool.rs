//! Ordinary calls: a pool of keep-alive HTTP/1.1 connections to the RPC endpoint, one request
//! at a time on each.
//!
//! A call runs its request on its own task's connection: no background task per connection and
//! no extra hand-over between threads, which is most of what a call costs the client.
//!
//! A call made through [`crate::direct`] (`block_on`, or driven by an event loop) runs on its
//! thread's own runtime: the connections it opens are registered with that runtime's reactor,
//! which only that thread drives, so they are kept apart and reused by that thread only.
//!
//! The pool is fork-aware: a child made by `fork` (a Python `multiprocessing` worker, say) that
//! uses a client of its parent never takes the parent's idle connections (they would interleave
//! with the parent's requests on the same socket). It leaves them alone, without closing them
//! either: their sockets stay registered with the parent's reactor, which the child must not
//! touch. The child opens connections of its own.

use std::sync::{Mutex, Weak};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use crate::direct;
use crate::error::{Error, Result};
use crate::http1::{self, Replies, Reply, Requests};
use crate::pace::Pacer;
use crate::tls;
use crate::transport::{self, Settings};

/// Idle connections kept for reuse; more are closed once their call is done.
const MAX_IDLE: usize = 32;
/// An idle connection older than this is closed rather than reused (the server or a proxy may
/// have forgotten it).
const IDLE_LIFETIME: Duration = Duration::from_secs(60);

/// Idle connections, the most recently used last.
#[derive(Default)]
pub(crate) struct Pool {
    idle: Mutex<Idle>,
    /// Keeps the runtime's timer from being woken by every call's timeout.
    pacer: Pacer,
}

/// The idle connections and the process that opened them.
struct Idle {
    pid: u32,
    connections: Vec<Connection>,
    /// Those opened by calls in [`direct::block_on`], by thread (each thread's runtime reads
    /// its own). A list, not a map: a process has few such threads, and each call looks at all
    /// of them anyway (to drop those of threads that ended).
    direct: Vec<ThreadIdle>,
}

/// The idle connections of one thread's direct calls.
struct ThreadIdle {
    thread: ThreadId,
    /// Upgrades while that thread still runs.
    alive: Weak<()>,
    connections: Vec<Connection>,
}

impl Default for Idle {
    fn default() -> Self {
        Idle {
            pid: crate::fork::pid(),
            connections: Vec::new(),
            direct: Vec::new(),
        }
    }
}

impl Idle {
    /// The connections the current call may use, after forgetting those of another process
    /// (this one is a forked child of the one that opened them).
    fn of_this_process(&mut self) -> &mut Vec<Connection> {
        let pid = crate::fork::pid();
        if self.pid != pid {
            std::mem::forget(std::mem::take(&mut self.connections));
            std::mem::forget(std::mem::take(&mut self.direct));
            self.pid = pid;
        }
        if direct::active() {
            // Threads that have ended take no more calls: their connections are closed.
            self.direct.retain(|idle| idle.alive.strong_count() > 0);
            let thread = std::thread::current().id();
            let at = match self.direct.iter().position(|idle| idle.thread == thread) {
                Some(at) => at,
                None => {
                    self.direct.push(ThreadIdle {
                        thread,
                        alive: direct::this_thread(),
                        connections: Vec::new(),
                    });
                    self.direct.len() - 1
                }
            };
            &mut self.direct[at].connections
        } else {
            &mut self.connections
        }
    }
}

impl Drop for Idle {
    fn drop(&mut self) {
        // A child dropping its parent's client must not deregister the parent's sockets.
        self.of_this_process();
    }
}

/// A request without its reply: why, and whether the server may have received it.
#[derive(Debug)]
pub(crate) struct Unanswered {
    pub(crate) error: Error,
    /// The request went out (or may have): the server may have carried it out.
    pub(crate) sent: bool,
}

impl Unanswered {
    fn sent(error: Error) -> Unanswered {
        Unanswered { error, sent: true }
    }
}

struct Connection {
    requests: Requests,
    replies: Replies,
    idle_since: Instant,
}

impl Pool {
    /// Posts `body` to the RPC endpoint of `settings` and returns the reply, within their
    /// connect timeout for a new connection. The caller bounds the whole call with its own
    /// timeout. A failure says whether the request may have reached the server.
    pub(crate) async fn post(&self, settings: &Settings, body: &str) -> Result<Reply, Unanswered> {
        let mut sent = false;
        // A direct call's runtime is driven by its own thread: no other thread to spare a wake.
        if !direct::active() {
            self.pacer.call_started();
        }
        if let Some(mut connection) = self.take() {
            // A server may close an idle connection just as the request goes out: the request
            // went nowhere, so it is sent again on a new connection. (A server that read a
            // request and closed without any answer would see it twice; the ColonyOS server
            // answers every request it reads, errors included, unless it dies: then the
            // request may have been carried out, which the failure says.)
            if connection.requests.send(body).await.is_ok() {
                if connection.replies.answered().await {
                    return self.finish(connection).await.map_err(Unanswered::sent);
                }
                sent = true;
            }
        }
        // The new connection's path is boxed: its future (connecting, TLS) is larger than the
        // rest of the call's, and every call's future would otherwise carry room for it.
        Box::pin(self.post_on_new_connection(settings, body, sent)).await
    }

    /// [`post`](Self::post) on a new connection; `sent`: whether the request may have reached
    /// the server already (on the idle connection that failed).
    async fn post_on_new_connection(
        &self,
        settings: &Settings,
        body: &str,
        sent: bool,
    ) -> Result<Reply, Unanswered> {
        let (mut requests, replies) = http1::open(settings)
            .await
            .map_err(|error| Unanswered { error, sent })?;
        let fresh = async {
            requests.send(body).await?;
            self.finish(Connection {
                requests,
                replies,
                idle_since: Instant::now(),
            })
            .await
        };
        // A new connection that fails, or is refused as plain HTTP, may be to a TLS server.
        match fresh.await {
            Ok(reply) if settings.tls.is_none() && refuses_plain_http(&reply) => {
                Err(Unanswered::sent(tls::speaks_tls(settings.api_url.as_str())))
            }
            Ok(reply) => Ok(reply),
            Err(error) => Err(Unanswered::sent(
                transport::explain(settings, &settings.api_url, error).await,
            )),
        }
    }

    /// Reads the reply and puts the connection back if the server keeps it open.
    async fn finish(&self, mut connection: Connection) -> Result<Reply> {
        let reply = connection.replies.next().await?;
        if !reply.closing {
            connection.idle_since = Instant::now();
            self.put(connection);
        }
        Ok(reply)
    }

    fn take(&self) -> Option<Connection> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let idle = idle.of_this_process();
        while let Some(mut connection) = idle.pop() {
            if connection.idle_since.elapsed() < IDLE_LIFETIME && connection.replies.is_usable() {
                return Some(connection);
            }
        }
        None
    }

    fn put(&self, connection: Connection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let idle = idle.of_this_process();
        if idle.len() < MAX_IDLE {
            idle.push(connection);
        }
    }
}

/// Whether a reply is a TLS server's answer to a plain-HTTP request: Go's (`Client sent an HTTP
/// request to an HTTPS server`) or nginx's (`The plain HTTP request was sent to HTTPS port`).
fn refuses_plain_http(reply: &Reply) -> bool {
    let body = String::from_utf8_lossy(&reply.body);
    reply.status == 400
        && (body.contains("HTTP request to an HTTPS server")
            || body.contains("plain HTTP request was sent to HTTPS port"))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use base64::Engine;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    use crate::Client;

    /// How the stand-in server ends each reply.
    #[derive(Clone, Copy)]
    enum After {
        KeepAlive,
        /// Closes the connection without saying so (as a server dropping idle connections).
        SilentClose,
        /// Says `Connection: close`, then closes.
        AnnouncedClose,
        /// Keeps the connection, but closes it without an answer when the next request comes
        /// (as a server that gave up on an idle connection just as the request went out).
        DropsNextRequest,
    }

    /// A stand-in HTTP server answering every request with a version reply; counts connections.
    async fn stand_in(after: After) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        let payload = base64::engine::general_purpose::STANDARD
            .encode(br#"{"buildversion":"v1","buildtime":"t"}"#);
        let body = format!(r#"{{"payloadtype":"versionmsg","payload":"{payload}"}}"#);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let body = body.clone();
                tokio::spawn(async move {
                    let mut socket = BufReader::new(socket);
                    for served in 0.. {
                        let mut length = 0;
                        loop {
                            let mut line = String::new();
                            if socket.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if let Some(value) =
                                line.to_ascii_lowercase().strip_prefix("content-length:")
                            {
                                length = value.trim().parse().unwrap();
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut request = vec![0; length];
                        socket.read_exact(&mut request).await.unwrap();
                        if served > 0 && matches!(after, After::DropsNextRequest) {
                            return;
                        }
                        let close = match after {
                            After::AnnouncedClose => "Connection: close\r\n",
                            _ => "",
                        };
                        let reply = format!(
                            "HTTP/1.1 200 OK\r\n{close}Content-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        socket.get_mut().write_all(reply.as_bytes()).await.unwrap();
                        if matches!(after, After::SilentClose | After::AnnouncedClose) {
                            return;
                        }
                    }
                });
            }
        });
        (address, connections)
    }

    async fn three_calls(after: After) -> usize {
        let (address, connections) = stand_in(after).await;
        let client = Client::builder(address).build().unwrap();
        for _ in 0..3 {
            assert_eq!(client.server_version().await.unwrap().buildversion, "v1");
            // Let a closing server's FIN arrive before the next call.
            crate::timer::sleep(std::time::Duration::from_millis(20)).await;
        }
        connections.load(Ordering::SeqCst)
    }

    /// A child made by fork neither reuses nor closes its parent's idle connections: it opens
    /// its own, and reuses those.
    #[tokio::test]
    async fn a_forked_child_opens_connections_of_its_own() {
        let (address, connections) = stand_in(After::KeepAlive).await;
        let client = Client::builder(address).build().unwrap();
        let pool = super::Pool::default();
        pool.post(client.settings(), "{}").await.unwrap();
        pool.post(client.settings(), "{}").await.unwrap();
        assert_eq!(connections.load(Ordering::SeqCst), 1);
        // As in the child: the idle connection was opened by another process.
        pool.idle.lock().unwrap().pid = 0;
        pool.post(client.settings(), "{}").await.unwrap();
        assert_eq!(connections.load(Ordering::SeqCst), 2);
        pool.post(client.settings(), "{}").await.unwrap();
        assert_eq!(connections.load(Ordering::SeqCst), 2);
    }

    /// Connections of direct calls (`crate::direct::block_on`) are kept apart, by thread: each
    /// is read by its own thread's runtime only.
    #[test]
    fn direct_calls_keep_their_connections_apart() {
        let server = tokio::runtime::Runtime::new().unwrap();
        let (address, connections) = server.block_on(stand_in(After::KeepAlive));
        let client = Client::builder(address).build().unwrap();
        let pool = Arc::new(super::Pool::default());
        let direct_call = |pool: &super::Pool, client: &Client| {
            crate::direct::block_on(pool.post(client.settings(), "{}"))
                .unwrap()
                .unwrap();
        };
        direct_call(&pool, &client);
        direct_call(&pool, &client);
        assert_eq!(connections.load(Ordering::SeqCst), 1);
        // A call on the shared runtime opens one of its own, and reuses it.
        for _ in 0..2 {
            server.block_on(pool.post(client.settings(), "{}")).unwrap();
        }
        assert_eq!(connections.load(Ordering::SeqCst), 2);
        // Another thread: one of its own. (`join` returns once the thread has ended, its
        // thread-locals dropped.)
        let (there, client_there) = (Arc::clone(&pool), client.clone());
        std::thread::spawn(move || direct_call(&there, &client_there))
            .join()
            .unwrap();
        assert_eq!(connections.load(Ordering::SeqCst), 3);
        assert_eq!(pool.idle.lock().unwrap().direct.len(), 2);
        direct_call(&pool, &client);
        assert_eq!(connections.load(Ordering::SeqCst), 3);
        // The other thread has ended: what the pool kept for it is gone.
        assert_eq!(pool.idle.lock().unwrap().direct.len(), 1);
    }

    /// Connections opened for three calls: one while the server keeps it; a new one each time
    /// the server dropped it (silently, announced, or by closing on the next request unread),
    /// and every call still succeeds.
    #[tokio::test]
    async fn connections_are_reused_while_the_server_keeps_them() {
        for (after, expected) in [
            (After::KeepAlive, 1),
            (After::SilentClose, 3),
            (After::AnnouncedClose, 3),
            (After::DropsNextRequest, 3),
        ] {
            assert_eq!(three_calls(after).await, expected);
        }
    }
}
