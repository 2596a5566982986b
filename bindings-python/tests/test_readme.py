"""The README's quick start, pasted into a file, runs as written against a colony."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_script

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
    out = await run_script(script, colony.env())
    assert out.splitlines() == [
        "1 data step 1/3",
        "2 data step 2/3",
        "3 data step 3/3",
        "4 end ",
        "['done']",
    ]
