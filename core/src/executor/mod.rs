//! The executor's side.
//!
//! [`Runtime`] is the one executor runtime: it registers the executor and its functions,
//! long-polls `assign` (at most `concurrency` processes at once, with backoff while the server
//! fails), and hands out each process as a [`Task`] with a [`Context`]; finishing the task
//! closes or fails the process after winding up its channel writers. [`Executor`] is the Rust
//! face on it: async handlers by function name. The Python and Node faces are built on the
//! same [`Runtime`].
//!
//! ```no_run
//! use colonykit::executor::{Context, Executor, HandlerResult};
//! use serde_json::json;
//!
//! async fn echo(ctx: Context) -> HandlerResult {
//!     Ok(json!(ctx.args()))
//! }
//!
//! # async fn demo() -> colonykit::Result<()> {
//! let client = colonykit::Client::from_env()?;
//! Executor::builder(client, "dev")
//!     .function("echo", echo)
//!     .concurrency(4)
//!     .run(std::future::pending::<()>()) // e.g. tokio::signal::ctrl_c()
//!     .await
//! # }
//! ```

mod assignments;
mod backoff;
mod framework;
mod runtime;
mod task;

pub use framework::{Executor, ExecutorBuilder, HandlerError, HandlerResult, IntoOutput, Output};
pub use runtime::{FunctionDecl, Runtime, RuntimeOptions};
pub use task::{CancelReason, Channel, Context, Task, SHUTTING_DOWN};
