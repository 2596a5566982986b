//! Sync-ack: streams results on "output"; the runtime sends `end` and closes the process only
//! after the client's acknowledgement on "sync".

use std::time::Duration;

use colonykit::executor::{Context, Executor, FunctionDecl, HandlerResult};
use colonykit_examples::{shutdown_signal, Result, Settings};
use serde_json::json;

async fn sync(ctx: Context) -> HandlerResult {
    let output = ctx.channel("output")?;
    for i in 1..=5 {
        output.send(format!("result {i}")).await?;
    }
    println!(
        "executor: process {} waits for the acknowledgement",
        ctx.processid()
    );
    Ok(json!("synced"))
}

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let function = FunctionDecl::new("sync").sync_ack("sync", Duration::from_secs(30));
    Executor::builder(settings.executor()?, &settings.colony)
        .function_with(function, sync)
        .max_processes(1)
        .run(shutdown_signal())
        .await?;
    Ok(())
}
