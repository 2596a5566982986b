//! Sync-ack: streams results on "output", sends `end`, and closes the process only after the
//! client's acknowledgement on "sync".

use std::time::Duration;

use colonykit::NewEntry;
use colonykit_examples::{assign_one, Result, Settings};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let executor = settings.executor()?;
    let process = assign_one(&executor, &settings.colony, "sync").await?;
    let pid = &process.processid;
    for i in 1..=5 {
        executor
            .append(pid, "output", NewEntry::data(i, format!("result {i}")))
            .await?;
    }
    executor.append(pid, "output", NewEntry::end(6)).await?;
    executor
        .close_after_ack(pid, "sync", vec![json!("synced")], Duration::from_secs(30))
        .await?;
    println!("executor: acknowledged, process {pid} closed");
    Ok(())
}
