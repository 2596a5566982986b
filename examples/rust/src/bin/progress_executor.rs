//! Stream progress: runs one "progress" process, reporting each step on its "progress" channel.

use std::time::Duration;

use colonykit::NewEntry;
use colonykit_examples::{assign_one, Result, Settings};
use serde_json::json;

const STEPS: i64 = 10;

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let executor = settings.executor()?;
    let process = assign_one(&executor, &settings.colony, "progress").await?;
    let pid = &process.processid;
    for step in 1..=STEPS {
        tokio::time::sleep(Duration::from_millis(100)).await; // the work
        let entry = NewEntry::data(step, format!("step {step}/{STEPS}"));
        executor.append(pid, "progress", entry).await?;
    }
    executor
        .append(pid, "progress", NewEntry::end(STEPS + 1))
        .await?;
    executor.close(pid, vec![json!("done")]).await?;
    println!("executor: process {pid} done");
    Ok(())
}
