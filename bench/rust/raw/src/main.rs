//! The raw floor: libsecp256k1 signing, SHA3, base64, and hand-written HTTP/1.1 over one
//! keep-alive TcpStream per request in flight (one for sequential work, 16 for 16 in flight:
//! the server handles one request at a time per connection, so 16 in flight need 16
//! connections). No HTTP library, no JSON library on the request path; replies are checked by
//! their `"error":false` flag and IDs are cut out of the text. The channel subscriber is a
//! hand-written WebSocket client (RFC 6455 handshake, masked text frame, frame reader).
//!
//! Over TLS (a setup that names a CA, for the TLS instance) the same HTTP/1.1 goes through
//! rustls with the core's settings (ring, safe default versions): the floor for the TLS rows.
//!
//! Also the harness's helper: `setup` makes a colony, `mkproc` a running process with a
//! channel, `fill` fills a channel past the server's burst (retrying on its rate limit).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use colonykit_bench::*;
use secp256k1::{All, Message, PublicKey, Secp256k1, SecretKey};
use sha3::{Digest, Sha3_256};

fn secp() -> &'static Secp256k1<All> {
    static CTX: OnceLock<Secp256k1<All>> = OnceLock::new();
    CTX.get_or_init(Secp256k1::new)
}

fn sha3(data: &[u8]) -> [u8; 32] {
    Sha3_256::digest(data).into()
}

struct Key {
    secret: SecretKey,
    id: String,
}

impl Key {
    fn from_hex(hex_text: &str) -> Key {
        let bytes = hex::decode(hex_text.trim()).unwrap_or_else(|_| die("bad key"));
        let secret = SecretKey::from_slice(&bytes).unwrap_or_else(|_| die("bad key"));
        let public = PublicKey::from_secret_key(secp(), &secret);
        let id = hex::encode(sha3(hex::encode(public.serialize_uncompressed()).as_bytes()));
        Key { secret, id }
    }

    fn generate() -> Key {
        let secret = SecretKey::new(&mut secp256k1::rand::thread_rng());
        Key::from_hex(&hex::encode(secret.secret_bytes()))
    }

    fn to_hex(&self) -> String {
        hex::encode(self.secret.secret_bytes())
    }

    /// hex(r ‖ s ‖ v) over SHA3-256(text).
    fn sign(&self, text: &[u8]) -> String {
        let digest = Message::from_digest(sha3(text));
        let signature = secp().sign_ecdsa_recoverable(&digest, &self.secret);
        let (recid, compact) = signature.serialize_compact();
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&compact);
        out[64] = recid.to_i32() as u8;
        hex::encode(out)
    }
}

/// A signed envelope around `{fields,"msgtype":type}`.
fn envelope(msgtype: &str, fields: &str, key: &Key) -> String {
    let body = format!("{{{fields},\"msgtype\":\"{msgtype}\"}}");
    let payload = BASE64.encode(body);
    let signature = key.sign(payload.as_bytes());
    format!("{{\"signature\":\"{signature}\",\"payloadtype\":\"{msgtype}\",\"payload\":\"{payload}\"}}")
}

/// The text of a string field `"key": "..."` (no escapes expected; replies may be indented).
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let pattern = format!("\"{key}\":");
    let rest = text[text.find(&pattern)? + pattern.len()..].trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Reply {
    fn ok(&self) -> bool {
        self.status == 200 && memfind(&self.body, b"\"error\":false")
    }

    /// The decoded payload JSON text.
    fn payload(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let b64 = field(&text, "payload").unwrap_or("");
        String::from_utf8_lossy(&BASE64.decode(b64).unwrap_or_default()).into_owned()
    }

    fn expect(self, what: &str) -> Reply {
        if !self.ok() {
            die(&format!("{what}: HTTP {} {}", self.status, self.payload()));
        }
        self
    }
}

fn memfind(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A connection's byte stream: TCP, or TLS over it.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// The TLS settings for `ca_file`, made once.
fn tls_config(ca_file: &str) -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    Arc::clone(CONFIG.get_or_init(|| {
        use rustls::pki_types::{pem::PemObject, CertificateDer};
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca_file).unwrap_or_else(|e| die(&format!("{ca_file}: {e}"))) {
            roots.add(cert.unwrap_or_else(|e| die(&format!("{ca_file}: {e}")))).unwrap_or_else(|e| die(&e.to_string()));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap_or_else(|e| die(&e.to_string()))
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }))
}

