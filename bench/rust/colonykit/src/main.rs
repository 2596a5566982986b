//! colonykit from Rust: the same workload as the raw floor, through the public API only.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use colonykit::{Client, FunctionSpec, NewEntry, PrivateKey, SubscribeOptions};
use colonykit_bench::*;
use futures::StreamExt;

struct Roles {
    setup: Setup,
    user: Client,
    exec: Client,
}

/// A client of the setup's server (trusting its CA over TLS).
fn client(setup: &Setup, key: PrivateKey) -> colonykit::Result<Client> {
    let mut builder = Client::builder(&setup.server).key(key);
    if let Some(ca) = &setup.ca_file {
        builder = builder.ca_file(ca);
    }
    builder.build()
}

impl Roles {
    fn load(path: &str) -> Roles {
        let setup = Setup::load(path);
        let key = |hex: &str| PrivateKey::from_hex(hex).unwrap_or_else(|e| die(&e.to_string()));
        let user = client(&setup, key(&setup.user_key)).unwrap_or_else(|e| die(&e.to_string()));
        let exec = user.with_key(key(&setup.exec_key));
        Roles { setup, user, exec }
    }

    fn spec(&self, channels: bool) -> FunctionSpec {
        let spec = FunctionSpec::new("bench", &self.setup.exec_type, &self.setup.colony);
        if channels {
            spec.with_channels([CHANNEL])
        } else {
            spec
        }
    }

    async fn assign(&self) -> String {
        match self.exec.assign(&self.setup.colony, Duration::from_secs(10)).await {
            Ok(Some(process)) => process.processid,
            Ok(None) => die("assign: no process"),
            Err(e) => die(&format!("assign: {e}")),
        }
    }

    async fn running(&self) -> String {
        self.user.submit(&self.spec(true)).await.unwrap_or_else(|e| die(&format!("submit: {e}")));
        self.assign().await
    }

    async fn append(&self, pid: &str, sequence: i64) {
        self.exec
            .append(pid, CHANNEL, NewEntry::data(sequence, stamped_payload(now_ns())))
            .await
            .unwrap_or_else(|e| die(&format!("append: {e}")));
    }

    async fn round_trip(&self) {
        self.user.submit(&self.spec(false)).await.unwrap_or_else(|e| die(&format!("submit: {e}")));
        let pid = self.assign().await;
        self.exec.close(&pid, vec![]).await.unwrap_or_else(|e| die(&format!("close: {e}")));
    }
}

fn main() {
    // Tokio's default multi-thread runtime, as `#[tokio::main]` gives; BENCH_TOKIO=current runs
    // everything on one thread (the table's "current-thread tokio" row).
    let runtime = match std::env::var("BENCH_TOKIO").as_deref() {
        Ok("current") => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        _ => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
    };
    runtime.unwrap_or_else(|e| die(&e.to_string())).block_on(run());
}

async fn run() {
    let args = Args::parse();
    match args.mode.as_str() {
        "work" => work(&args).await,
        "seq-spawned" => seq_spawned(&args).await,
        "pub" => publish(&args).await,
        "sub" => subscribe(&args).await,
        "stream" => stream(&args).await,
        "stream-paged" => stream_paged(&args).await,
        "rss-probe" => rss_probe(&args).await,
        "idle-subs" => idle_subs(&args).await,
        "encode-cost" => encode_cost(&args),
        "sign-ab" => sign_ab(&args),
        "replay" => replay(&args).await,
        other => die(&format!("unknown mode {other}")),
    }
}

/// Experiment, not an SDK figure: the sequential appends of `work`, run inside a spawned task
/// instead of the program's main future (`block_on` on the main thread). On tokio's
/// multi-thread runtime a worker thread owns the reactor: a reply to a call awaited in
/// `block_on` wakes that worker, which wakes the main thread; in a task the worker that is woken
/// runs the call itself.
async fn seq_spawned(args: &Args) {
    let roles = Arc::new(Roles::load(&args.setup));
    let n_seq: i64 = args.get("n_seq", 450);
    let pid = roles.running().await;
    roles.append(&pid, 1).await; // warm-up: the connection is open
    let (cpu, switches) = tokio::spawn(async move {
        let (cpu, switches) = (cpu_ns(), context_switches());
        for sequence in 2..=n_seq + 1 {
            roles.append(&pid, sequence).await;
        }
        (cpu_ns().saturating_sub(cpu), context_switches().saturating_sub(switches))
    })
    .await
    .unwrap_or_else(|e| die(&format!("task: {e}")));
    let mut report = Report::default();
    report.set("cpu_per_append_us", cpu as f64 / 1e3 / n_seq as f64);
    report.set("switches_per_append", switches as f64 / n_seq as f64);
    report.print();
}

