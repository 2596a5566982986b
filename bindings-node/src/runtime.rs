//! The tokio runtime the addon's futures run on.

use std::sync::OnceLock;

use napi::bindgen_prelude::create_custom_tokio_runtime;
use tokio::runtime::Handle;

static HANDLE: OnceLock<Handle> = OnceLock::new();

/// The runtime's handle, for starting calls on the JS thread (`colonykit::inline`); `None` when
/// the runtime could not be built and napi's default one runs the futures.
pub fn handle() -> Option<&'static Handle> {
    HANDLE.get()
}

/// One worker thread does all the I/O: the work per call is small, and a second worker would
/// only add hand-overs between threads. Installed when the addon loads, before any future runs;
/// should building it fail, napi's default runtime is used instead.
#[napi_derive::module_init]
fn init() {
    crate::logging::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("colonykit")
        .enable_all()
        .build();
    if let Ok(runtime) = runtime {
        let _ = HANDLE.set(runtime.handle().clone());
        create_custom_tokio_runtime(runtime);
    }
}