/// The head of an RPC request to `host:port`, up to its Content-Length value.
fn post_head(host: &str, port: u16) -> String {
    format!("POST /api HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: ")
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    reader: BufReader<Stream>,
    head: String,
    out: Vec<u8>,
}

impl Conn {
    fn open(setup: &Setup) -> Conn {
        // Over TLS: the address of `server_url`, `https://host:port`.
        let tls = setup.ca_file.as_deref().map(|ca| {
            let address = setup.server.trim_start_matches("https://");
            let (host, port) = address.rsplit_once(':').unwrap_or_else(|| die(&format!("bad server_url {address}")));
            (ca, host.to_string(), port.parse::<u16>().unwrap_or_else(|_| die(&format!("bad port in {address}"))))
        });
        let (host, port) = tls.as_ref().map_or((setup.host.as_str(), setup.port), |(_, h, p)| (h.as_str(), *p));
        let tcp = TcpStream::connect((host, port)).unwrap_or_else(|e| die(&format!("connect: {e}")));
        tcp.set_nodelay(true).ok();
        tcp.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let stream = match &tls {
            None => Stream::Plain(tcp),
            Some((ca, host, _)) => {
                let name = rustls::pki_types::ServerName::try_from(host.clone()).unwrap_or_else(|e| die(&e.to_string()));
                let session = rustls::ClientConnection::new(tls_config(ca), name).unwrap_or_else(|e| die(&e.to_string()));
                Stream::Tls(Box::new(rustls::StreamOwned::new(session, tcp)))
            }
        };
        Conn {
            reader: BufReader::with_capacity(16 * 1024, stream),
            head: post_head(host, port),
            out: Vec::with_capacity(4096),
        }
    }

    fn call(&mut self, msgtype: &str, fields: &str, key: &Key) -> Reply {
        let body = envelope(msgtype, fields, key);
        self.out.clear();
        self.out.extend_from_slice(self.head.as_bytes());
        self.out.extend_from_slice(body.len().to_string().as_bytes());
        self.out.extend_from_slice(b"\r\n\r\n");
        self.out.extend_from_slice(body.as_bytes());
        let request = std::mem::take(&mut self.out);
        let reply = self.send(&request);
        self.out = request;
        reply
    }

    /// Sends a whole request as it is, and reads its reply.
    fn send(&mut self, request: &[u8]) -> Reply {
        self.reader.get_mut().write_all(request).unwrap_or_else(|e| die(&format!("write: {e}")));
        self.read_reply().unwrap_or_else(|e| die(&format!("read: {e}")))
    }

    fn read_reply(&mut self) -> std::io::Result<Reply> {
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = None;
        let mut chunked = false;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked") {
                    chunked = true;
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                if size == 0 {
                    line.clear();
                    self.reader.read_line(&mut line)?;
                    break;
                }
                let start = body.len();
                body.resize(start + size, 0);
                self.reader.read_exact(&mut body[start..])?;
                line.clear();
                self.reader.read_line(&mut line)?;
            }
        } else {
            body.resize(length.unwrap_or(0), 0);
            self.reader.read_exact(&mut body)?;
        }
        Ok(Reply { status, body })
    }
}

/// The fields of an append of `payload` to the bench channel.
fn append_fields(pid: &str, sequence: i64, payload: &[u8]) -> String {
    format!(
        "\"processid\":\"{pid}\",\"name\":\"{CHANNEL}\",\"sequence\":{sequence},\"inreplyto\":0,\
         \"payload\":\"{}\",\"payloadtype\":\"\"",
        BASE64.encode(payload)
    )
}

/// The roles of a run's colony, as raw keys.
struct Roles {
    setup: Setup,
    user: Key,
    exec: Key,
}

impl Roles {
    fn load(path: &str) -> Roles {
        let setup = Setup::load(path);
        Roles { user: Key::from_hex(&setup.user_key), exec: Key::from_hex(&setup.exec_key), setup }
    }

    fn submit(&self, conn: &mut Conn, channels: bool) -> Reply {
        let channels = if channels { format!(",\"channels\":[\"{CHANNEL}\"]") } else { String::new() };
        let fields = format!(
            "\"spec\":{{\"funcname\":\"bench\",\"maxwaittime\":-1,\"maxexectime\":-1,\"maxretries\":0,\
             \"conditions\":{{\"colonyname\":\"{}\",\"executortype\":\"{}\"}}{channels}}}",
            self.setup.colony, self.setup.exec_type
        );
        conn.call("submitfuncspecmsg", &fields, &self.user)
    }

