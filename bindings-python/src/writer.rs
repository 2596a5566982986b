//! `colonykit.ChannelWriter`: the core's ordered, pipelined channel writer.

use std::sync::Arc;

use colonykit::{ChannelWriter, WriterStats};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use tokio::sync::Mutex;

use crate::convert::payload;
use crate::runtime::{awaitable, ready, ToPython};

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

/// A new writer, as the result of `Client.channel_writer`.
pub struct NewWriter {
    pub writer: ChannelWriter,
    pub processid: String,
    pub channel: String,
}

impl ToPython for NewWriter {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let writer = PyWriter {
            slot: Arc::new(Mutex::new(Some(self.writer))),
            processid: self.processid,
            channel: self.channel,
        };
        Ok(Bound::new(py, writer)?.into_any())
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

impl PyWriter {
    fn ending<'py>(&self, py: Python<'py>, how: Ending) -> PyResult<Bound<'py, PyAny>> {
        let slot = Arc::clone(&self.slot);
        awaitable(py, async move {
            let writer = slot.lock().await.take().ok_or_else(finished)?;
            match how {
                Ending::End => writer.end().await,
                Ending::Error(message) => writer.error(message).await,
                Ending::Finish => writer.finish().await,
            }
        })
    }
}

#[pymethods]
impl PyWriter {
    /// Queues a ``data`` entry (bytes, or str as UTF-8); returns its sequence.
    fn send<'py>(
        &self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let payload = crate::convert::payload(payload)?;
        let slot = Arc::clone(&self.slot);
        awaitable(py, async move {
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
        awaitable(py, async move {
            let mut guard = slot.lock().await;
            let writer = guard.as_mut().ok_or_else(finished)?;
            writer.reply(inreplyto, payload).await
        })
    }

    /// Sends ``end``, waits until every entry is written; returns ``WriterStats``.
    fn end<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.ending(py, Ending::End)
    }

    /// Sends an ``error`` entry with ``message``, waits until every entry is written.
    fn error<'py>(
        &self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let message = payload(message)?;
        self.ending(py, Ending::Error(message))
    }

    /// Waits until every queued entry is written (without sending ``end``).
    fn finish<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.ending(py, Ending::Finish)
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

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ChannelWriter(processid={}, channel={}, finished={})",
            PyString::new(py, &self.processid).repr()?,
            PyString::new(py, &self.channel).repr()?,
            if self.finished() { "True" } else { "False" },
        ))
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
