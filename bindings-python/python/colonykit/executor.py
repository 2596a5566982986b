"""Executors as a framework: register functions, run them, stream from them, shut down cleanly.

>>> from colonykit import Client
>>> from colonykit.executor import Executor
>>> executor = Executor(Client.from_env(), "dev")
>>> @executor.function("echo")
... async def echo(ctx, *args, **kwargs):
...     await ctx.channel("progress").send("working")
...     return {"args": list(args), "kwargs": kwargs}
>>> # asyncio.run(executor.run())  # until SIGTERM / SIGINT

The runtime itself (registration, the assign loop, concurrency, backoff, cancellation checks,
deadlines, winding up channel writers, shutdown) is the Rust core's; this module only
dispatches to the handlers and maps cancellation to ``asyncio.CancelledError``.

A handler gets a ``Context`` first, then the process's ``args`` and ``kwargs``. Its return value
closes the process with output ``[value]`` (``[]`` for ``None``); an exception fails it with
``"Type: message"`` and writes the traceback to the process log. When the process is cancelled,
passes its deadline (``maxexectime``) or the executor shuts down past its grace period, an
``async def`` handler is cancelled (it sees ``asyncio.CancelledError``); a plain ``def`` handler
runs in a thread and can only check ``ctx.cancelled``.
"""

from __future__ import annotations

import asyncio
import inspect
import signal
import threading
import traceback
from collections.abc import Awaitable, Coroutine
from typing import Any, Callable, Optional, TypeVar, Union

from colonykit._native import Client, Process, _ExecutorRuntime, _ExecutorTask, _TaskChannel

__all__ = ["SHUTTING_DOWN", "Context", "Executor", "Output", "ProcessFailed"]

#: The error of processes failed because the executor shut down.
SHUTTING_DOWN = "executor shutting down"

T = TypeVar("T")
Handler = Callable[..., Union[Awaitable[Any], Any]]


class Output:
    """A handler's value that is the process's whole output list: ``return Output("a", 2)``
    closes with ``["a", 2]`` (a plain value ``v`` closes with ``[v]``)."""

    __slots__ = ("values",)

    def __init__(self, *values: Any):
        self.values = list(values)

    def __repr__(self) -> str:
        return f"Output({', '.join(map(repr, self.values))})"


class ProcessFailed(Exception):
    """Raise it to fail the process with exactly these errors (no ``Type:`` prefix)."""

    def __init__(self, *errors: str):
        super().__init__(*errors)
        self.errors = [str(error) for error in errors]


