//! Server streams (channel entries, process events, assignments) as async iterators.
//!
//! A `Subscription` owns a core stream (behind an async mutex, so that one `next` runs at a
//! time) and a [`Closer`] that closes it without that lock: `close()` ends a pending
//! `__anext__` at once. `async for` iterates through a small guard object: when the loop is left
//! early (`break`, an exception, the task being cancelled) the guard is released and closes the
//! subscription, so the socket closes at once, as in Node (`return()`) and Rust (drop).
//!
//! The Python classes `ChannelSubscription` and `ProcessSubscription` extend `Subscription`,
//! which works the same for any item type.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use colonykit::{ChannelStream, Closer, Process, Subscription};
use pyo3::prelude::*;
use pyo3::types::PyString;
use tokio::sync::Mutex;

use crate::runtime::{awaitable, ready, Next, ToPython};

/// What the Python object and its pending `next` calls share.
struct Shared<T> {
    stream: Mutex<Subscription<T>>,
    closer: Closer,
    /// Set when the stream was closed or has ended.
    done: AtomicBool,
}

/// A stream whose item type is erased: what the Python classes hold.
trait Source: Send + Sync {
    /// A coroutine for the next item; at the end `StopAsyncIteration` if `stop`, else None.
    fn next<'py>(self: Arc<Self>, py: Python<'py>, stop: bool) -> PyResult<Bound<'py, PyAny>>;
    fn close(&self);
    fn done(&self) -> bool;
}

impl<T: ToPython + Unpin> Source for Shared<T> {
    fn next<'py>(self: Arc<Self>, py: Python<'py>, stop: bool) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, async move {
            let item = self.stream.lock().await.next_item().await;
            let item = match item {
                Some(Ok(item)) => Some(item),
                Some(Err(error)) => {
                    self.done.store(true, Ordering::SeqCst);
                    return Err(error);
                }
                None => {
                    self.done.store(true, Ordering::SeqCst);
                    None
                }
            };
            Ok(NextOrNone { item, stop })
        })
    }

    fn close(&self) {
        self.done.store(true, Ordering::SeqCst);
        self.closer.close();
    }

    fn done(&self) -> bool {
        self.done.load(Ordering::SeqCst)
    }
}

/// `None` at the end of the stream, or `StopAsyncIteration` for `__anext__`.
struct NextOrNone<T> {
    item: Option<T>,
    stop: bool,
}

impl<T: ToPython> ToPython for NextOrNone<T> {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        if self.stop {
            Next(self.item).to_python(py)
        } else {
            self.item.to_python(py)
        }
    }
}

/// A stream from the server, as an async iterator.
///
/// ``async for item in subscription`` yields the items as they come. Leaving the loop early
/// (``break``, an exception, cancellation) closes the subscription. Use it as ``async with`` to
/// close it on exit, or call ``close()``; ``await sub.next()`` reads one item (``None`` at the
/// end) without closing anything.
#[pyclass(frozen, subclass, module = "colonykit", name = "Subscription")]
pub struct PySubscription {
    source: Arc<dyn Source>,
}

impl PySubscription {
    fn new<T: ToPython + Unpin>(stream: Subscription<T>) -> Self {
        let closer = stream.closer();
        PySubscription {
            source: Arc::new(Shared {
                stream: Mutex::new(stream),
                closer,
                done: AtomicBool::new(false),
            }),
        }
    }
}

#[pymethods]
impl PySubscription {
    /// An iterator for ``async for``; leaving the loop early closes the subscription.
    fn __aiter__(slf: Py<Self>) -> Iteration {
        Iteration { subscription: slf }
    }

    /// The next item; raises ``StopAsyncIteration`` when the stream has ended.
    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Arc::clone(&self.source).next(py, true)
    }

    /// The next item, or ``None`` when the stream has ended.
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Arc::clone(&self.source).next(py, false)
    }

    /// Closes the subscription now: its socket closes, a pending ``next`` ends the iteration.
    fn close(&self) {
        self.source.close();
    }

    /// Closes the subscription (awaitable form, for ``contextlib.aclosing``).
    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.source.close();
        ready(py, py.None().into_bound(py))
    }

    /// Whether the subscription was closed or has ended.
    #[getter]
    fn closed(&self) -> bool {
        self.source.done()
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
        self.source.close();
        ready(py, py.None().into_bound(py))
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        Ok(format!(
            "{}(closed={})",
            slf.get_type().name()?,
            python_bool(slf.get().closed())
        ))
    }
}

fn python_bool(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}

impl Drop for PySubscription {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// The iterator behind ``async for``: closes its subscription when released.
#[pyclass(frozen, module = "colonykit._native", name = "_Iteration")]
pub struct Iteration {
    subscription: Py<PySubscription>,
}

#[pymethods]
impl Iteration {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.subscription.get().__anext__(py)
    }
}

impl Drop for Iteration {
    fn drop(&mut self) {
        self.subscription.get().source.close();
    }
}

/// The entries of a channel, as an async iterator (see ``Subscription``).
///
/// ``async for entry in client.subscribe_channel(pid, "progress")`` yields the backlog, then
/// live entries; it ends after an ``end`` or ``error`` entry.
#[pyclass(frozen, extends = PySubscription, module = "colonykit", name = "ChannelSubscription")]
pub struct PyChannelSubscription {
    /// The process whose channel this is.
    #[pyo3(get)]
    processid: String,
    /// The channel's name.
    #[pyo3(get)]
    channel: String,
}

impl PyChannelSubscription {
    pub fn new(
        py: Python<'_>,
        stream: ChannelStream,
        processid: String,
        channel: String,
    ) -> PyResult<Bound<'_, Self>> {
        let init = PyClassInitializer::from(PySubscription::new(stream))
            .add_subclass(PyChannelSubscription { processid, channel });
        Bound::new(py, init)
    }
}

#[pymethods]
impl PyChannelSubscription {
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let this = slf.get();
        Ok(format!(
            "ChannelSubscription(processid={}, channel={}, closed={})",
            PyString::new(py, &this.processid).repr()?,
            PyString::new(py, &this.channel).repr()?,
            python_bool(slf.as_super().get().closed()),
        ))
    }
}

/// Processes, as an async iterator (see ``Subscription``): the events of
/// ``subscribe_processes``, or the work of ``assignments``.
#[pyclass(frozen, extends = PySubscription, module = "colonykit", name = "ProcessSubscription")]
pub struct PyProcessSubscription {}

impl PyProcessSubscription {
    pub fn new(py: Python<'_>, stream: Subscription<Process>) -> PyResult<Bound<'_, Self>> {
        let init = PyClassInitializer::from(PySubscription::new(stream))
            .add_subclass(PyProcessSubscription {});
        Bound::new(py, init)
    }
}
