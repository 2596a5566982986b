"""The scenario file and its payload descriptions, shared by the Python-based roles (colonykit
and pycolonies); standard library only."""

import json
import os
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent


def load(name: str) -> tuple[dict, dict]:
    path = Path(os.environ.get("MATRIX_SCENARIOS") or HERE / "scenarios.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    for scenario in data["scenarios"]:
        if scenario["name"] == name:
            return data["timeouts"], scenario
    raise SystemExit(f"no scenario {name!r} in {path}")


def payload_bytes(description: Optional[dict]) -> bytes:
    """The bytes a payload description stands for (see the file's ``about``)."""
    if description is None:
        return b""
    if "utf8" in description:
        return description["utf8"].encode("utf-8")
    if "hex" in description:
        return bytes.fromhex("".join(description["hex"].split()))
    if "repeat" in description:
        pattern, length = payload_bytes(description["repeat"]), description["length"]
        return (pattern * (length // len(pattern) + 1))[:length]
    raise ValueError(f"unknown payload description {description}")


def step_entry(step: dict) -> dict:
    return {
        "sequence": step["sequence"],
        "inreplyto": step.get("inreplyto", 0),
        "kind": step.get("kind", "data"),
        "payload": payload_bytes(step.get("payload")),
    }


def env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} is not set")
    return value