class Context:
    """What a handler gets: the process, its arguments, channels, log, deadline, cancellation."""

    __slots__ = ("_client", "_loop", "_task")

    def __init__(self, task: _ExecutorTask, loop: asyncio.AbstractEventLoop, client: Client):
        self._task = task
        self._loop = loop
        self._client = client

    @property
    def process(self) -> Process:
        return self._task.process

    @property
    def processid(self) -> str:
        return self._task.processid

    @property
    def funcname(self) -> str:
        return self._task.funcname

    @property
    def args(self) -> list:
        return self._task.args

    @property
    def kwargs(self) -> dict:
        return self._task.kwargs

    @property
    def client(self) -> Client:
        """A client signing as this executor."""
        return self._client

    @property
    def remaining(self) -> Optional[float]:
        """Seconds left until the deadline (``maxexectime``); None without one."""
        return self._task.remaining

    @property
    def cancelled(self) -> bool:
        """Whether the process was cancelled, passed its deadline, or the executor stopped."""
        return self._task.cancel_reason is not None

    @property
    def cancel_reason(self) -> Optional[str]:
        """``"cancelled"``, ``"deadline"``, ``"shutdown"``, or None."""
        return self._task.cancel_reason

    def channel(self, name: str, *, first_sequence: int = 1, step: int = 1) -> _TaskChannel:
        """The writer of a declared channel: ``await ctx.channel("progress").send(b"...")``.

        It opens on the first send and is ended by the runtime (``end`` when the handler
        returns, ``error`` when it raises) before the process is closed, so nothing is lost.
        """
        return self._task.channel(name, first_sequence, step)

    async def log(self, message: str) -> None:
        """Adds a line to the process log."""
        await self._task.log(message)

    def wait(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """From a plain ``def`` handler (a thread): runs one of the context's coroutines on the
        executor's loop and returns its result, e.g. ``ctx.wait(ctx.log("step 1"))``."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def __repr__(self) -> str:
        return f"Context(processid={self.processid!r}, funcname={self.funcname!r})"


class Executor:
    """An executor built from handlers: ``@executor.function("name")``, then ``await run()``.

    ``client`` signs as an executor of ``colony``; or it holds the colony key, and with
    ``executor_type`` (and optionally ``name``, ``location``) the executor registers an executor
    of its own, removed again when it stops. ``concurrency`` processes run at once (default
    1); ``grace`` is how long running handlers may take to finish at shutdown;
    ``max_processes`` stops it after that many processes (e.g. 1 for a one-shot executor).
    """

    def __init__(
        self,
        client: Client,
        colony: str,
        *,
        executor_type: str = "",
        name: str = "",
        location: str = "",
        concurrency: int = 1,
        poll: float = 5.0,
        check_interval: float = 1.0,
        grace: float = 10.0,
        max_processes: Optional[int] = None,
    ):
        self._client = client
        self._colony = colony
        self._options = dict(
            executortype=executor_type,
            executorname=name,
            location=location,
            concurrency=concurrency,
            poll=poll,
            check_interval=check_interval,
            max_processes=max_processes,
        )
        self._grace = grace
        self._functions: dict[str, tuple[Handler, Optional[str], float]] = {}
        self._runtime: Optional[_ExecutorRuntime] = None

    def function(
        self,
        name: Optional[str] = None,
        *,
        sync: Optional[str] = None,
        sync_timeout: float = 30.0,
    ) -> Callable[[Handler], Handler]:
        """Registers the decorated function for processes of ``funcname`` ``name`` (default:
        the function's own name). With ``sync="channel"`` a successful process is closed only
        after the other party acknowledges on that channel (the sync-ack handshake)."""

        def register(handler: Handler) -> Handler:
            funcname = name or handler.__name__
            if funcname in self._functions:
                raise ValueError(f"function {funcname!r} is registered twice")
            self._functions[funcname] = (handler, sync, sync_timeout)
            return handler

        return register

    @property
    def executor(self):
        """The executor it runs as (once running)."""
        return None if self._runtime is None else self._runtime.executor

    async def run(self, *, stop: Optional[asyncio.Event] = None, signals: bool = True) -> None:
        """Registers, then runs processes until SIGTERM/SIGINT (with ``signals``), until ``stop``
        is set, or until ``max_processes`` were run; then shuts down cleanly."""
        functions = [(name, sync, timeout) for name, (_, sync, timeout) in self._functions.items()]
        runtime = await _ExecutorRuntime.start(
            self._client, self._colony, functions, **self._options
        )
        self._runtime = runtime
        loop = asyncio.get_running_loop()
        client = runtime.client
        stopping = False

        def request_stop() -> None:
            nonlocal stopping
            stopping = True
            runtime.stop()

        installed = []
        if signals and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                try:
                    loop.add_signal_handler(signum, request_stop)
                    installed.append(signum)
                except (NotImplementedError, RuntimeError):
                    pass
        watch_stop = None
        if stop is not None:

            async def stop_when_set() -> None:
                await stop.wait()
                request_stop()

            watch_stop = asyncio.ensure_future(stop_when_set())
        running: set[asyncio.Task] = set()
        failure: Optional[BaseException] = None
        natural_end = False
        try:
            while True:
                try:
                    task = await runtime.next_task()
                except Exception as error:
                    failure = error
                    break
                if task is None:
                    natural_end = not stopping
                    break
                job = asyncio.ensure_future(self._run_task(task, loop, client))
                running.add(job)
                job.add_done_callback(running.discard)
            if natural_end and running:
                await asyncio.wait(set(running))
        finally:
            await asyncio.shield(runtime.shutdown(self._grace))
            if running:
                await asyncio.wait(set(running))
            if watch_stop is not None:
                watch_stop.cancel()
            for signum in installed:
                loop.remove_signal_handler(signum)
        if failure is not None:
            raise failure

    def run_forever(self) -> None:
        """Runs the executor on a new event loop until SIGTERM/SIGINT (blocking)."""
        asyncio.run(self.run())

    async def _run_task(
        self, task: _ExecutorTask, loop: asyncio.AbstractEventLoop, client: Client
    ) -> None:
        handler = self._functions[task.funcname][0]
        ctx = Context(task, loop, client)
        work = asyncio.ensure_future(_call(handler, ctx, task.args, task.kwargs))
        watch = asyncio.ensure_future(task.cancelled())
        try:
            await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not work.done():
                work.cancel()
            watch.cancel()
        try:
            value = await work
        except asyncio.CancelledError:
            reason = task.cancel_reason or "cancelled"
            await task.fail(f"the handler was cancelled ({reason})", "CancelledError", "")
        except ProcessFailed as error:
            detail = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            await task.fail_errors(error.errors, detail)
        except Exception as error:
            detail = "".join(traceback.format_exception(type(error), error, error.__traceback__))
            await task.fail(str(error) or repr(error), type(error).__name__, detail)
        else:
            if isinstance(value, Output):
                await task.complete(value.values)
            else:
                await task.complete([] if value is None else [value])


async def _call(handler: Handler, ctx: Context, args: list, kwargs: dict) -> Any:
    if inspect.iscoroutinefunction(handler):
        return await handler(ctx, *args, **kwargs)
    result = await asyncio.to_thread(handler, ctx, *args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    return result
