//! Chat: sends three messages on odd sequences and prints each answer (even sequences, with
//! `inreplyto`) until the executor's `end`.

use colonykit::NewEntry;
use colonykit_examples::{Result, Settings};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let client = settings.user()?;
    let process = client.submit(&settings.spec("chat", &["chat"])).await?;
    let pid = &process.processid;
    // Subscribe first, so that no answer can be missed.
    let mut chat = client.subscribe_channel(pid, "chat")?;
    let me = client.key().map(|k| k.id().to_string()).unwrap_or_default();
    for (i, message) in ["hello", "how are you?", "bye"].into_iter().enumerate() {
        let sequence = 2 * i as i64 + 1;
        println!("client: you #{sequence}: {message}");
        client
            .append(pid, "chat", NewEntry::data(sequence, message))
            .await?;
        // Wait for the answer to this message.
        while let Some(entry) = chat.next().await {
            let entry = entry?;
            if entry.senderid != me && entry.inreplyto == sequence {
                println!(
                    "client: bot #{} (re #{}): {}",
                    entry.sequence,
                    entry.inreplyto,
                    String::from_utf8_lossy(&entry.payload)
                );
                break;
            }
        }
    }
    // Drain until the executor's end.
    while let Some(entry) = chat.next().await {
        if entry?.kind == colonykit::EntryKind::End {
            println!("client: chat ended");
        }
    }
    Ok(())
}