    /// Assigns a process; returns its ID.
    fn assign(&self, conn: &mut Conn) -> String {
        let fields = format!(
            "\"colonyname\":\"{}\",\"timeout\":10,\"availablecpu\":\"\",\"availablemem\":\"\"",
            self.setup.colony
        );
        let reply = conn.call("assignprocessmsg", &fields, &self.exec).expect("assign");
        let text = reply.payload();
        match field(&text, "processid") {
            Some(pid) => pid.to_string(),
            None => die(&format!("assign: no processid in {:.300}", String::from_utf8_lossy(&reply.body))),
        }
    }

    fn close(&self, conn: &mut Conn, pid: &str) -> Reply {
        conn.call("closesuccessfulmsg", &format!("\"processid\":\"{pid}\",\"out\":[]"), &self.exec)
    }

    fn append(&self, conn: &mut Conn, pid: &str, sequence: i64, payload: &[u8]) -> Reply {
        conn.call("channelappendmsg", &append_fields(pid, sequence, payload), &self.exec)
    }

    /// A RUNNING process with the bench channel (submitted by the user, assigned to the executor).
    fn running(&self, conn: &mut Conn) -> String {
        self.submit(conn, true).expect("submit");
        self.assign(conn)
    }
}

fn main() {
    let args = Args::parse();
    match args.mode.as_str() {
        "setup" => setup(&args),
        "mkproc" => mkproc(&args),
        "fill" => fill(&args),
        "close" => {
            let roles = Roles::load(&args.setup);
            let mut conn = Conn::open(&roles.setup);
            roles.close(&mut conn, &args.str("pid")).expect("close");
            println!("{{}}");
        }
        "work" => work(&args),
        "pub" => publish(&args),
        "sub" => subscribe(&args),
        "encode-cost" => encode_cost(&args),
        "presign" => presign(&args),
        "replay" => replay(&args),
        other => die(&format!("unknown mode {other}")),
    }
}

/// `setup <out.json> host= port= prvkey=`: a fresh colony, an approved executor and a user.
fn setup(args: &Args) {
    let host = args.get("host", "127.0.0.1".to_string());
    let port: u16 = args.get("port", 50080);
    let server = Key::from_hex(&args.str("prvkey"));
    let tag = format!("{}-{}", std::process::id(), now_ns());
    let (colony_key, exec_key, user_key) = (Key::generate(), Key::generate(), Key::generate());
    let setup = Setup {
        server: String::new(),
        ca_file: None,
        host: host.clone(),
        port,
        colony: format!("bench-{tag}"),
        colony_key: colony_key.to_hex(),
        exec_key: exec_key.to_hex(),
        exec_name: format!("exec-{tag}"),
        exec_type: format!("bench-{tag}"),
        user_key: user_key.to_hex(),
        user_name: format!("user-{tag}"),
    };
    let mut conn = Conn::open(&Setup { server: String::new(), ..setup.clone() });
    let s = &setup;
    conn.call("addcolonymsg", &format!("\"colony\":{{\"colonyid\":\"{}\",\"name\":\"{}\"}}", colony_key.id, s.colony), &server)
        .expect("add colony");
    conn.call(
        "addexecutormsg",
        &format!(
            "\"executor\":{{\"executorid\":\"{}\",\"executortype\":\"{}\",\"executorname\":\"{}\",\"colonyname\":\"{}\"}}",
            exec_key.id, s.exec_type, s.exec_name, s.colony
        ),
        &colony_key,
    )
    .expect("add executor");
    conn.call("approveexecutormsg", &format!("\"colonyname\":\"{}\",\"executorname\":\"{}\"", s.colony, s.exec_name), &colony_key)
        .expect("approve executor");
    conn.call(
        "addusermsg",
        &format!(
            "\"user\":{{\"colonyname\":\"{}\",\"userid\":\"{}\",\"name\":\"{}\",\"email\":\"\",\"phone\":\"\"}}",
            s.colony, user_key.id, s.user_name
        ),
        &colony_key,
    )
    .expect("add user");
    std::fs::write(&args.setup, setup.to_json().to_string()).unwrap_or_else(|e| die(&e.to_string()));
    println!("{}", setup.to_json());
}

