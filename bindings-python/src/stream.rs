//! Server streams (channel entries, process events, assignments) as async iterators (for
//! `Client`) and as plain iterators (for `SyncClient`), with the same contract.
//!
//! A `Subscription` owns a core stream (behind an async mutex, so that one `next` runs at a
//! time) and a [`Closer`] that closes it without that lock: `close()` ends a pending
//! `__anext__` at once. `async for` iterates through a small guard object: when the loop is left
//! early (`break`, an exception, the task being cancelled) the guard is released and closes the
//! subscription, so the socket closes at once, as in Node (`return()`) and Rust (drop).
//!
//! The Python classes `ChannelSubscription` and `ProcessSubscription` extend `Subscription`,
//! which works the same for any item type; `SyncChannelSubscription` and
//! `SyncProcessSubscription` extend `SyncSubscription` the same way, and the methods the two
//! families share are written once (`twins!`). `for` iterates through the same guard object as
//! `async for`, so `break` closes a blocking subscription too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use colonykit::{ChannelStream, Closer, Process, Subscription};
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use tokio::sync::Mutex;

use crate::blocking::{twins, Async, Blocking, Mode};
use crate::outcome::{Next, ToPython};
use crate::runtime::ready;

/// What the Python object and its pending `next` calls share.
struct Shared<T> {
    stream: Mutex<Subscription<T>>,
    closer: Closer,
    /// Set when the stream was closed or has ended.
    done: AtomicBool,
}

/// What the next item is when the stream has ended.
#[derive(Clone, Copy)]
enum AtEnd {
    /// None (`next()`).
    None,
    /// `StopAsyncIteration` (`__anext__`).
    StopAsync,
    /// `StopIteration` (`__next__`).
    Stop,
}

/// A stream whose item type is erased: what the Python classes hold.
trait Source: Send + Sync {
    /// The next item: a coroutine for it, or (`blocking`) the item itself.
    fn next<'py>(
        self: Arc<Self>,
        py: Python<'py>,
        blocking: bool,
        at_end: AtEnd,
    ) -> PyResult<Bound<'py, PyAny>>;
    fn close(&self);
    fn done(&self) -> bool;
}

impl<T: ToPython + Unpin> Source for Shared<T> {
    fn next<'py>(
        self: Arc<Self>,
        py: Python<'py>,
        blocking: bool,
        at_end: AtEnd,
    ) -> PyResult<Bound<'py, PyAny>> {
        let next = async move {
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
            Ok(NextOrNone { item, at_end })
        };
        if blocking {
            Blocking::call(py, next)
        } else {
            Async::call(py, next)
        }
    }

    fn close(&self) {
        self.done.store(true, Ordering::SeqCst);
        self.closer.close();
    }

    fn done(&self) -> bool {
        self.done.load(Ordering::SeqCst)
    }
}

/// The item, or at the end of the stream what `at_end` says.
struct NextOrNone<T> {
    item: Option<T>,
    at_end: AtEnd,
}

impl<T: ToPython> ToPython for NextOrNone<T> {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        match (self.item, self.at_end) {
            (None, AtEnd::Stop) => Err(PyStopIteration::new_err(())),
            (item, AtEnd::StopAsync) => Next(item).to_python(py),
            (item, _) => item.to_python(py),
        }
    }
}

/// A new stream's shared part.
fn source<T: ToPython + Unpin>(stream: Subscription<T>) -> Arc<dyn Source> {
    let closer = stream.closer();
    Arc::new(Shared {
        stream: Mutex::new(stream),
        closer,
        done: AtomicBool::new(false),
    })
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
        PySubscription {
            source: source(stream),
        }
    }
}

/// A stream from the server, as an iterator (what ``SyncClient`` returns).
///
/// ``for item in subscription`` yields the items as they come, each call waiting with the GIL
/// released. Leaving the loop early (``break``, an exception) closes the subscription. Use it as
/// ``with`` to close it on exit, or call ``close()``; ``sub.next()`` reads one item (``None`` at
/// the end) without closing anything.
#[pyclass(frozen, subclass, module = "colonykit", name = "SyncSubscription")]
pub struct PySyncSubscription {
    source: Arc<dyn Source>,
}

impl PySyncSubscription {
    fn new<T: ToPython + Unpin>(stream: Subscription<T>) -> Self {
        PySyncSubscription {
            source: source(stream),
        }
    }
}

#[pymethods]
impl PySubscription {
    /// An iterator for ``async for``; leaving the loop early closes the subscription.
    fn __aiter__(slf: &Bound<'_, Self>) -> Iteration {
        Iteration {
            source: Arc::clone(&slf.get().source),
            blocking: false,
            _subscription: slf.clone().into_any().unbind(),
        }
    }

    /// The next item; raises ``StopAsyncIteration`` when the stream has ended.
    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Arc::clone(&self.source).next(py, false, AtEnd::StopAsync)
    }

    /// Closes the subscription (awaitable form, for ``contextlib.aclosing``).
    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.source.close();
        ready(py, py.None().into_bound(py))
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        ready(slf.py(), slf.clone().into_any())
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.source.close();
        ready(py, py.None().into_bound(py))
    }
}

