//! `colonykit.ChannelWriter`: the core's ordered, pipelined channel writer, and its blocking twin
//! `colonykit.SyncChannelWriter` (made by `SyncClient.channel_writer`); the methods they share
//! are written once (`twins!`).

use std::sync::Arc;

use colonykit::{ChannelWriter, WriterStats};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use tokio::sync::Mutex;

use crate::blocking::{twins, Blocking, Mode};
use crate::convert::payload;
use crate::outcome::ToPython;
use crate::runtime::{awaitable, ready};

/// What the writer methods share: the core writer until it is finished.
type Slot = Arc<Mutex<Option<ChannelWriter>>>;

/// Appends entries to one channel, in order, several in flight; made by
/// ``await client.channel_writer(processid, channel)``.
///
/// It numbers the entries itself (``first_sequence``, then ``+ step``) and rides out the
/// server's rate limit (the caller sees no ``RateLimitedError``). ``send`` and ``reply`` return
/// the entry's sequence as soon as it is queued; ``end``, ``error`` and ``finish`` wait until
/// every entry is written and return ``WriterStats``. ``async with writer:`` finishes it on exit.
#[pyclass(frozen, module = "colonykit", name = "ChannelWriter")]
pub struct PyWriter {
    slot: Slot,
    processid: String,
    channel: String,
}

/// Appends entries to one channel, in order, several in flight; made by
/// ``client.channel_writer(processid, channel)`` of a ``SyncClient``.
///
/// The same as ``ChannelWriter``, with methods that wait for their result; ``with writer:``
/// finishes it on exit.
#[pyclass(frozen, module = "colonykit", name = "SyncChannelWriter")]
pub struct PySyncWriter {
    slot: Slot,
    processid: String,
    channel: String,
}

/// A new writer, as the result of `Client.channel_writer` (or, if `blocking`, of
/// `SyncClient.channel_writer`).
pub struct NewWriter {
    pub writer: ChannelWriter,
    pub processid: String,
    pub channel: String,
    pub blocking: bool,
}

impl ToPython for NewWriter {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let slot = Arc::new(Mutex::new(Some(self.writer)));
        let (processid, channel) = (self.processid, self.channel);
        if self.blocking {
            let writer = PySyncWriter {
                slot,
                processid,
                channel,
            };
            Ok(Bound::new(py, writer)?.into_any())
        } else {
            let writer = PyWriter {
                slot,
                processid,
                channel,
            };
            Ok(Bound::new(py, writer)?.into_any())
        }
    }
}

impl ToPython for i64 {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(self.into_pyobject(py)?.into_any())
    }
}

impl ToPython for WriterStats {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, PyWriterStats { inner: self })?.into_any())
    }
}

fn finished() -> colonykit::Error {
    colonykit::Error::new(
        colonykit::ErrorKind::InvalidArgument,
        "the writer is finished",
    )
}

/// How a writer is brought to an end.
enum Ending {
    End,
    Error(Vec<u8>),
    Finish,
}

/// Brings the writer in `slot` to an end, `how` says.
fn ending<'py, M: Mode>(py: Python<'py>, slot: &Slot, how: Ending) -> PyResult<Bound<'py, PyAny>> {
    let slot = Arc::clone(slot);
    M::call(py, async move {
        let writer = slot.lock().await.take().ok_or_else(finished)?;
        match how {
            Ending::End => writer.end().await,
            Ending::Error(message) => writer.error(message).await,
            Ending::Finish => writer.finish().await,
        }
    })
}