/// `mkproc <setup>`: a running process whose channel holds one seed entry (sequence 0).
fn mkproc(args: &Args) {
    let roles = Roles::load(&args.setup);
    let mut conn = Conn::open(&roles.setup);
    let pid = roles.running(&mut conn);
    roles.append(&mut conn, &pid, 0, b"seed").expect("seed entry");
    println!("{{\"processid\":\"{pid}\"}}");
}

/// `presign <setup> pid= n= out=`: the floor's sequential appends 1..=n to `pid`, as the whole
/// HTTP requests it would send (signed now), one JSON string per line in `out`: what
/// `bench/loopcost` sends from each language's runtime, so that the server's work, and what it
/// does to the client's caches meanwhile, is the floor's own.
fn presign(args: &Args) {
    let roles = Roles::load(&args.setup);
    let pid = args.str("pid");
    let n: i64 = args.get("n", 450);
    let head = post_head(&roles.setup.host, roles.setup.port);
    let mut lines = String::new();
    for sequence in 1..=n {
        let body = envelope("channelappendmsg", &append_fields(&pid, sequence, &stamped_payload(now_ns())), &roles.exec);
        let request = format!("{head}{}\r\n\r\n{body}", body.len());
        lines.push_str(&serde_json::Value::from(request).to_string());
        lines.push('\n');
    }
    let out = args.str("out");
    std::fs::write(&out, lines).unwrap_or_else(|e| die(&format!("{out}: {e}")));
    println!("{{}}");
}

/// `replay <setup> requests=`: sends the requests of `presign` in order on one keep-alive
/// connection, blocking; the first warms the connection up, the others are measured: client CPU
/// and context switches per request (the blocking row of `bench/loopcost`).
fn replay(args: &Args) {
    let setup = Setup::load(&args.setup);
    let requests = load_requests(&args.str("requests"));
    let (first, measured) = requests.split_at(1);
    let mut conn = Conn::open(&setup);
    conn.send(first[0].as_bytes()).expect("append");
    let (cpu, switches) = (cpu_ns(), context_switches());
    for request in measured {
        conn.send(request.as_bytes()).expect("append");
    }
    let mut report = Report::default();
    report.set("cpu_per_request_us", cpu_ns().saturating_sub(cpu) as f64 / 1e3 / measured.len() as f64);
    report.set("switches_per_request", context_switches().saturating_sub(switches) as f64 / measured.len() as f64);
    report.print();
}

