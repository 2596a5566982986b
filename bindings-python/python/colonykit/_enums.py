"""The states of processes and executors, as ``IntEnum``s (their values are the server's)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExecutorState", "ProcessState"]


class ProcessState(IntEnum):
    """The state of a process. Methods that take a state also accept its name ("running")."""

    WAITING = 0
    RUNNING = 1
    SUCCESS = 2
    FAILED = 3
    CANCELLED = 4

    @property
    def is_closed(self) -> bool:
        """Whether the process is over (successful, failed or cancelled)."""
        return self in (ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED)


class ExecutorState(IntEnum):
    """The state of an executor."""

    PENDING = 0
    APPROVED = 1
    REJECTED = 2
    UNREGISTERED = 3
