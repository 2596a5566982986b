//! Chat: answers each client message (odd sequences) on the next even sequence, with
//! `inreplyto`; after "bye" it sends `end` and closes the process.

use colonykit::NewEntry;
use colonykit_examples::{assign_one, Result, Settings};
use futures::StreamExt;

fn answer(message: &str) -> &'static str {
    match message.to_lowercase().as_str() {
        "hello" | "hi" => "Hello! How can I help you?",
        "bye" | "goodbye" => "Goodbye!",
        _ => "I received your message.",
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    let executor = settings.executor()?;
    let process = assign_one(&executor, &settings.colony, "chat").await?;
    let pid = &process.processid;
    let me = executor
        .key()
        .map(|k| k.id().to_string())
        .unwrap_or_default();
    let mut chat = executor.subscribe_channel(pid, "chat")?;
    while let Some(entry) = chat.next().await {
        let entry = entry?;
        if entry.senderid == me {
            continue; // our own answers come back too
        }
        let message = String::from_utf8_lossy(&entry.payload).into_owned();
        println!("executor: got #{} {message:?}", entry.sequence);
        let reply =
            NewEntry::data(entry.sequence + 1, answer(&message)).in_reply_to(entry.sequence);
        executor.append(pid, "chat", reply).await?;
        if message.eq_ignore_ascii_case("bye") {
            executor
                .append(pid, "chat", NewEntry::end(entry.sequence + 3))
                .await?;
            break;
        }
    }
    executor.close(pid, vec![]).await?;
    Ok(())
}
