//! Sync-ack: reads "output" until `end`, acknowledges on "sync", then sees the process succeed.

use std::time::Duration;

use colonykit::ProcessState;
use colonykit_examples::{Result, Settings};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let client = settings.user()?;
    let process = client
        .submit(&settings.spec("sync", &["output", "sync"]))
        .await?;
    let pid = &process.processid;
    let mut output = client.subscribe_channel(pid, "output")?;
    while let Some(entry) = output.next().await {
        let entry = entry?;
        println!(
            "client: #{} {} {}",
            entry.sequence,
            entry.kind,
            String::from_utf8_lossy(&entry.payload)
        );
    }
    client.acknowledge(pid, "sync").await?;
    let done = client
        .wait_for_state(pid, ProcessState::Success, Duration::from_secs(30))
        .await?;
    println!("client: output {}", serde_json::Value::Array(done.output));
    Ok(())
}
