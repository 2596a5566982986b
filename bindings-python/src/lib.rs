//! colonykit's Python bindings: the native module `colonykit._native`.
//!
//! The binding only converts: Python values to core types and back, core errors to
//! `colonykit` exceptions, core futures to asyncio awaitables. Everything the protocol needs
//! lives in the core crate `colonykit`. The pure-Python package around this module adds the
//! exception classes, the state enums and the coroutine wrapper of the async methods.
//!
//! The modules form three layers; each imports only from the layers below it (checked by
//! `core/tests/structure.rs`):
//! 1. conversions: `errors`, `convert`, `fields` (one value at a time), `runtime` (futures),
//!    `blocking` (a future as an awaitable or a blocking call; methods written once for both);
//! 2. records: `records`, `types` (the Python classes of the core's data types);
//! 3. client and streams: `client` (constructors and hand-written methods), `api` (the methods
//!    generated from the core's table of operations), `stream`, `writer`.

use colonykit::PrivateKey;
use pyo3::prelude::*;

mod api;
mod blocking;
mod client;
mod convert;
mod errors;
mod executor;
mod fields;
mod inbox;
mod outcome;
mod records;
mod runtime;
mod stream;
mod types;
mod writer;

/// A new random private key, as 64 hex characters. Keep it secret.
#[pyfunction]
fn generate_key(py: Python<'_>) -> PyResult<String> {
    errors::guard(py, || Ok(PrivateKey::generate().to_hex()))
}

/// The ID of a private key (how the server names whoever signs with it).
#[pyfunction]
fn key_id(prvkey: &Bound<'_, PyAny>) -> PyResult<String> {
    let key = convert::private_key(prvkey, "prvkey")?;
    Ok(key.id().to_string())
}

/// Test hook: panics (in a coroutine if `in_coroutine`), to show that a Rust panic reaches
/// Python as `colonykit.ColonyError` of kind "Internal", never as `PanicException`.
#[pyfunction]
fn _panic(py: Python<'_>, in_coroutine: bool) -> PyResult<Bound<'_, PyAny>> {
    if in_coroutine {
        runtime::awaitable(py, async {
            if true {
                panic!("test panic in a coroutine");
            }
            Ok(())
        })
    } else {
        errors::guard(py, || panic!("test panic in a call"))
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The core's log lines go to Python's `logging`, under the logger `colonykit` (e.g.
    // `colonykit.channel`). Levels are asked each time, so `setLevel` works at any moment; the
    // lines are rare (reconnects, resumes, give-ups). Another module may own the `log` crate's
    // logger already: then the lines go there.
    let _ = pyo3_log::Logger::new(m.py(), pyo3_log::Caching::Loggers)?.install();
    m.add_class::<client::PyClient>()?;
    m.add_class::<client::PySyncClient>()?;
    m.add_class::<stream::PySubscription>()?;
    m.add_class::<stream::PyChannelSubscription>()?;
    m.add_class::<stream::PyProcessSubscription>()?;
    m.add_class::<stream::PySyncSubscription>()?;
    m.add_class::<stream::PySyncChannelSubscription>()?;
    m.add_class::<stream::PySyncProcessSubscription>()?;
    m.add_class::<types::PyFunctionSpec>()?;
    m.add_class::<types::PyProcess>()?;
    m.add_class::<types::PyChannelEntry>()?;
    m.add_class::<types::PyColony>()?;
    m.add_class::<types::PyUser>()?;
    m.add_class::<types::PyExecutor>()?;
    m.add_class::<types::PyServerVersion>()?;
    records::register(m)?;
    executor::register(m)?;
    m.add_class::<writer::PyWriter>()?;
    m.add_class::<writer::PySyncWriter>()?;
    m.add_class::<writer::PyWriterStats>()?;
    m.add_class::<runtime::Start>()?;
    m.add_class::<inbox::Inbox>()?;
    m.add_class::<stream::Iteration>()?;
    m.add_function(wrap_pyfunction!(generate_key, m)?)?;
    m.add_function(wrap_pyfunction!(key_id, m)?)?;
    m.add_function(wrap_pyfunction!(_panic, m)?)?;
    m.add("ACK", pyo3::types::PyBytes::new(m.py(), colonykit::ACK))?;
    Ok(())
}
