"""The package's surface: stubs for everything the native module exports, py.typed, reprs."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import colonykit
from colonykit import _native

PACKAGE = Path(colonykit.__file__).parent
ASYNC_PROTOCOL = ("__aenter__", "__aexit__", "__aiter__", "__anext__")
PROTOCOLS = (*ASYNC_PROTOCOL, "__enter__", "__exit__", "__iter__", "__next__")


def stub_names() -> dict[str, set[str]]:
    """Top-level names of _native.pyi, and the members of each class (with those of its bases
    in the stubs, such as ``_Data``)."""
    tree = ast.parse((PACKAGE / "_native.pyi").read_text())
    names: dict[str, set[str]] = {"": set()}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names[""].add(node.name)
            names[node.name] = {
                item.name if not isinstance(item, ast.AnnAssign) else item.target.id
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.AnnAssign))
            }
            for base in node.bases:
                base_name = base.value.id if isinstance(base, ast.Subscript) else base.id
                names[node.name] |= names.get(base_name, set())
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names[""].add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names[""].add(node.target.id)
    return names


def test_stubs_cover_the_native_module():
    stubs = stub_names()
    for name in dir(_native):
        if name.startswith("__"):
            continue
        assert name in stubs[""], f"{name} is missing from _native.pyi"
        value = getattr(_native, name)
        if inspect.isclass(value):
            for member in vars(value):
                if member.startswith("__") and member not in PROTOCOLS:
                    continue
                assert member in stubs[name], f"{name}.{member} is missing from _native.pyi"


def test_package_files():
    assert (PACKAGE / "py.typed").exists()
    assert set(colonykit.__all__) <= set(dir(colonykit))


def test_public_api_has_docstrings():
    for name in colonykit.__all__:
        value = getattr(colonykit, name)
        if inspect.isclass(value) or callable(value):
            assert value.__doc__, f"colonykit.{name} has no docstring"
    for name, member in vars(colonykit.Client).items():
        if not name.startswith("_") and callable(member):
            assert member.__doc__, f"Client.{name} has no docstring"


def test_states():
    assert [s.name for s in colonykit.ProcessState] == [
        "WAITING",
        "RUNNING",
        "SUCCESS",
        "FAILED",
        "CANCELLED",
    ]
    assert colonykit.ProcessState.FAILED.is_closed
    assert not colonykit.ProcessState.RUNNING.is_closed
    assert colonykit.ExecutorState(1) is colonykit.ExecutorState.APPROVED
