"""Fixtures: a fresh colony per test on the real server of tests/server/.

The server key comes from tests/server/run/server.env (written by `tests/server/up`); each test
gets its own colony (fresh colony key, unique name), an approved executor and a user, so tests
are independent and leave nothing behind but their own colony, which is removed at the end.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import colonykit
import pytest
from colonykit import Client

ROOT = Path(__file__).resolve().parents[2]
# COLONYKIT_SERVER_ENV names another instance's settings (e.g. tests/server/run-tls/server.env).
SERVER_ENV = Path(
    os.environ.get("COLONYKIT_SERVER_ENV") or ROOT / "tests" / "server" / "run" / "server.env"
)

# The examples are imported by the pattern tests.
sys.path.insert(0, str(ROOT / "examples" / "python"))


def read_env(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments and blank lines skipped)."""
    settings = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


@pytest.fixture(scope="session")
def server_env() -> dict[str, str]:
    """The settings of the running test server."""
    if not SERVER_ENV.exists():
        pytest.exit(f"{SERVER_ENV} is missing: start the server with tests/server/up", 2)
    return read_env(SERVER_ENV)


@pytest.fixture(scope="session")
def server_url(server_env: dict[str, str]) -> str:
    scheme = "https" if server_env.get("COLONIES_TLS", "false").lower() == "true" else "http"
    host = server_env.get("COLONIES_SERVER_HOST", "127.0.0.1")
    port = server_env.get("COLONIES_SERVER_PORT", "50080")
    return f"{scheme}://{host}:{port}"


@pytest.fixture(scope="session")
def tls(server_env: dict[str, str]) -> dict[str, str]:
    """The client options that make the test server trusted (its CA, for the TLS instance)."""
    ca_file = server_env.get("COLONIES_CA_FILE")
    return {"ca_file": ca_file} if ca_file else {}


@pytest.fixture(scope="session")
def server_key(server_env: dict[str, str]) -> str:
    return server_env["COLONIES_SERVER_PRVKEY"]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class Colony:
    """A fresh colony with an approved executor and a user, and a client for each role."""

    server_url: str
    server_key: str = field(repr=False)
    colonyname: str
    colony_key: str = field(repr=False)
    executortype: str
    executorname: str
    executor_key: str = field(repr=False)
    username: str
    user_key: str = field(repr=False)
    tls: dict[str, str]  # client options: the test server's CA, if any
    admin: Client  # signs with the server key
    owner: Client  # signs with the colony key
    executor: Client
    user: Client

    def spec(self, funcname: str = "f", **options) -> colonykit.FunctionSpec:
        return colonykit.FunctionSpec(
            funcname, executortype=self.executortype, colonyname=self.colonyname, **options
        )

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a program run as a user would (the settings of colony.env)."""
        host, port = self.server_url.removeprefix("http://").split(":")
        env = {
            **os.environ,
            "COLONIES_SERVER_HOST": host,
            "COLONIES_SERVER_PORT": port,
            "COLONIES_TLS": "false",
            "COLONIES_COLONY_NAME": self.colonyname,
            "COLONIES_EXECUTOR_TYPE": self.executortype,
            "COLONIES_USER_PRVKEY": self.user_key,
            "COLONIES_EXECUTOR_PRVKEY": self.executor_key,
        }
        env.pop("COLONIES_PRVKEY", None)
        return {**env, **extra}

    def sync(self, role: str) -> colonykit.SyncClient:
        """A blocking client signing as ``role`` (admin, owner, executor or user)."""
        key = {
            "admin": self.server_key,
            "owner": self.colony_key,
            "executor": self.executor_key,
            "user": self.user_key,
        }[role]
        return colonykit.SyncClient(self.server_url, key, **self.tls)

    async def running(self, *channels: str, funcname: str = "f") -> colonykit.Process:
        """A process submitted by the user and assigned to the executor."""
        submitted = await self.user.submit(self.spec(funcname, channels=list(channels)))
        process = await self.executor.assign(self.colonyname, 10)
        assert process is not None and process.processid == submitted.processid
        return process


async def run_script(script: Path, env: dict[str, str], timeout: float = 60) -> str:
    """Runs a Python file in a child process; its output (it must exit 0, saying nothing on
    stderr)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(), timeout)
    assert child.returncode == 0, err.decode()
    assert err.decode() == ""
    return out.decode()


@pytest.fixture
async def colony(server_url: str, server_key: str, tls: dict[str, str]):
    admin = Client(server_url, server_key, **tls)
    colony_key = colonykit.generate_key()
    colonyname = unique("py")
    await admin.add_colony(colonykit.key_id(colony_key), colonyname)
    owner = admin.with_key(colony_key)
    executor_key = colonykit.generate_key()
    executorname = unique("executor")
    # The server wakes one listener per event among all colonies for an executor type, so a
    # long-poll another test left on the server could take this test's event.
    executortype = unique("py-type")
    await owner.add_executor(colonykit.key_id(executor_key), executortype, executorname, colonyname)
    await owner.approve_executor(colonyname, executorname)
    user_key = colonykit.generate_key()
    username = unique("user")
    await owner.add_user(colonyname, colonykit.key_id(user_key), username)
    yield Colony(
        server_url=server_url,
        server_key=server_key,
        colonyname=colonyname,
        colony_key=colony_key,
        executortype=executortype,
        executorname=executorname,
        executor_key=executor_key,
        username=username,
        user_key=user_key,
        tls=tls,
        admin=admin,
        owner=owner,
        executor=admin.with_key(executor_key),
        user=admin.with_key(user_key),
    )
    try:
        await admin.remove_colony(colonyname)
    except colonykit.ColonyError:
        pass
