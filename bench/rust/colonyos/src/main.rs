//! The official Rust SDK, the `colonyos` crate 1.0.5, used as a library: the same workload.
//!
//! Its calls are free functions signing with a hex key; each builds a new HTTP client (so a new
//! connection) per call. Its FunctionSpec defaults maxexectime to 0, which fails a process at
//! once (reference §9 P1), so the specs here set −1.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use colonyos::core::FunctionSpec;
use colonykit_bench::*;

struct Roles {
    setup: Setup,
}

impl Roles {
    fn load(path: &str) -> Roles {
        let setup = Setup::load(path);
        colonyos::set_server_url(&format!("{}/api", setup.server));
        Roles { setup }
    }

    fn spec(&self, channels: bool) -> FunctionSpec {
        let mut spec = FunctionSpec::new("bench", &self.setup.exec_type, &self.setup.colony);
        spec.maxexectime = -1;
        spec.maxwaittime = -1;
        if channels {
            spec.channels = vec![CHANNEL.to_string()];
        }
        spec
    }

    async fn assign(&self) -> String {
        match colonyos::assign(&self.setup.colony, 10, &self.setup.exec_key).await {
            Ok(process) => process.processid,
            Err(e) => die(&format!("assign: {e}")),
        }
    }

    async fn running(&self) -> String {
        colonyos::submit(&self.spec(true), &self.setup.user_key)
            .await
            .unwrap_or_else(|e| die(&format!("submit: {e}")));
        self.assign().await
    }

    async fn append(&self, pid: &str, sequence: i64) {
        let payload = String::from_utf8(stamped_payload(now_ns())).unwrap();
        colonyos::channel_append(pid, CHANNEL, sequence, &payload, "", 0, &self.setup.exec_key)
            .await
            .unwrap_or_else(|e| die(&format!("append: {e}")));
    }

    async fn close(&self, pid: &str) {
        colonyos::close(pid, &self.setup.exec_key).await.unwrap_or_else(|e| die(&format!("close: {e}")));
    }

    async fn round_trip(&self) {
        colonyos::submit(&self.spec(false), &self.setup.user_key)
            .await
            .unwrap_or_else(|e| die(&format!("submit: {e}")));
        let pid = self.assign().await;
        self.close(&pid).await;
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    match args.mode.as_str() {
        "work" => work(&args).await,
        "pub" => publish(&args).await,
        "sub" => subscribe(&args).await,
        other => die(&format!("unknown mode {other}")),
    }
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

    let sample = sign_sample();
    let key = roles.setup.exec_key.clone();
    report.set("sign_us", time_per_call(sign_n, || {
        std::hint::black_box(colonyos::crypto::gen_signature(std::hint::black_box(&sample), &key));
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
    roles.close(&pid).await;

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
    roles.close(&pid).await;

    let began = Instant::now();
    for _ in 0..rt_seq {
        roles.round_trip().await;
    }
    report.set("rt_seq_per_s", rt_seq as f64 / began.elapsed().as_secs_f64());
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
    let mut latencies: Vec<f64> = Vec::with_capacity(n);
    let result = colonyos::subscribe_channel(&pid, CHANNEL, 0, 120, &roles.setup.user_key, |entries| {
        let received = now_ns();
        for entry in entries {
            match payload_stamp(&entry.payload_bytes()) {
                Some(sent) => latencies.push(received.saturating_sub(sent) as f64 / 1e6),
                None => say_ready(),
            }
        }
        latencies.len() < n
    })
    .await;
    if let Err(e) = result {
        die(&format!("subscription: {e}"));
    }
    if latencies.len() < n {
        die("subscription ended early");
    }
    let mut report = Report::default();
    report.latencies("delivery", &latencies);
    report.print();
}