/// Experiment, not an SDK figure (no colonykit in it): the requests of `raw presign` sent in order
/// on one keep-alive tokio `TcpStream`, each awaited in the program's main future as the `work`
/// appends are: client CPU and context switches per request of tokio itself, on the runtime
/// BENCH_TOKIO picks (`bench/loopcost`). The first request warms the connection up.
async fn replay(args: &Args) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let setup = Setup::load(&args.setup);
    let requests = load_requests(&args.str("requests"));
    let mut socket = tokio::net::TcpStream::connect((setup.host.as_str(), setup.port))
        .await
        .unwrap_or_else(|e| die(&format!("connect: {e}")));
    socket.set_nodelay(true).ok();
    let mut buffer = Vec::with_capacity(16 * 1024);
    let mut measured = None;
    for (i, request) in requests.iter().enumerate() {
        if i == 1 {
            measured = Some((cpu_ns(), context_switches()));
        }
        socket.write_all(request.as_bytes()).await.unwrap_or_else(|e| die(&format!("write: {e}")));
        buffer.clear();
        while !reply_complete(&buffer) {
            if socket.read_buf(&mut buffer).await.unwrap_or_else(|e| die(&format!("read: {e}"))) == 0 {
                die("the server closed the connection");
            }
        }
    }
    let (cpu, switches) = measured.unwrap_or_default();
    let n = (requests.len() - 1) as f64;
    let mut report = Report::default();
    report.set("cpu_per_request_us", cpu_ns().saturating_sub(cpu) as f64 / 1e3 / n);
    report.set("switches_per_request", context_switches().saturating_sub(switches) as f64 / n);
    report.print();
}

/// Whether `buffer` holds a whole HTTP reply with status 200 (dies on any other status).
fn reply_complete(buffer: &[u8]) -> bool {
    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&buffer[..end]);
    if !head.starts_with("HTTP/1.1 200") {
        die(&format!("reply: {}", head.lines().next().unwrap_or_default()));
    }
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or_else(|| die("reply without Content-Length"));
    buffer.len() >= end + 4 + length
}

