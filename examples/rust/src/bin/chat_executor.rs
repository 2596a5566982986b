//! Chat: answers each client message (odd sequences) on the next even sequence, with
//! `inreplyto`; after "bye" it returns, and the runtime sends `end` and closes the process.

use colonykit::executor::{Context, Executor, HandlerResult};
use colonykit::WriterOptions;
use colonykit_examples::{shutdown_signal, Result, Settings};
use futures::StreamExt;
use serde_json::Value;

fn answer(message: &str) -> &'static str {
    match message.to_lowercase().as_str() {
        "hello" | "hi" => "Hello! How can I help you?",
        "bye" | "goodbye" => "Goodbye!",
        _ => "I received your message.",
    }
}

async fn chat(ctx: Context) -> HandlerResult {
    let me = ctx.client().key().map(|k| k.id().to_string());
    // The client writes the odd sequences, this executor the even ones.
    let options = WriterOptions {
        first_sequence: 2,
        step: 2,
        ..WriterOptions::default()
    };
    let replies = ctx.channel_with("chat", options)?;
    let mut incoming = ctx.client().subscribe_channel(ctx.processid(), "chat")?;
    while let Some(entry) = incoming.next().await {
        let entry = entry?;
        if Some(&entry.senderid) == me.as_ref() || entry.kind.is_terminal() {
            continue; // our own answers come back too
        }
        let message = String::from_utf8_lossy(&entry.payload).into_owned();
        println!("executor: got #{} {message:?}", entry.sequence);
        replies.reply(entry.sequence, answer(&message)).await?;
        if message.eq_ignore_ascii_case("bye") {
            break;
        }
    }
    Ok(Value::Null)
}

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env()?;
    Executor::builder(settings.executor()?, &settings.colony)
        .function("chat", chat)
        .max_processes(1)
        .run(shutdown_signal())
        .await?;
    Ok(())
}
