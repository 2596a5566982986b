//! What the examples share: settings from the environment (see `bootstrap`) and the executors'
//! shutdown signal.

use colonykit::{Client, FunctionSpec, PrivateKey};

/// Errors of the examples: anything printable.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The settings `bootstrap` writes to `examples/run/colony.env`.
pub struct Settings {
    pub colony: String,
    pub executor_type: String,
    client: Client,
}

fn required(name: &str) -> Result<String> {
    std::env::var(name).map_err(|_| {
        format!("{name} is not set (run `make bootstrap` and source examples/run/colony.env)")
            .into()
    })
}

impl Settings {
    pub fn from_env() -> Result<Settings> {
        Ok(Settings {
            colony: required("COLONIES_COLONY_NAME")?,
            executor_type: required("COLONIES_EXECUTOR_TYPE")?,
            client: Client::from_env()?,
        })
    }

    /// A client signing as the colony's user (who submits).
    pub fn user(&self) -> Result<Client> {
        Ok(self
            .client
            .with_key(PrivateKey::from_hex(&required("COLONIES_USER_PRVKEY")?)?))
    }

    /// A client signing as the colony's executor (who runs).
    pub fn executor(&self) -> Result<Client> {
        Ok(self.client.with_key(PrivateKey::from_hex(&required(
            "COLONIES_EXECUTOR_PRVKEY",
        )?)?))
    }

    /// A spec for `funcname` with `channels`, for this colony's executor type.
    pub fn spec(&self, funcname: &str, channels: &[&str]) -> FunctionSpec {
        FunctionSpec::new(funcname, &self.executor_type, &self.colony)
            .with_channels(channels.iter().copied())
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM: the executors' shutdown signal.
pub async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
