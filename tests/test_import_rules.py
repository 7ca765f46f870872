"""The import rules of DESIGN.md §1, read from every module's ``import`` statements.

- ``groupcore/`` never imports cupy or ``groupcore.backends``, except the lifted layers
  (``groupcore/nn/``) and the console-script glue: ``groupcore/cli.py`` and the subcommand modules
  it dispatches to (``groupcore.cli.SUBCOMMANDS``), which may import the backends inside functions;
- ``proofs/`` never imports a backend's internals (``groupcore.backends._private``);
- no module in ``groupcore/``, ``proofs/`` or ``backends/`` imports cupy at module level.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from groupcore.cli import SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[1]
#: source folder -> import name (pyproject's package-dir)
PACKAGES = {"groupcore": "groupcore", "backends": "groupcore.backends", "proofs": "groupcore.proofs"}
#: console-script modules: may import the backends, but only inside functions
GLUE = {"groupcore.cli"} | {module for module, _ in SUBCOMMANDS.values()}


class Import(NamedTuple):
    module: str        # absolute module name, e.g. "groupcore.backends.kernels"
    line: int
    top_level: bool    # executed on import (not inside a function body)


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    parts = [PACKAGES[rel.parts[0]], *rel.parts[1:-1]]
    if rel.stem != "__init__":
        parts.append(rel.stem)
    return ".".join(parts)


def imports(source: str, name: str, is_package: bool) -> Iterator[Import]:
    """Every module a source file imports; ``from a import b`` yields ``a`` and ``a.b``."""
    package = name if is_package else name.rpartition(".")[0]

    def visit(node: ast.AST, top: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(alias.name, child.lineno, top)
            elif isinstance(child, ast.ImportFrom):
                base = package.split(".")
                base = base[:len(base) - child.level + 1] if child.level else []
                parent = ".".join(base + ([child.module] if child.module else []))
                yield Import(parent, child.lineno, top)
                for alias in child.names:
                    yield Import(f"{parent}.{alias.name}", child.lineno, top)
            yield from visit(child, top and not isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    yield from visit(ast.parse(source), True)


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def violations(path: Path, root: Path = ROOT) -> list[str]:
    """Every import in ``path`` (a file under ``root``) that breaks a rule, with file and line."""
    rel = path.relative_to(root).as_posix()
    name = module_name(path, root)
    found = []
    for imp in imports(path.read_text(), name, path.stem == "__init__"):
        mod, where = imp.module, f"{rel}:{imp.line} imports {imp.module}"
        is_cupy = mod == "cupy" or mod.startswith(("cupy.", "cupyx"))
        if is_cupy and imp.top_level:
            found.append(f"{where} at module level (cupy must be imported lazily)")
        is_backends = mod == "groupcore.backends" or mod.startswith("groupcore.backends.")
        if rel.startswith("groupcore/") and not rel.startswith("groupcore/nn/"):
            lazy_glue = name in GLUE and not imp.top_level
            if is_cupy or (is_backends and not lazy_glue):
                found.append(f"{where} (only groupcore/nn/ may use the backends; the console-script "
                             f"modules only inside functions)")
        if (rel.startswith("proofs/") and mod.startswith("groupcore.backends.")
                and any(part.startswith("_") for part in mod.split(".")[2:])):
            found.append(f"{where} (proofs/ may use only the backends' public names)")
    return found


@pytest.mark.parametrize("folder", list(PACKAGES))
def test_package_respects_the_import_rules(folder):
    files = sources(folder)
    assert files, f"no sources found under {folder}/"
    assert [v for path in files for v in violations(path)] == []


@pytest.mark.parametrize("rel, source, expected", [
    ("groupcore/algebra.py", "import cupy\n", ["at module level", "only groupcore/nn/"]),
    ("groupcore/algebra.py", "from .backends import kernels\n", ["only groupcore/nn/"] * 2),
    ("groupcore/algebra.py", "def f():\n    import cupy\n", ["only groupcore/nn/"]),
    ("groupcore/nn/layers.py", "from ..backends import kernels\n\ndef f():\n    import cupy\n", []),
    ("groupcore/info.py", "def f():\n    from .backends import available\n", []),
    ("groupcore/info.py", "from .backends import available\n", ["only groupcore/nn/"] * 2),
    ("groupcore/nn/layers.py", "try:\n    import cupy\nexcept ImportError:\n    pass\n", ["at module level"]),
    ("proofs/checks.py", "from ..backends._cupy import load_cupy\n", ["public names"] * 2),
    ("proofs/checks.py", "from groupcore.backends import kernels\n", []),
    ("backends/fast.py", "import cupyx.scipy\n", ["at module level"]),
], ids=["cupy-top", "backends-relative", "cupy-lazy-in-algebra", "nn-allowed", "glue-lazy",
        "glue-top-level", "cupy-in-try",
        "proofs-private", "proofs-public", "backends-cupyx"])
def test_checker_catches_planted_imports(tmp_path, rel, source, expected):
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    path.write_text(source)
    found = violations(path, tmp_path)
    assert len(found) == len(expected), found
    for message, fragment in zip(found, expected):
        assert fragment in message