/// `fill <setup> pid= n= start=1`: appends n entries in order, waiting out the rate limit.
fn fill(args: &Args) {
    let roles = Roles::load(&args.setup);
    let pid = args.str("pid");
    let n: i64 = args.get("n", 9999);
    let start: i64 = args.get("start", 1);
    let mut conn = Conn::open(&roles.setup);
    let began = Instant::now();
    let mut limited = 0u64;
    for sequence in start..start + n {
        loop {
            let reply = roles.append(&mut conn, &pid, sequence, &stamped_payload(now_ns()));
            if reply.ok() {
                break;
            }
            let message = reply.payload();
            if !is_rate_limited(&message) {
                die(&format!("fill: {message}"));
            }
            limited += 1;
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    println!("{{\"filled\":{n},\"seconds\":{},\"rate_limited\":{limited}}}", began.elapsed().as_secs_f64());
}

fn work(args: &Args) {
    let roles = Arc::new(Roles::load(&args.setup));
    let n_seq: i64 = args.get("n_seq", 450);
    let n_flight: i64 = args.get("n_flight", 450);
    let inflight: usize = args.get("inflight", 16);
    let rt_seq: usize = args.get("rt_seq", 100);
    let rt_flight: usize = args.get("rt_flight", 320);
    let sign_n: usize = args.get("sign_n", 2000);
    let mut report = Report::default();

    // Signing: SHA3 + libsecp256k1 + hex, as on every request.
    let sample = sign_sample();
    let key = &roles.exec;
    report.set("sign_us", time_per_call(sign_n, || {
        std::hint::black_box(key.sign(std::hint::black_box(sample.as_bytes())));
    }));

    // Sequential appends on one connection.
    let mut conn = Conn::open(&roles.setup);
    let pid = roles.running(&mut conn);
    let mut samples = Vec::with_capacity(n_seq as usize);
    let cpu = cpu_ns();
    let switches = context_switches();
    let began = Instant::now();
    for sequence in 1..=n_seq {
        let t = Instant::now();
        roles.append(&mut conn, &pid, sequence, &stamped_payload(now_ns())).expect("append");
        samples.push(ms(t.elapsed()));
    }
    report.set("seq_appends_per_s", n_seq as f64 / began.elapsed().as_secs_f64());
    report.set("cpu_per_append_us", cpu_ns().saturating_sub(cpu) as f64 / 1e3 / n_seq as f64);
    report.set("switches_per_append", context_switches().saturating_sub(switches) as f64 / n_seq as f64);
    report.latencies("append", &samples);
    // Time to first call: a fresh connection, then one append.
    let mut firsts = Vec::with_capacity(FIRST_CALLS as usize);
    for i in 1..=FIRST_CALLS {
        let t = Instant::now();
        let mut fresh = Conn::open(&roles.setup);
        roles.append(&mut fresh, &pid, n_seq + i, &stamped_payload(now_ns())).expect("append");
        firsts.push(ms(t.elapsed()));
    }
    report.set("first_call_ms", percentile(&firsts, 50.0));
    roles.close(&mut conn, &pid).expect("close");

    // Appends with `inflight` in flight: one connection per request in flight.
    let pid = Arc::new(roles.running(&mut conn));
    let next = Arc::new(AtomicI64::new(1));
    let began = Instant::now();
    let threads: Vec<_> = (0..inflight)
        .map(|_| {
            let (roles, pid, next) = (roles.clone(), pid.clone(), next.clone());
            std::thread::spawn(move || {
                let mut conn = Conn::open(&roles.setup);
                loop {
                    let sequence = next.fetch_add(1, Ordering::Relaxed);
                    if sequence > n_flight {
                        break;
                    }
                    roles.append(&mut conn, &pid, sequence, &stamped_payload(now_ns())).expect("append");
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    report.set("flight_appends_per_s", n_flight as f64 / began.elapsed().as_secs_f64());
    roles.close(&mut conn, &pid).expect("close");

    // Process round trips: submit (user) → assign → close (executor).
    let began = Instant::now();
    for _ in 0..rt_seq {
        roles.submit(&mut conn, false).expect("submit");
        let pid = roles.assign(&mut conn);
        roles.close(&mut conn, &pid).expect("close");
    }
    report.set("rt_seq_per_s", rt_seq as f64 / began.elapsed().as_secs_f64());
    let began = Instant::now();
    let per_task = rt_flight / inflight;
    let threads: Vec<_> = (0..inflight)
        .map(|_| {
            let roles = roles.clone();
            std::thread::spawn(move || {
                let mut conn = Conn::open(&roles.setup);
                for _ in 0..per_task {
                    roles.submit(&mut conn, false).expect("submit");
                    let pid = roles.assign(&mut conn);
                    roles.close(&mut conn, &pid).expect("close");
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    report.set("rt_flight_per_s", (per_task * inflight) as f64 / began.elapsed().as_secs_f64());
    report.print();
}

/// `pub <setup> pid= n= interval_ms=`: paced appends of stamped entries (the executor).
fn publish(args: &Args) {
    let roles = Roles::load(&args.setup);
    let pid = args.str("pid");
    let n: i64 = args.get("n", 200);
    let interval = Duration::from_secs_f64(args.get("interval_ms", 5.0) / 1e3);
    let mut conn = Conn::open(&roles.setup);
    let began = Instant::now();
    for sequence in 1..=n {
        let due = began + interval * sequence as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        roles.append(&mut conn, &pid, sequence, &stamped_payload(now_ns())).expect("append");
    }
    let mut report = Report::default();
    report.set("published", n);
    report.print();
}

/// A minimal WebSocket client: enough for one channel subscription.
struct Ws {
    reader: BufReader<TcpStream>,
}

impl Ws {
    fn connect(setup: &Setup) -> Ws {
        let stream = TcpStream::connect((setup.host.as_str(), setup.port))
            .unwrap_or_else(|e| die(&format!("connect: {e}")));
        stream.set_nodelay(true).ok();
        stream.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let mut reader = BufReader::new(stream);
        let request = format!(
            "GET /pubsub HTTP/1.1\r\nHost: {}:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: Y29sb255a2l0LWJlbmNoLQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            setup.host, setup.port
        );
        reader.get_mut().write_all(request.as_bytes()).unwrap_or_else(|e| die(&e.to_string()));
        let mut line = String::new();
        reader.read_line(&mut line).unwrap_or_else(|e| die(&e.to_string()));
        if !line.contains(" 101 ") {
            die(&format!("websocket handshake: {line}"));
        }
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap_or_else(|e| die(&e.to_string()));
            if line.trim_end().is_empty() {
                break;
            }
        }
        Ws { reader }
    }

    fn send_text(&mut self, text: &str) {
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        let mut frame = vec![0x81u8];
        let len = text.len();
        if len < 126 {
            frame.push(0x80 | len as u8);
        } else if len < 65536 {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
        frame.extend_from_slice(&mask);
        frame.extend(text.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.reader.get_mut().write_all(&frame).unwrap_or_else(|e| die(&e.to_string()));
    }

    /// The next whole message (text or binary), or None when the socket closes.
    fn next_message(&mut self) -> Option<Vec<u8>> {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.reader.read_exact(&mut head).ok()?;
            let (fin, opcode) = (head[0] & 0x80 != 0, head[0] & 0x0f);
            let mut len = (head[1] & 0x7f) as u64;
            if len == 126 {
                let mut b = [0u8; 2];
                self.reader.read_exact(&mut b).ok()?;
                len = u16::from_be_bytes(b) as u64;
            } else if len == 127 {
                let mut b = [0u8; 8];
                self.reader.read_exact(&mut b).ok()?;
                len = u64::from_be_bytes(b);
            }
            let mut mask = None;
            if head[1] & 0x80 != 0 {
                let mut m = [0u8; 4];
                self.reader.read_exact(&mut m).ok()?;
                mask = Some(m);
            }
            let mut data = vec![0u8; len as usize];
            self.reader.read_exact(&mut data).ok()?;
            if let Some(m) = mask {
                data.iter_mut().enumerate().for_each(|(i, b)| *b ^= m[i % 4]);
            }
            match opcode {
                0x8 => return None,
                0x9 | 0xA => continue,
                _ => message.extend_from_slice(&data),
            }
            if fin {
                return Some(message);
            }
        }
    }
}

/// `sub <setup> pid= n=`: subscribes as the user; READY after the seed entry; then measures
/// append start → receipt for n stamped entries.
fn subscribe(args: &Args) {
    let roles = Roles::load(&args.setup);
    let pid = args.str("pid");
    let n: usize = args.get("n", 200);
    let mut ws = Ws::connect(&roles.setup);
    let fields = format!("\"processid\":\"{pid}\",\"name\":\"{CHANNEL}\",\"afterseq\":0,\"timeout\":120");
    ws.send_text(&envelope("subscribechannelmsg", &fields, &roles.user));
    let mut latencies = Vec::with_capacity(n);
    while latencies.len() < n {
        let message = ws.next_message().unwrap_or_else(|| die("subscription ended early"));
        let received = now_ns();
        let reply = Reply { status: 200, body: message };
        if !reply.ok() {
            die(&format!("subscription: {}", reply.payload()));
        }
        let entries: Vec<serde_json::Value> = serde_json::from_str(&reply.payload()).unwrap_or_default();
        if entries.is_empty() {
            die("subscription timed out");
        }
        for entry in entries {
            let payload = BASE64.decode(entry["payload"].as_str().unwrap_or("")).unwrap_or_default();
            match payload_stamp(&payload) {
                Some(sent) => latencies.push(received.saturating_sub(sent) as f64 / 1e6),
                None => say_ready(),
            }
        }
    }
    let mut report = Report::default();
    report.latencies("delivery", &latencies);
    report.print();
}

/// `encode-cost <setup>`: µs per append in the floor's envelope code alone (no network).
fn encode_cost(args: &Args) {
    let roles = Roles::load(&args.setup);
    let n: usize = args.get("n", 5000);
    let pid = "f".repeat(64);
    let reply = Reply { status: 200, body: br#"{"payloadtype":"channelappendmsg","payload":"e30=","error":false}"#.to_vec() };
    let mut report = Report::default();
    report.set("encode_us", time_per_call(n, || {
        let fields = format!(
            "\"processid\":\"{pid}\",\"name\":\"{CHANNEL}\",\"sequence\":7,\"inreplyto\":0,\"payload\":\"{}\",\"payloadtype\":\"\"",
            BASE64.encode(stamped_payload(now_ns()))
        );
        std::hint::black_box(envelope("channelappendmsg", &fields, &roles.exec));
    }));
    report.set("parse_us", time_per_call(n, || {
        std::hint::black_box(std::hint::black_box(&reply).ok());
    }));
    report.print();
}
