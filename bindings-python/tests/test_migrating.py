"""MIGRATING.md: every snippet on the page runs, in order, against a colony, and prints what the
page's ``# prints:`` comments say."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "MIGRATING.md"


def snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)


def expected_output(code: str) -> list[str]:
    return [
        line.strip()[len("# prints:") :].strip()
        for line in code.splitlines()
        if line.strip().startswith("# prints:")
    ]


def test_the_page_has_snippets_for_every_call():
    code = "\n".join(snippets())
    for call in (
        "from_env()",
        ".submit(",
        ".assign(",
        ".close(",
        ".fail(",
        ".append(",
        ".read_channel(",
        ".subscribe_channel(",
        ".wait_for_state(",
        "asyncio.run(",
    ):
        assert call in code, call
    assert len(expected_output(code)) >= 10


async def test_every_snippet_runs_against_the_server(colony, tmp_path):
    code = "\n".join(snippets())
    script = tmp_path / "migrating.py"
    script.write_text(code)
    host, port = colony.server_url.removeprefix("http://").split(":")
    env = {
        **os.environ,
        "COLONIES_SERVER_HOST": host,
        "COLONIES_SERVER_PORT": port,
        "COLONIES_TLS": "false",
        "COLONIES_PRVKEY": colony.user_key,
        "COLONIES_EXECUTOR_PRVKEY": colony.executor_key,
        "COLONIES_COLONY_NAME": colony.colonyname,
        "COLONIES_EXECUTOR_TYPE": colony.executortype,
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == 0, err.decode()
    assert [line.rstrip() for line in out.decode().splitlines()] == expected_output(code)
    assert err.decode() == ""
