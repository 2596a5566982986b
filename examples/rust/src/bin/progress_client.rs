//! Stream progress: submits a "progress" process and prints each entry as it arrives.

use std::time::Duration;

use colonykit::ProcessState;
use colonykit_examples::{Result, Settings};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let client = settings.user()?;
    let process = client
        .submit(&settings.spec("progress", &["progress"]))
        .await?;
    println!("client: submitted {}", process.processid);
    // The submitter may subscribe before the process is assigned: nothing is missed.
    let mut progress = client.subscribe_channel(&process.processid, "progress")?;
    while let Some(entry) = progress.next().await {
        let entry = entry?;
        println!(
            "client: #{} {} {}",
            entry.sequence,
            entry.kind,
            String::from_utf8_lossy(&entry.payload)
        );
    }
    let done = client
        .wait_for_state(
            &process.processid,
            ProcessState::Success,
            Duration::from_secs(30),
        )
        .await?;
    println!("client: output {}", serde_json::Value::Array(done.output));
    Ok(())
}
