"""MIGRATING.md: every snippet on the page runs, in order, against a colony, and prints what the
page's ``# prints:`` comments say."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_script

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
    out = await run_script(script, colony.env(COLONIES_PRVKEY=colony.user_key), timeout=120)
    assert [line.rstrip() for line in out.splitlines()] == expected_output(code)