twins! {
impl PyWriter, PySyncWriter {
    /// Queues a ``data`` entry (bytes, or str as UTF-8); returns its sequence.
    fn send<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let payload = crate::convert::payload(payload)?;
        let slot = Arc::clone(&self.slot);
        Run::call(py, async move {
            let mut guard = slot.lock().await;
            let writer = guard.as_mut().ok_or_else(finished)?;
            writer.send(payload).await
        })
    }

    /// Queues a ``data`` entry answering the other party's entry ``inreplyto``; returns its
    /// sequence.
    fn reply<'py>(
        &self,
        py: Python<'py>,
        inreplyto: i64,
        payload: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let payload = crate::convert::payload(payload)?;
        let slot = Arc::clone(&self.slot);
        Run::call(py, async move {
            let mut guard = slot.lock().await;
            let writer = guard.as_mut().ok_or_else(finished)?;
            writer.reply(inreplyto, payload).await
        })
    }

    /// Sends ``end``, waits until every entry is written; returns ``WriterStats``.
    fn end<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ending::<Run>(py, &self.slot, Ending::End)
    }

    /// Sends an ``error`` entry with ``message``, waits until every entry is written.
    fn error<'py>(
        &self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let message = payload(message)?;
        ending::<Run>(py, &self.slot, Ending::Error(message))
    }

    /// Waits until every queued entry is written (without sending ``end``).
    fn finish<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ending::<Run>(py, &self.slot, Ending::Finish)
    }

    /// Whether ``end``, ``error`` or ``finish`` was called.
    #[getter]
    fn finished(&self) -> bool {
        match self.slot.try_lock() {
            Ok(guard) => guard.is_none(),
            // Busy with a send: not finished (an ending takes the writer out first).
            Err(_) => false,
        }
    }

    /// The process whose channel this writes.
    #[getter]
    fn processid(&self) -> &str {
        &self.processid
    }

    /// The channel's name.
    #[getter]
    fn channel(&self) -> &str {
        &self.channel
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let this = slf.get();
        Ok(format!(
            "{}(processid={}, channel={}, finished={})",
            slf.get_type().name()?,
            PyString::new(py, &this.processid).repr()?,
            PyString::new(py, &this.channel).repr()?,
            if this.finished() { "True" } else { "False" },
        ))
    }
}
}

#[pymethods]
impl PyWriter {
    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        ready(slf.py(), slf.clone().into_any())
    }

    /// Finishes the writer (if ``end``/``error``/``finish`` was not called) so that nothing
    /// queued is lost.
    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let slot = Arc::clone(&self.slot);
        awaitable(py, async move {
            let writer = slot.lock().await.take();
            match writer {
                Some(writer) => writer.finish().await.map(drop),
                None => Ok(()),
            }
        })
    }
}

#[pymethods]
impl PySyncWriter {
    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Finishes the writer (if ``end``/``error``/``finish`` was not called) so that nothing
    /// queued is lost.
    #[pyo3(signature = (*_exc))]
    fn __exit__<'py>(&self, py: Python<'py>, _exc: &Bound<'py, PyTuple>) -> PyResult<()> {
        let slot = Arc::clone(&self.slot);
        Blocking::call(py, async move {
            let writer = slot.lock().await.take();
            match writer {
                Some(writer) => writer.finish().await.map(drop),
                None => Ok(()),
            }
        })
        .map(drop)
    }
}

/// What a writer did: entries written, appends retried after the rate limit, and entries that
/// a later entry overtook (0 unless the other party appends heavily at the same time).
#[pyclass(frozen, module = "colonykit", name = "WriterStats")]
pub struct PyWriterStats {
    inner: WriterStats,
}

#[pymethods]
impl PyWriterStats {
    /// Entries the server accepted.
    #[getter]
    fn written(&self) -> u64 {
        self.inner.written
    }
    /// Appends that were rate-limited and sent again.
    #[getter]
    fn retried(&self) -> u64 {
        self.inner.retried
    }
    /// Entries that a later entry overtook.
    #[getter]
    fn reordered(&self) -> u64 {
        self.inner.reordered
    }
    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
    fn __repr__(&self) -> String {
        format!(
            "WriterStats(written={}, retried={}, reordered={})",
            self.inner.written, self.inner.retried, self.inner.reordered
        )
    }
}