async fn work(args: &Args) {
    let roles = Arc::new(Roles::load(&args.setup));
    let n_seq: i64 = args.get("n_seq", 450);
    let n_flight: i64 = args.get("n_flight", 450);
    let inflight: usize = args.get("inflight", 16);
    let rt_seq: usize = args.get("rt_seq", 100);
    let rt_flight: usize = args.get("rt_flight", 320);
    let sign_n: usize = args.get("sign_n", 2000);
    let mut report = Report::default();

    report.set("rss_start_kb", status_kb("VmRSS"));
    let sample = sign_sample();
    let key = PrivateKey::from_hex(&roles.setup.exec_key).unwrap();
    report.set("sign_us", time_per_call(sign_n, || {
        std::hint::black_box(key.sign(std::hint::black_box(sample.as_bytes())));
    }));

    let pid = roles.running().await;
    let mut samples = Vec::with_capacity(n_seq as usize);
    let cpu = cpu_ns();
    let switches = context_switches();
    let began = Instant::now();
    for sequence in 1..=n_seq {
        let t = Instant::now();
        roles.append(&pid, sequence).await;
        samples.push(ms(t.elapsed()));
    }
    report.set("seq_appends_per_s", n_seq as f64 / began.elapsed().as_secs_f64());
    report.set("cpu_per_append_us", cpu_ns().saturating_sub(cpu) as f64 / 1e3 / n_seq as f64);
    report.set("switches_per_append", context_switches().saturating_sub(switches) as f64 / n_seq as f64);
    report.latencies("append", &samples);
    report.set("hwm_after_seq_kb", status_kb("VmHWM"));
    // Time to first call: a fresh client (new pool: connect, then the request) appends once.
    let exec_key = PrivateKey::from_hex(&roles.setup.exec_key).unwrap_or_else(|e| die(&e.to_string()));
    let mut firsts = Vec::with_capacity(FIRST_CALLS as usize);
    for i in 1..=FIRST_CALLS {
        let t = Instant::now();
        let fresh = client(&roles.setup, exec_key.clone()).unwrap_or_else(|e| die(&e.to_string()));
        fresh
            .append(&pid, CHANNEL, NewEntry::data(n_seq + i, stamped_payload(now_ns())))
            .await
            .unwrap_or_else(|e| die(&format!("first call: {e}")));
        firsts.push(ms(t.elapsed()));
    }
    report.set("first_call_ms", percentile(&firsts, 50.0));
    roles.exec.close(&pid, vec![]).await.unwrap_or_else(|e| die(&e.to_string()));

    let pid = Arc::new(roles.running().await);
    let next = Arc::new(AtomicI64::new(1));
    let began = Instant::now();
    let tasks: Vec<_> = (0..inflight)
        .map(|_| {
            let (roles, pid, next) = (roles.clone(), pid.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let sequence = next.fetch_add(1, Ordering::Relaxed);
                    if sequence > n_flight {
                        break;
                    }
                    roles.append(&pid, sequence).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    report.set("flight_appends_per_s", n_flight as f64 / began.elapsed().as_secs_f64());
    report.set("hwm_after_flight_kb", status_kb("VmHWM"));
    roles.exec.close(&pid, vec![]).await.unwrap_or_else(|e| die(&e.to_string()));

    let began = Instant::now();
    for _ in 0..rt_seq {
        roles.round_trip().await;
    }
    report.set("rt_seq_per_s", rt_seq as f64 / began.elapsed().as_secs_f64());
    report.set("hwm_after_rt_seq_kb", status_kb("VmHWM"));
    let per_task = rt_flight / inflight;
    let began = Instant::now();
    let tasks: Vec<_> = (0..inflight)
        .map(|_| {
            let roles = roles.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    roles.round_trip().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    report.set("rt_flight_per_s", (per_task * inflight) as f64 / began.elapsed().as_secs_f64());
    report.print();
}

async fn publish(args: &Args) {
    let roles = Roles::load(&args.setup);
    let pid = args.str("pid");
    let n: i64 = args.get("n", 200);
    let interval = Duration::from_secs_f64(args.get("interval_ms", 5.0) / 1e3);
    let began = tokio::time::Instant::now();
    for sequence in 1..=n {
        tokio::time::sleep_until(began + interval * sequence as u32).await;
        roles.append(&pid, sequence).await;
    }
    let mut report = Report::default();
    report.set("published", n);
    report.print();
}

async fn subscribe(args: &Args) {
    let roles = Roles::load(&args.setup);
    let pid = args.str("pid");
    let n: usize = args.get("n", 200);
    let mut stream = roles.user.subscribe_channel(&pid, CHANNEL).unwrap_or_else(|e| die(&e.to_string()));
    let mut latencies = Vec::with_capacity(n);
    while latencies.len() < n {
        let entry = match tokio::time::timeout(Duration::from_secs(60), stream.next()).await {
            Ok(Some(Ok(entry))) => entry,
            Ok(Some(Err(e))) => die(&format!("subscription: {e}")),
            Ok(None) => die("subscription ended early"),
            Err(_) => die("subscription timed out"),
        };
        let received = now_ns();
        match payload_stamp(&entry.payload) {
            Some(sent) => latencies.push(received.saturating_sub(sent) as f64 / 1e6),
            None => say_ready(),
        }
    }
    let mut report = Report::default();
    report.latencies("delivery", &latencies);
    report.print();
}

/// `stream <setup> pid= n=10000 live=0|1`: consumes n entries, reporting RSS before and the
/// peak RSS while consuming. With live=1 the baseline is taken once the first (seed) entry
/// has arrived (the channel is then filled while this subscriber reads).
async fn stream(args: &Args) {
    let roles = Roles::load(&args.setup);
    let pid = args.str("pid");
    let n: usize = args.get("n", 10_000);
    let live: u8 = args.get("live", 0);
    let mut report = Report::default();
    // Warm up the client (connection pool) so the baseline holds everything but the stream.
    roles.user.get_process(&pid).await.unwrap_or_else(|e| die(&format!("get_process: {e}")));
    let mut baseline = 0;
    if live == 0 {
        reset_peak_rss();
        baseline = status_kb("VmRSS");
    }
    let began = Instant::now();
    let mut stream = roles.user.subscribe_channel(&pid, CHANNEL).unwrap_or_else(|e| die(&e.to_string()));
    let mut count = 0;
    while count < n {
        match tokio::time::timeout(Duration::from_secs(120), stream.next()).await {
            Ok(Some(Ok(_entry))) => {}
            Ok(Some(Err(e))) => die(&format!("subscription: {e}")),
            Ok(None) => die("subscription ended early"),
            Err(_) => die("subscription timed out"),
        }
        count += 1;
        if count == 1 && live == 1 {
            say_ready();
            reset_peak_rss();
            baseline = status_kb("VmRSS");
        }
    }
    report.set("stream_seconds", began.elapsed().as_secs_f64());
    report.set("stream_entries", count as u64);
    report.set("stream_base_kb", baseline);
    report.set("stream_growth_kb", status_kb("VmHWM").saturating_sub(baseline));
    drop(stream);
    report.print();
}

/// `stream-paged <setup> pid= n= page=500`: an experiment for the core, not an SDK figure: catch
/// up on the backlog with paged reads (`read_channel`, `page` entries at a time), then
/// subscribe from the position reached, so the server's backlog frame stays small. Reports the
/// same RSS growth as `stream`.
async fn stream_paged(args: &Args) {
    let roles = Roles::load(&args.setup);
    let pid = args.str("pid");
    let n: usize = args.get("n", 10_000);
    let page: u32 = args.get("page", 500);
    let mut report = Report::default();
    roles.user.get_process(&pid).await.unwrap_or_else(|e| die(&format!("get_process: {e}")));
    reset_peak_rss();
    let baseline = status_kb("VmRSS");
    let began = Instant::now();
    let mut count = 0usize;
    loop {
        let entries = roles
            .user
            .read_channel(&pid, CHANNEL, count as u64, page)
            .await
            .unwrap_or_else(|e| die(&format!("read_channel: {e}")));
        let got = entries.len();
        for _entry in entries {
            count += 1;
        }
        if got < page as usize || count >= n {
            break;
        }
    }
    if count < n {
        let options = SubscribeOptions { after: count as u64, ..SubscribeOptions::default() };
        let mut stream = roles.user.subscribe_channel_with(&pid, CHANNEL, options).unwrap_or_else(|e| die(&e.to_string()));
        while count < n {
            match tokio::time::timeout(Duration::from_secs(120), stream.next()).await {
                Ok(Some(Ok(_entry))) => count += 1,
                Ok(Some(Err(e))) => die(&format!("subscription: {e}")),
                _ => die("subscription ended early"),
            }
        }
    }
    report.set("stream_seconds", began.elapsed().as_secs_f64());
    report.set("stream_entries", count as u64);
    report.set("stream_base_kb", baseline);
    report.set("stream_growth_kb", status_kb("VmHWM").saturating_sub(baseline));
    report.print();
}

/// `rss-probe <setup>`: RSS (kB) at each step of a client's life, for finding where memory goes.
async fn rss_probe(args: &Args) {
    let mut report = Report::default();
    report.set("start_kb", status_kb("VmRSS"));
    let setup = Setup::load(&args.setup);
    let key = PrivateKey::from_hex(&setup.user_key).unwrap();
    report.set("key_kb", status_kb("VmRSS"));
    let client = client(&setup, key).unwrap();
    report.set("client_kb", status_kb("VmRSS"));
    client.get_colony(&setup.colony).await.unwrap_or_else(|e| die(&e.to_string()));
    report.set("first_call_kb", status_kb("VmRSS"));
    for _ in 0..100 {
        client.get_colony(&setup.colony).await.unwrap_or_else(|e| die(&e.to_string()));
    }
    report.set("calls_100_kb", status_kb("VmRSS"));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (client, colony) = (client.clone(), setup.colony.clone());
            tokio::spawn(async move {
                for _ in 0..10 {
                    client.get_colony(&colony).await.unwrap_or_else(|e| die(&e.to_string()));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    report.set("concurrent_16_kb", status_kb("VmRSS"));
    report.print();
}

/// `encode-cost <setup>`: µs of client CPU per append spent in colonykit's envelope code alone
/// (encode + sign, reply parse), without the network: to compare with the raw floor's.
fn encode_cost(args: &Args) {
    let setup = Setup::load(&args.setup);
    let key = PrivateKey::from_hex(&setup.exec_key).unwrap();
    let n: usize = args.get("n", 5000);
    let pid = "f".repeat(64);
    let reply = br#"{"payloadtype":"channelappendmsg","payload":"e30=","error":false}"#;
    let mut report = Report::default();
    report.set("encode_us", time_per_call(n, || {
        let message = colonykit::messages::ChannelAppend::new(&pid, CHANNEL, NewEntry::data(7, stamped_payload(now_ns())));
        std::hint::black_box(colonykit::rpc::encode(&message, Some(&key)).unwrap());
    }));
    report.set("parse_us", time_per_call(n, || {
        let payload = colonykit::rpc::parse_reply(200, std::hint::black_box(reply)).unwrap();
        std::hint::black_box(colonykit::rpc::decode_payload::<serde_json::Value>("channelappendmsg", &payload).unwrap());
    }));
    report.set("sign_us", time_per_call(n, || {
        std::hint::black_box(key.sign(std::hint::black_box(b"eyJwcm9jZXNzaWQiOiJmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm")));
    }));
    report.print();
}

/// `sign-ab <setup> n= rounds=`: the core's `PrivateKey::sign` and the floor's signing code
/// (secp256k1 + sha3 + hex, as in bench/rust/raw), alternated in one process: µs per signature.
fn sign_ab(args: &Args) {
    use sha3::Digest;
    let setup = Setup::load(&args.setup);
    let n: usize = args.get("n", 5000);
    let rounds: usize = args.get("rounds", 6);
    let key = PrivateKey::from_hex(&setup.exec_key).unwrap();
    let secp = secp256k1::Secp256k1::new();
    let secret = secp256k1::SecretKey::from_slice(&hex::decode(&setup.exec_key).unwrap()).unwrap();
    let floor_sign = |text: &[u8]| {
        let digest = secp256k1::Message::from_digest(sha3::Sha3_256::digest(text).into());
        let (recid, compact) = secp.sign_ecdsa_recoverable(&digest, &secret).serialize_compact();
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&compact);
        out[64] = recid.to_i32() as u8;
        hex::encode(out)
    };
    let sample = sign_sample();
    assert_eq!(floor_sign(sample.as_bytes()), key.sign(sample.as_bytes()));
    let (mut core, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        core.push(time_per_call(n, || {
            std::hint::black_box(key.sign(std::hint::black_box(sample.as_bytes())));
        }));
        floor.push(time_per_call(n, || {
            std::hint::black_box(floor_sign(std::hint::black_box(sample.as_bytes())));
        }));
    }
    let mut report = Report::default();
    report.set("core_sign_us", percentile(&core, 50.0));
    report.set("floor_sign_us", percentile(&floor, 50.0));
    report.set("core_runs", core);
    report.set("floor_runs", floor);
    report.print();
}

/// `idle-subs <setup> pid= n=`: memory per idle channel subscription. `n` subscriptions to the
/// process's channel are opened (the user), one entry is appended (the executor) and read by
/// every one of them (so each is connected), then RSS is read again: the growth per subscription.
async fn idle_subs(args: &Args) {
    let roles = Roles::load(&args.setup);
    let pid = args.str("pid");
    let n: usize = args.get("n", 1000);
    roles.user.get_process(&pid).await.unwrap_or_else(|e| die(&format!("get_process: {e}")));
    let base = status_kb("VmRSS");
    let mut subs = Vec::with_capacity(n);
    for _ in 0..n {
        subs.push(
            roles
                .user
                .subscribe_channel(&pid, CHANNEL)
                .unwrap_or_else(|e| die(&format!("subscribe: {e}"))),
        );
    }
    let reads: Vec<_> = subs
        .iter_mut()
        .map(|sub| async move {
            match tokio::time::timeout(Duration::from_secs(120), sub.next()).await {
                Ok(Some(Ok(_entry))) => {}
                Ok(Some(Err(e))) => die(&format!("subscription: {e}")),
                Ok(None) => die("subscription ended early"),
                Err(_) => die("subscription timed out"),
            }
        })
        .collect();
    let append = async {
        // Every subscription reads from the start, so the entry reaches the late ones too.
        roles.append(&pid, 1).await;
    };
    let ((), _) = futures::join!(append, futures::future::join_all(reads));
    let grown = status_kb("VmRSS").saturating_sub(base);
    let mut report = Report::default();
    report.set("idle_sub_kb", grown as f64 / n as f64);
    report.set("idle_subs", n as f64);
    report.print();
    drop(subs);
}
