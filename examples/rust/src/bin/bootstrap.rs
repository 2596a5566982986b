//! Creates a colony with fresh keys, an approved executor and a user, and writes their settings
//! (for every example, in any language) to the file named by the first argument
//! (default `examples/run/colony.env`).
//!
//! Needs `COLONIES_SERVER_PRVKEY` (the server owner's key) and the server address variables,
//! as `tests/server/up` writes them to `tests/server/run/server.env`.

use colonykit::{Client, Executor, PrivateKey, User};
use colonykit_examples::Result;

#[tokio::main]
async fn main() -> Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/run/colony.env".into());
    let server_key = std::env::var("COLONIES_SERVER_PRVKEY")
        .map_err(|_| "COLONIES_SERVER_PRVKEY is not set (source tests/server/run/server.env)")?;
    let server = Client::from_env()?.with_key(PrivateKey::from_hex(&server_key)?);

    let colony_key = PrivateKey::generate();
    let executor_key = PrivateKey::generate();
    let user_key = PrivateKey::generate();
    let suffix = colony_key.id()[..8].to_string();
    let colony = format!("demo-{suffix}");
    let executor_type = "colonykit-demo";
    let executor_name = format!("demo-executor-{suffix}");

    server.add_colony(colony_key.id(), &colony).await?;
    let owner = server.with_key(colony_key.clone());
    owner
        .add_executor(&Executor::new(
            executor_key.id(),
            executor_type,
            &executor_name,
            &colony,
        ))
        .await?;
    owner.approve_executor(&colony, &executor_name).await?;
    owner
        .add_user(&User {
            colonyname: colony.clone(),
            userid: user_key.id().into(),
            name: format!("demo-user-{suffix}"),
            ..User::default()
        })
        .await?;

    let mut settings = vec![
        (
            "COLONIES_SERVER_HOST",
            std::env::var("COLONIES_SERVER_HOST").unwrap_or_else(|_| "localhost".into()),
        ),
        (
            "COLONIES_SERVER_PORT",
            std::env::var("COLONIES_SERVER_PORT").unwrap_or_else(|_| "50080".into()),
        ),
        (
            "COLONIES_TLS",
            std::env::var("COLONIES_TLS").unwrap_or_else(|_| "false".into()),
        ),
        ("COLONIES_COLONY_NAME", colony.clone()),
        ("COLONIES_COLONY_PRVKEY", colony_key.to_hex()),
        ("COLONIES_EXECUTOR_TYPE", executor_type.into()),
        ("COLONIES_EXECUTOR_NAME", executor_name),
        ("COLONIES_EXECUTOR_PRVKEY", executor_key.to_hex()),
        ("COLONIES_USER_PRVKEY", user_key.to_hex()),
    ];
    // A TLS server's private CA, for the examples' from_env.
    if let Ok(ca) = std::env::var("COLONIES_CA_FILE") {
        settings.push(("COLONIES_CA_FILE", ca));
    }
    let text: String = settings.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    if let Some(dir) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, text)?;
    println!("colony {colony} ready; settings in {out}");
    Ok(())
}
