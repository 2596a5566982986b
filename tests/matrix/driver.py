"""Runs the cross-language matrix: every executor language against every client language, on every
scenario of scenarios.json, through the real server. Called by tests/matrix/run, which builds
what it needs first. Needs only Python's standard library (the Rust roles set up the colony).

One colony per run; each cell gets its own executor with its own executor type, so cells never
take each other's processes. Cells run MATRIX_JOBS at a time (default 2), each with a timeout.
Prints one table per scenario (rows: executor language, columns: client language), the
not-applicable cells with their reasons, the first failure's details and a closing count, and
writes everything to tests/matrix/out/. Exits 1 if any applicable cell fails.

Settings: MATRIX_JOBS, MATRIX_SCENARIOS_ONLY / MATRIX_LANGS (comma lists to run a subset),
MATRIX_ORDER=executor-first, MATRIX_OUT (instead of tests/matrix/out), MATRIX_BROKEN
("lang=reason;..." from the runner: languages whose build failed).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = Path(os.environ.get("MATRIX_OUT") or HERE / "out")
LANGS = ["rust", "python", "node", "pycolonies"]
EXECUTOR_FIRST = os.environ.get("MATRIX_ORDER", "") == "executor-first"
RUST_BIN = Path(
    os.environ.get("MATRIX_RUST_BIN")
    or Path(os.environ.get("CARGO_TARGET_DIR") or HERE / "rust" / "target")
    / "debug"
    / "matrix-roles"
)


def command(lang: str, role: str, scenario: str) -> list[str]:
    if lang == "rust":
        return [str(RUST_BIN), role, scenario]
    if lang == "python":
        python = ROOT / "bindings-python" / ".venv" / "bin" / "python"
        return [str(python), str(HERE / "python" / "roles.py"), role, scenario]
    if lang == "node":
        return ["node", str(HERE / "node" / "roles.mjs"), role, scenario]
    if lang == "pycolonies":
        return [
            str(HERE / ".venv" / "bin" / "python"),
            str(HERE / "pycolonies" / "roles.py"),
            role,
            scenario,
        ]
    raise ValueError(lang)


def read_env_file(path: Path) -> dict[str, str]:
    settings = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            settings[key.strip()] = value.strip()
    return settings


@dataclass
class Cell:
    scenario: str
    executor: str
    client: str
    status: str = "pending"  # pass, fail, n/a
    reason: str = ""
    details: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    executor_type: str = ""
    executor_name: str = ""
    executor_key: str = ""

    @property
    def name(self) -> str:
        return f"{self.scenario}:{self.executor}->{self.client}"


def cluster_nodes(server: dict) -> list[str]:
    """The nodes of a cluster (`COLONIES_SERVERS`), or [] for one server."""
    nodes = [n for n in server.get("COLONIES_SERVERS", "").split(",") if n]
    return nodes if len(nodes) > 1 else []


def not_applicable(
    scenario: dict, executor: str, client: str, broken: dict, cluster: bool
) -> Optional[str]:
    if executor == client == "pycolonies":
        return "neither peer is colonykit"
    if cluster and "pycolonies" in (executor, client):
        return "pycolonies talks to one node: its channels cannot meet its peer's in a cluster"
    peers = scenario.get("pycolonies", {})
    if executor == "pycolonies" and "executor" in peers:
        return f"pycolonies cannot be the executor: {peers['executor']}"
    if client == "pycolonies" and "client" in peers:
        return f"pycolonies cannot be the client: {peers['client']}"
    return None


# --- Setting up the colony ---------------------------------------------------------------------


def set_up(server: dict, cells: list[Cell]) -> dict:
    """One colony and user for the run, one approved executor (of its own type) per cell, made by
    the Rust roles program (`matrix-roles setup`) with the server key."""
    result = subprocess.run(
        [str(RUST_BIN), "setup", str(len(cells))],
        env={**os.environ, **server},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"matrix: setting up the colony failed: {result.stderr.strip()}")
    settings = json.loads(result.stdout)
    for cell, executor in zip(cells, settings["executors"]):
        cell.executor_type, cell.executor_name = executor["type"], executor["name"]
        cell.executor_key = executor["key"]
    return {"colony": settings["colony"], "user_key": settings["user_key"]}


# --- Running a cell ----------------------------------------------------------------------------


def last_json(text: str) -> Optional[dict]:
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def tail(path: Path, lines: int = 6) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


def exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with {code}"


def cluster_env(nodes: list[str], first: int) -> dict:
    """`COLONIES_SERVERS`, starting with node `first`; nothing for one server."""
    if not nodes:
        return {}
    return {"COLONIES_SERVERS": ",".join(nodes[first:] + nodes[:first])}


def run_cell(
    cell: Cell, server: dict, colony: dict, cell_seconds: float, stop: threading.Event
) -> None:
    if stop.is_set():
        cell.status, cell.reason = "fail", "not run: interrupted"
        return
    folder = OUT / "cells" / cell.name.replace(":", "_").replace(">", "")
    folder.mkdir(parents=True, exist_ok=True)
    base_env = {
        **os.environ,
        "COLONIES_SERVER_HOST": server["COLONIES_SERVER_HOST"],
        "COLONIES_SERVER_PORT": server["COLONIES_SERVER_PORT"],
        "COLONIES_TLS": server.get("COLONIES_TLS", "false"),
        "MATRIX_COLONY": colony["colony"],
        "MATRIX_EXECUTOR_TYPE": cell.executor_type,
        "MATRIX_SCENARIOS": str(HERE / "scenarios.json"),
    }
    base_env.pop("COLONIES_SERVER_PRVKEY", None)
    # In a cluster, the client and the executor are each given the nodes with a different one
    # first: they meet on their channels' node by colonykit's rule, not by sharing a server.
    nodes = cluster_nodes(server)
    first = {"client": 0, "executor": 1}
    roles = {
        "executor": (cell.executor, cell.executor_key),
        "client": (cell.client, colony["user_key"]),
    }
    processes: dict[str, subprocess.Popen] = {}
    began = time.monotonic()

    def start(role: str) -> None:
        lang, key = roles[role]
        with open(folder / f"{role}.out", "w") as out, open(folder / f"{role}.err", "w") as err:
            processes[role] = subprocess.Popen(
                command(lang, role, cell.scenario),
                env={**base_env, "COLONIES_PRVKEY": key, **cluster_env(nodes, first[role])},
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                cwd=ROOT,
                start_new_session=True,
            )

    if EXECUTOR_FIRST:
        start("executor")
        start("client")
    else:
        # The executor starts once the client's process exists: an assign that is already
        # waiting when the process is submitted can take it before its channels exist (a server
        # race, see README.md), which MATRIX_ORDER=executor-first reproduces.
        start("client")
        submitted = False
        while time.monotonic() - began < cell_seconds:
            submitted = '"submitted"' in (folder / "client.out").read_text(errors="replace")
            if submitted or processes["client"].poll() is not None:
                break
            time.sleep(0.01)
        if submitted:
            start("executor")
        else:
            # Nothing to run: the executor is reported as not started.
            processes["executor"] = subprocess.Popen(["true"])
            (folder / "executor.out").write_text(
                json.dumps(
                    {"status": "error", "error": "not started: the client submitted no process"}
                )
                + "\n"
            )
    timed_out = []
    for role in ("client", "executor"):
        process = processes[role]
        left = max(0.1, cell_seconds - (time.monotonic() - began))
        try:
            process.wait(timeout=left)
        except subprocess.TimeoutExpired:
            timed_out.append(role)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    cell.seconds = time.monotonic() - began
    reports = {
        role: last_json((folder / f"{role}.out").read_text(errors="replace")) for role in processes
    }
    client, executor = reports["client"] or {}, reports["executor"] or {}
    details = []
    for role in timed_out:
        details.append(
            f"{role} ({roles[role][0]}) did not finish within {cell_seconds:g}s and was killed"
        )
    if client.get("verdict") != "pass":
        if client.get("error"):
            details.append(f"client ({cell.client}) error: {client['error']}")
        for mismatch in client.get("mismatches", []):
            details.append(f"client ({cell.client}) saw: {mismatch}")
    if executor.get("status") != "ok":
        if executor.get("error"):
            details.append(f"executor ({cell.executor}) error: {executor['error']}")
    for role in processes:
        code = processes[role].returncode
        if role in timed_out:
            continue
        if reports[role] is None:
            details.append(f"{role} ({roles[role][0]}) printed no report ({exit_text(code)})")
        elif code != 0:
            finished = reports[role].get("verdict") == "pass" or reports[role].get("status") == "ok"
            if finished:
                what = f"{role} ({roles[role][0]})"
                details.append(f"{what} reported success, then {exit_text(code)} while exiting")
            elif not details:
                details.append(f"{role} ({roles[role][0]}) {exit_text(code)}")
    if executor.get("server_race") or client.get("server_race"):
        details.insert(
            0,
            "SERVER RACE: 'Not authorized to write to channel' on an append: the assign raced the "
            "submit and got the process before its channels existed (a known server race, see "
            "README.md)",
        )
    ok = (
        not timed_out
        and client.get("verdict") == "pass"
        and executor.get("status") == "ok"
        and processes["client"].returncode == 0
        and processes["executor"].returncode == 0
    )
    for report in (executor, client):
        if report.get("note"):
            cell.notes.append(report["note"])
        for skipped in report.get("skipped", []):
            cell.notes.append(f"skipped check: {skipped}")
    if not ok:
        for role in processes:
            err_tail = tail(folder / f"{role}.err")
            if err_tail:
                details.append(
                    f"{role} ({roles[role][0]}) stderr:\n    " + err_tail.replace("\n", "\n    ")
                )
        details.append(f"logs: {folder}")
    cell.status = "pass" if ok else "fail"
    cell.details = details
    (folder / "cell.json").write_text(
        json.dumps(
            {
                "cell": cell.name,
                "status": cell.status,
                "seconds": round(cell.seconds, 2),
                "client": client,
                "executor": executor,
                "details": details,
            },
            indent=2,
        )
    )


# --- The table ---------------------------------------------------------------------------------


def table(scenarios: list[str], cells: list[Cell], langs: list[str]) -> str:
    by = {(c.scenario, c.executor, c.client): c for c in cells}
    width = max(12, max(len(x) for x in langs) + 2)
    lines = []
    for scenario in scenarios:
        lines.append(f"{scenario}  (rows: executor, columns: client)")
        lines.append("  " + "".ljust(width) + "".join(lang.ljust(width) for lang in langs))
        for executor in langs:
            row = "  " + executor.ljust(width)
            for client in langs:
                cell = by.get((scenario, executor, client))
                row += (cell.status if cell else "-").ljust(width)
            lines.append(row.rstrip())
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    began = time.monotonic()
    data = json.loads((HERE / "scenarios.json").read_text())
    scenarios = data["scenarios"]
    only = [s for s in os.environ.get("MATRIX_SCENARIOS_ONLY", "").split(",") if s]
    if only:
        scenarios = [s for s in scenarios if s["name"] in only]
    langs = [lang for lang in os.environ.get("MATRIX_LANGS", ",".join(LANGS)).split(",") if lang]
    broken = dict(
        item.split("=", 1) for item in os.environ.get("MATRIX_BROKEN", "").split(";") if "=" in item
    )
    # COLONYKIT_SERVER_ENV names another instance's settings (e.g. the cluster's).
    default_env = ROOT / "tests" / "server" / "run" / "server.env"
    server = read_env_file(Path(os.environ.get("COLONYKIT_SERVER_ENV") or default_env))
    cluster = bool(cluster_nodes(server))
    cells = []
    for scenario in scenarios:
        for executor in langs:
            for client in langs:
                cell = Cell(scenario["name"], executor, client)
                reason = not_applicable(scenario, executor, client, broken, cluster)
                if reason:
                    cell.status, cell.reason = "n/a", reason
                else:
                    missing = [lang for lang in (executor, client) if lang in broken]
                    if missing:
                        cell.status = "fail"
                        cell.details = [
                            f"{lang} could not be built: {broken[lang]}" for lang in missing
                        ]
                cells.append(cell)
    to_run = [c for c in cells if c.status == "pending"]
    OUT.mkdir(parents=True, exist_ok=True)
    colony = set_up(server, to_run)
    print(
        f"matrix: colony {colony['colony']}: {len(to_run)} cells to run, "
        f"{len(cells) - len(to_run)} not run; {os.environ.get('MATRIX_JOBS', '2')} at a time",
        flush=True,
    )
    # Round-robin over the scenarios, so that two heavy cells (two 1 MiB streams) rarely overlap.
    groups = [[c for c in to_run if c.scenario == s["name"]] for s in scenarios]
    order = [c for row in zip_longest(*groups) for c in row if c is not None]
    stop = threading.Event()
    cell_seconds = float(data["timeouts"]["cell_seconds"])
    lock = threading.Lock()
    done = [0]

    def one(cell: Cell) -> None:
        run_cell(cell, server, colony, cell_seconds, stop)
        with lock:
            done[0] += 1
            print(
                f"  [{done[0]:>2}/{len(order)}] {cell.status:<4} {cell.name} ({cell.seconds:.1f}s)",
                flush=True,
            )

    jobs = max(1, int(os.environ.get("MATRIX_JOBS", "2")))
    with ThreadPoolExecutor(jobs) as pool:
        try:
            list(pool.map(one, order))
        except KeyboardInterrupt:
            stop.set()
            raise
    names = [s["name"] for s in scenarios]
    text = table(names, cells, langs)
    passed = sum(c.status == "pass" for c in cells)
    failed = sum(c.status == "fail" for c in cells)
    skipped = sum(c.status == "n/a" for c in cells)
    lines = ["", text]
    reasons = sorted({c.reason for c in cells if c.status == "n/a"})
    if reasons:
        lines.append("n/a:")
        for reason in reasons:
            which = [c.name for c in cells if c.reason == reason]
            lines.append(f"  {reason}: {', '.join(which)}")
    notes = sorted({n for c in cells for n in c.notes})
    if notes:
        lines.append("notes:")
        for note in notes:
            count = sum(note in c.notes for c in cells)
            lines.append(f"  {note} ({count} cells)")
    failures = [c for c in cells if c.status == "fail"]
    if failures:
        first = failures[0]
        lines.append(f"first failure: {first.name}")
        lines.extend(f"  {d}" for d in first.details)
        if len(failures) > 1:
            lines.append(f"other failures: {', '.join(c.name for c in failures[1:])}")
    wall = time.monotonic() - began
    lines.append(f"wall time {wall:.0f}s (cells: {sum(c.seconds for c in cells):.0f}s in total)")
    lines.append(f"matrix: {passed} passed, {failed} failed, {skipped} skipped")
    report = "\n".join(lines)
    print(report, flush=True)
    (OUT / "table.txt").write_text(report + "\n")
    (OUT / "results.json").write_text(
        json.dumps(
            [
                {
                    "cell": c.name,
                    "status": c.status,
                    "reason": c.reason,
                    "seconds": round(c.seconds, 2),
                    "details": c.details,
                    "notes": c.notes,
                }
                for c in cells
            ],
            indent=2,
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
