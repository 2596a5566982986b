//! Opt-in logging for Node: with `COLONYKIT_LOG` set to `error`, `warn`, `info`, `debug` or
//! `trace`, the core's log lines (reconnects, resumes, re-sends, rate-limit waits, give-ups)
//! go to stderr as `colonykit LEVEL module: message`. Unset, nothing is written. The lines name
//! processes and channels, never a key or a payload.

use log::{LevelFilter, Log, Metadata, Record};

struct Stderr;

static STDERR: Stderr = Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("colonykit")
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!(
                "colonykit {} {}: {}",
                record.level(),
                record.target(),
                record.args()
            );
        }
    }

    fn flush(&self) {}
}

/// Installs the stderr logger when `COLONYKIT_LOG` names a level.
pub(crate) fn init() {
    let Ok(setting) = std::env::var("COLONYKIT_LOG") else {
        return;
    };
    let level = match setting.trim().to_ascii_lowercase().as_str() {
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "info" | "1" | "true" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => return,
    };
    if log::set_logger(&STDERR).is_ok() {
        log::set_max_level(level);
    }
}
