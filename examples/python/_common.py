"""What the examples share: settings from the environment.

`make bootstrap` writes the settings to examples/run/colony.env:
COLONIES_SERVER_HOST, COLONIES_SERVER_PORT, COLONIES_TLS, COLONIES_COLONY_NAME,
COLONIES_EXECUTOR_TYPE, COLONIES_USER_PRVKEY (clients) and COLONIES_EXECUTOR_PRVKEY (executors).
"""

from __future__ import annotations

import os

from colonykit import Client, FunctionSpec


def required(name: str) -> str:
    """The value of environment variable `name`; exits with a hint when it is missing."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise SystemExit(
            f"{name} is not set (run `make bootstrap` and source examples/run/colony.env)"
        )
    return value


def colony() -> tuple[str, str]:
    """The colony's name and the executor type the examples use."""
    return required("COLONIES_COLONY_NAME"), required("COLONIES_EXECUTOR_TYPE")


def user() -> Client:
    """A client signing as the colony's user (who submits)."""
    return Client.from_env().with_key(required("COLONIES_USER_PRVKEY"))


def executor() -> Client:
    """A client signing as the colony's executor (who runs)."""
    return Client.from_env().with_key(required("COLONIES_EXECUTOR_PRVKEY"))


def spec(funcname: str, channels: list[str], colonyname: str, executortype: str) -> FunctionSpec:
    """A spec for `funcname` with `channels`, for this colony's executor type."""
    return FunctionSpec(
        funcname, executortype=executortype, colonyname=colonyname, channels=channels
    )