#[pymethods]
impl PySyncSubscription {
    /// An iterator for ``for``; leaving the loop early closes the subscription.
    fn __iter__(slf: &Bound<'_, Self>) -> Iteration {
        Iteration {
            source: Arc::clone(&slf.get().source),
            blocking: true,
            _subscription: slf.clone().into_any().unbind(),
        }
    }

    /// The next item (waiting for it); raises ``StopIteration`` when the stream has ended.
    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Arc::clone(&self.source).next(py, true, AtEnd::Stop)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) {
        self.source.close();
    }
}

twins! {
impl PySubscription, PySyncSubscription {
    /// The next item, or ``None`` when the stream has ended.
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Arc::clone(&self.source).next(py, Run::BLOCKING, AtEnd::None)
    }

    /// Closes the subscription now: its socket closes, a pending ``next`` ends the iteration.
    fn close(&self) {
        self.source.close();
    }

    /// Whether the subscription was closed or has ended.
    #[getter]
    fn closed(&self) -> bool {
        self.source.done()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        Ok(format!(
            "{}(closed={})",
            slf.get_type().name()?,
            python_bool(slf.get().source.done())
        ))
    }
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

impl Drop for PySyncSubscription {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// The iterator behind ``async for`` and ``for``: closes its subscription when released.
#[pyclass(frozen, module = "colonykit._native", name = "_Iteration")]
pub struct Iteration {
    source: Arc<dyn Source>,
    blocking: bool,
    /// Kept alive while iterating (releasing it would close the stream).
    _subscription: Py<PyAny>,
}

#[pymethods]
impl Iteration {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Arc::clone(&self.source).next(py, false, AtEnd::StopAsync)
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Arc::clone(&self.source).next(py, self.blocking, AtEnd::Stop)
    }
}

impl Drop for Iteration {
    fn drop(&mut self) {
        self.source.close();
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

/// The entries of a channel, as an iterator (see ``SyncSubscription``).
///
/// ``for entry in client.subscribe_channel(pid, "progress")`` yields the backlog, then live
/// entries; it ends after an ``end`` or ``error`` entry.
#[pyclass(frozen, extends = PySyncSubscription, module = "colonykit", name = "SyncChannelSubscription")]
pub struct PySyncChannelSubscription {
    /// The process whose channel this is.
    #[pyo3(get)]
    processid: String,
    /// The channel's name.
    #[pyo3(get)]
    channel: String,
}

/// A channel's stream as a `ChannelSubscription`, or (if `blocking`) a `SyncChannelSubscription`.
pub fn channel_subscription(
    py: Python<'_>,
    blocking: bool,
    stream: ChannelStream,
    processid: String,
    channel: String,
) -> PyResult<Bound<'_, PyAny>> {
    if blocking {
        let init = PyClassInitializer::from(PySyncSubscription::new(stream))
            .add_subclass(PySyncChannelSubscription { processid, channel });
        Ok(Bound::new(py, init)?.into_any())
    } else {
        let init = PyClassInitializer::from(PySubscription::new(stream))
            .add_subclass(PyChannelSubscription { processid, channel });
        Ok(Bound::new(py, init)?.into_any())
    }
}

twins! {
impl PyChannelSubscription, PySyncChannelSubscription {
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let this = slf.get();
        Ok(format!(
            "{}(processid={}, channel={}, closed={})",
            slf.get_type().name()?,
            PyString::new(py, &this.processid).repr()?,
            PyString::new(py, &this.channel).repr()?,
            python_bool(slf.as_super().get().closed()),
        ))
    }
}
}

/// Processes, as an async iterator (see ``Subscription``): the events of
/// ``subscribe_processes``, or the work of ``assignments``.
#[pyclass(frozen, extends = PySubscription, module = "colonykit", name = "ProcessSubscription")]
pub struct PyProcessSubscription {}

/// Processes, as an iterator (see ``SyncSubscription``): the events of
/// ``subscribe_processes``, or the work of ``assignments``.
#[pyclass(frozen, extends = PySyncSubscription, module = "colonykit", name = "SyncProcessSubscription")]
pub struct PySyncProcessSubscription {}

/// A process stream as a `ProcessSubscription`, or (if `blocking`) a `SyncProcessSubscription`.
pub fn process_subscription(
    py: Python<'_>,
    blocking: bool,
    stream: Subscription<Process>,
) -> PyResult<Bound<'_, PyAny>> {
    if blocking {
        let init = PyClassInitializer::from(PySyncSubscription::new(stream))
            .add_subclass(PySyncProcessSubscription {});
        Ok(Bound::new(py, init)?.into_any())
    } else {
        let init = PyClassInitializer::from(PySubscription::new(stream))
            .add_subclass(PyProcessSubscription {});
        Ok(Bound::new(py, init)?.into_any())
    }
}
