//! What the examples share: settings from the environment (see `bootstrap`) and the executor's
//! wait for one process.

use std::time::Duration;

use colonykit::{Client, FunctionSpec, PrivateKey, Process};

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

/// Waits (up to a minute) for one process running `funcname` and returns it.
pub async fn assign_one(executor: &Client, colony: &str, funcname: &str) -> Result<Process> {
    for _ in 0..6 {
        if let Some(process) = executor.assign(colony, Duration::from_secs(10)).await? {
            if process.spec.funcname == funcname {
                return Ok(process);
            }
            executor
                .fail(
                    &process.processid,
                    vec![format!("this executor only runs {funcname}")],
                )
                .await?;
        }
    }
    Err(format!("no {funcname} process within a minute").into())
}
