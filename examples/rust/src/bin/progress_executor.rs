//! Stream progress: runs one "progress" process, reporting each step on its "progress" channel.

use std::time::Duration;

use colonykit::executor::{Context, Executor, HandlerResult};
use colonykit_examples::{shutdown_signal, Result, Settings};
use serde_json::json;

const STEPS: i64 = 10;

async fn progress(ctx: Context) -> HandlerResult {
    let channel = ctx.channel("progress")?;
    for step in 1..=STEPS {
        tokio::time::sleep(Duration::from_millis(100)).await; // the work
        channel.send(format!("step {step}/{STEPS}")).await?;
    }
    println!("executor: process {} done", ctx.processid());
    Ok(json!("done")) // the runtime sends `end`, then closes the process with ["done"]
}

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    Executor::builder(settings.executor()?, &settings.colony)
        .function("progress", progress)
        .max_processes(1)
        .run(shutdown_signal())
        .await?;
    Ok(())
}
