"""The README's quick start, pasted into a file, runs as written against a colony."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start(blocking: bool = False) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    marker = "\nmain()\n" if blocking else "\nasyncio.run(main())\n"
    scripts = [block for block in blocks if marker in block]
    assert len(scripts) == 1
    return scripts[0]


@pytest.mark.parametrize("blocking", [False, True], ids=["async", "blocking"])
async def test_quick_start_runs_as_written(colony, tmp_path, blocking):
    script = tmp_path / "quickstart.py"
    script.write_text(quick_start(blocking))
    host, port = colony.server_url.removeprefix("http://").split(":")
    env = {
        **os.environ,
        "COLONIES_SERVER_HOST": host,
        "COLONIES_SERVER_PORT": port,
        "COLONIES_TLS": "false",
        "COLONIES_COLONY_NAME": colony.colonyname,
        "COLONIES_EXECUTOR_TYPE": colony.executortype,
        "COLONIES_USER_PRVKEY": colony.user_key,
        "COLONIES_EXECUTOR_PRVKEY": colony.executor_key,
    }
    env.pop("COLONIES_PRVKEY", None)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == 0, err.decode()
    assert out.decode().splitlines() == [
        "1 data step 1/3",
        "2 data step 2/3",
        "3 data step 3/3",
        "4 end ",
        "['done']",
    ]
    assert err.decode() == ""
