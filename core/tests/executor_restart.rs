//! The executor runtime rides out a server restart: it backs off while the server is away and
//! takes work again when it is back.
//!
//! The test restarts the server that `tests/server/up` started (`tests/server/restart`).

mod common;

use std::time::Duration;

use colonykit::executor::{Context, Executor, HandlerResult};
use colonykit::ProcessState;
use common::TestColony;
use serde_json::json;

async fn echo(ctx: Context) -> HandlerResult {
    Ok(json!(ctx.args()))
}

async fn final_state(colony: &TestColony, pid: &str) -> colonykit::Process {
    common::final_state(&colony.user, pid, Duration::from_secs(60)).await
}

#[tokio::test]
async fn the_loop_survives_a_server_restart() {
    let colony = TestColony::new().await;
    let mut spec = colony.spec("echo", &[]);
    spec.args = vec![json!("before")];
    let before = colony.user.submit(&spec).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(
        Executor::builder(colony.executor.clone(), &colony.name)
            .function("echo", echo)
            .poll(Duration::from_secs(1))
            .run(async move {
                let _ = stopped.await;
            }),
    );
    assert_eq!(
        final_state(&colony, &before.processid).await.state,
        ProcessState::Success
    );

    common::restart_server(false).await;
    spec.args = vec![json!("after")];
    let after = colony.user.submit(&spec).await.unwrap();
    let done = final_state(&colony, &after.processid).await;
    assert_eq!(done.state, ProcessState::Success, "{:?}", done.errors);
    assert_eq!(done.output, vec![json!(["after"])]);
    assert!(!run.is_finished(), "the executor kept running");
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
}
