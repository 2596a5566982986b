//! Shared pieces of the benchmark programs: the colony a run uses, parameters, timing helpers,
//! memory readings and the one-line JSON report every program prints last.
//!
//! Every program is called as `<program> <mode> <setup.json> [key=value ...]` and prints its
//! result as one JSON object on its last stdout line (a subscriber prints `READY` first).

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Map, Value};

/// The channel every benchmark process declares.
pub const CHANNEL: &str = "bench";
/// Bytes in one benchmark entry.
pub const ENTRY_BYTES: usize = 100;
/// Fresh clients timed for the time to first call (each appends once after the sequential
/// appends; the cell is their median).
pub const FIRST_CALLS: i64 = 5;

/// A fresh colony made for one run: its name, keys and the executor's and user's names.
#[derive(Debug, Clone)]
pub struct Setup {
    /// `http://host:port`, or the TLS address the driver wrote (`server_url`).
    pub server: String,
    /// The CA to trust over TLS (`ca_file`), if any.
    pub ca_file: Option<String>,
    pub host: String,
    pub port: u16,
    pub colony: String,
    pub colony_key: String,
    pub exec_key: String,
    pub exec_name: String,
    pub exec_type: String,
    pub user_key: String,
    pub user_name: String,
}

impl Setup {
    pub fn load(path: &str) -> Setup {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| die(&format!("{path}: {e}")));
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| die(&format!("{path}: {e}")));
        let s = |k: &str| v[k].as_str().unwrap_or_else(|| die(&format!("{path}: no {k}"))).to_string();
        let host = s("host");
        let port = v["port"].as_u64().unwrap_or_else(|| die("no port")) as u16;
        Setup {
            server: v["server_url"].as_str().map_or_else(|| format!("http://{host}:{port}"), str::to_string),
            ca_file: v["ca_file"].as_str().map(str::to_string),
            host,
            port,
            colony: s("colony"),
            colony_key: s("colony_key"),
            exec_key: s("exec_key"),
            exec_name: s("exec_name"),
            exec_type: s("exec_type"),
            user_key: s("user_key"),
            user_name: s("user_name"),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "host": self.host, "port": self.port, "colony": self.colony,
            "colony_key": self.colony_key, "exec_key": self.exec_key,
            "exec_name": self.exec_name, "exec_type": self.exec_type,
            "user_key": self.user_key, "user_name": self.user_name,
        })
    }
}

/// The command line: mode, setup file, `key=value` parameters.
pub struct Args {
    pub mode: String,
    pub setup: String,
    params: HashMap<String, String>,
}

impl Args {
    pub fn parse() -> Args {
        let mut argv = std::env::args().skip(1);
        let mode = argv.next().unwrap_or_else(|| die("usage: <mode> <setup.json> [key=value ...]"));
        let setup = argv.next().unwrap_or_default();
        let params = argv
            .filter_map(|a| a.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect();
        Args { mode, setup, params }
    }

    pub fn get<T: std::str::FromStr>(&self, key: &str, default: T) -> T {
        match self.params.get(key) {
            Some(v) => v.parse().unwrap_or_else(|_| die(&format!("bad value for {key}: {v}"))),
            None => default,
        }
    }

    pub fn str(&self, key: &str) -> String {
        self.params
            .get(key)
            .cloned()
            .unwrap_or_else(|| die(&format!("missing parameter {key}=...")))
    }
}

/// The whole HTTP requests that `raw presign` wrote, one JSON string per line; at least two (the
/// first warms the connection up).
pub fn load_requests(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| die(&format!("{path}: {e}")));
    let requests: Vec<String> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| die(&format!("{path}: {e}"))))
        .collect();
    if requests.len() < 2 {
        die(&format!("{path}: fewer than two requests"));
    }
    requests
}

pub fn die(message: &str) -> ! {
    eprintln!("bench: {message}");
    std::process::exit(2)
}

/// Wall-clock nanoseconds: the one clock every process on this machine shares.
pub fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as u64
}

/// A 100-byte entry payload that starts with the time it was sent (20 digits, ns).
pub fn stamped_payload(ts_ns: u64) -> Vec<u8> {
    let mut text = format!("{ts_ns:020}:");
    while text.len() < ENTRY_BYTES {
        text.push('x');
    }
    text.into_bytes()
}

/// The send time written by [`stamped_payload`], if the payload has one.
pub fn payload_stamp(payload: &[u8]) -> Option<u64> {
    if payload.len() < 21 || payload[20] != b':' {
        return None;
    }
    std::str::from_utf8(&payload[..20]).ok()?.parse().ok()
}

/// A typical signed text: the base64 payload of an append of 100 bytes.
pub fn sign_sample() -> String {
    let body = json!({
        "processid": "f".repeat(64), "name": CHANNEL, "sequence": 123, "inreplyto": 0,
        "payload": BASE64.encode(stamped_payload(now_ns())), "payloadtype": "data",
        "msgtype": "channelappendmsg",
    });
    BASE64.encode(body.to_string())
}

/// Mean microseconds per call of `f`, after a warm-up.
pub fn time_per_call(n: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..(n / 10).max(5) {
        f();
    }
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// The `p`-th percentile (0..=100, nearest rank) of `values` in milliseconds.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A field of /proc/self/status in kB (VmRSS, VmHWM).
pub fn status_kb(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time (ns) used so far by all threads of this process (/proc/self/task/*/schedstat).
pub fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|text| text.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()))
        .sum()
}

/// Context switches so far, all threads of this process (voluntary + involuntary).
pub fn context_switches() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
        .map(|text| {
            text.lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
                .sum::<u64>()
        })
        .sum()
}

/// Resets the peak RSS (VmHWM) to the current RSS (Linux ≥ 4.0).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Collects the result fields and prints them as one JSON line.
#[derive(Default)]
pub struct Report(Map<String, Value>);

impl Report {
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.0.insert(key.to_string(), value.into());
    }

    /// Latency summary of `samples` (ms) under `prefix`: p50, p99.
    pub fn latencies(&mut self, prefix: &str, samples: &[f64]) {
        self.set(&format!("{prefix}_p50_ms"), percentile(samples, 50.0));
        self.set(&format!("{prefix}_p99_ms"), percentile(samples, 99.0));
    }

    pub fn print(mut self) {
        self.set("peak_rss_kb", status_kb("VmHWM"));
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", Value::Object(self.0));
        let _ = out.flush();
    }
}

/// Tells the driver a subscriber is live.
pub fn say_ready() {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "READY");
    let _ = out.flush();
}

/// Whether an error message is the server's channel rate limit.
pub fn is_rate_limited(message: &str) -> bool {
    message.contains("rate limit exceeded")
}
