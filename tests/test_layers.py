"""Dependencies point one way, `server → schema → resolvers → db` (docs/architecture.md): db imports
nothing of resolvers, schema or server; resolvers nothing of schema or server; schema nothing of server.
Every import statement counts, at the top of a module or inside a function, under TYPE_CHECKING or not."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.database_free

LAYERS = ["db", "resolvers", "schema", "server"]  # each may import only those before it


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def wrong_way_imports(root: Path, layer: str) -> list[str]:
    above = set(LAYERS[LAYERS.index(layer) + 1 :])
    return [
        f"{path.relative_to(root)}:{line} imports {package} ({layer} must not depend on {package})"
        for path in sorted((root / layer).rglob("*.py"))
        for line, package in imported_packages(path)
        if package in above
    ]


@pytest.mark.parametrize("layer", LAYERS[:-1])
def test_no_layer_imports_a_layer_above_it(layer):
    offending = wrong_way_imports(ROOT, layer)
    assert not offending, "imports against server → schema → resolvers → db:\n" + "\n".join(offending)


def test_the_check_names_the_offending_import(tmp_path):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "models.py").write_text("import os\n\ndef f():\n    from schema.pairings import Pairing\n")
    (tmp_path / "resolvers").mkdir()
    (tmp_path / "resolvers" / "fine.py").write_text("from db.models import f\n")
    assert wrong_way_imports(tmp_path, "db") == ["db/models.py:4 imports schema (db must not depend on schema)"]
    assert wrong_way_imports(tmp_path, "resolvers") == []
