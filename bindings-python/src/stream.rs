//! Channel subscriptions as async iterators.
//!
//! A `ChannelSubscription` owns the core stream (behind an async mutex, so that one `next` runs
//! at a time) and a [`Closer`] that closes it without that lock: `close()` ends a pending
//! `__anext__` at once. `async for` iterates through a small guard object: when the loop is left
//! early (`break`, an exception, the task being cancelled) the guard is released and closes the
//! subscription, so the socket closes at once, as in Node (`return()`) and Rust (drop).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use colonykit::{ChannelEntry, ChannelStream, Closer};
use pyo3::prelude::*;
use pyo3::types::PyString;
use tokio::sync::Mutex;

use crate::runtime::{awaitable, ready, Next, ToPython};

/// What the Python object and its pending `next` calls share.
struct Shared {
    stream: Mutex<ChannelStream>,
    closer: Closer,
    /// Set when the stream was closed or has ended.
    done: AtomicBool,
}

impl Shared {
    fn close(&self) {
        self.done.store(true, Ordering::SeqCst);
        self.closer.close();
    }
}

/// The entries of a channel, as an async iterator.
///
/// ``async for entry in client.subscribe_channel(pid, "progress")`` yields the backlog, then
/// live entries; it ends after an ``end`` or ``error`` entry. Leaving the loop early (``break``,
/// an exception, cancellation) closes the subscription. Use it as ``async with`` to close it on
/// exit, or call ``close()``; ``await sub.next()`` reads one entry (``None`` at the end) without
/// closing anything.
#[pyclass(frozen, module = "colonykit", name = "ChannelSubscription")]
pub struct PySubscription {
    shared: Arc<Shared>,
    processid: String,
    channel: String,
}

impl PySubscription {
    pub fn new(stream: ChannelStream, processid: String, channel: String) -> Self {
        let closer = stream.closer();
        PySubscription {
            shared: Arc::new(Shared {
                stream: Mutex::new(stream),
                closer,
                done: AtomicBool::new(false),
            }),
            processid,
            channel,
        }
    }

    fn next_entry<'py>(&self, py: Python<'py>, stop: bool) -> PyResult<Bound<'py, PyAny>> {
        let shared = Arc::clone(&self.shared);
        awaitable(py, async move {
            let item = shared.stream.lock().await.next_item().await;
            let entry = match item {
                Some(Ok(entry)) => Some(entry),
                Some(Err(error)) => {
                    shared.done.store(true, Ordering::SeqCst);
                    return Err(error);
                }
                None => {
                    shared.done.store(true, Ordering::SeqCst);
                    None
                }
            };
            Ok(NextOrNone { entry, stop })
        })
    }
}

/// `None` at the end of the stream, or `StopAsyncIteration` for `__anext__`.
struct NextOrNone {
    entry: Option<ChannelEntry>,
    stop: bool,
}

impl ToPython for NextOrNone {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        if self.stop {
            Next(self.entry).to_python(py)
        } else {
            self.entry.to_python(py)
        }
    }
}

#[pymethods]
impl PySubscription {
    /// An iterator for ``async for``; leaving the loop early closes the subscription.
    fn __aiter__(slf: Py<Self>) -> Iteration {
        Iteration { subscription: slf }
    }

    /// The next entry; raises ``StopAsyncIteration`` when the stream has ended.
    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.next_entry(py, true)
    }

    /// The next entry, or ``None`` when the stream has ended.
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.next_entry(py, false)
    }

    /// Closes the subscription now: its socket closes, a pending ``next`` ends the iteration.
    fn close(&self) {
        self.shared.close();
    }

    /// Closes the subscription (awaitable form, for ``contextlib.aclosing``).
    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.shared.close();
        ready(py, py.None().into_bound(py))
    }

    /// Whether the subscription was closed or has ended.
    #[getter]
    fn closed(&self) -> bool {
        self.shared.done.load(Ordering::SeqCst)
    }

    /// The process whose channel this is.
    #[getter]
    fn processid(&self) -> &str {
        &self.processid
    }

    /// The channel's name.
    #[getter]
    fn channel(&self) -> &str {
        &self.channel
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        ready(slf.py(), slf.clone().into_any())
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.shared.close();
        ready(py, py.None().into_bound(py))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ChannelSubscription(processid={}, channel={}, closed={})",
            PyString::new(py, &self.processid).repr()?,
            PyString::new(py, &self.channel).repr()?,
            if self.closed() { "True" } else { "False" },
        ))
    }
}

impl Drop for PySubscription {
    fn drop(&mut self) {
        self.shared.close();
    }
}

/// The iterator behind ``async for``: closes its subscription when released.
#[pyclass(frozen, module = "colonykit._native", name = "_ChannelIteration")]
pub struct Iteration {
    subscription: Py<PySubscription>,
}

#[pymethods]
impl Iteration {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.subscription.get().next_entry(py, true)
    }
}

impl Drop for Iteration {
    fn drop(&mut self) {
        self.subscription.get().shared.close();
    }
}
