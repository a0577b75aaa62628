"""The examples in the qr modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["qr.gs1", "qr.serial", "qr.stamps", "qr.render", "qr.sheet", "qr.export"])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0


def test_leaf_library_imports_nothing_from_the_rest_of_the_repo() -> None:
    import ast
    from pathlib import Path

    root = Path(importlib.import_module("qr").__file__ or "").parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in {"server", "simulators", "firmware", "ocop", "tests",
                                   "fastapi", "sqlmodel", "sqlalchemy", "psycopg"}, (path, name)
