"""Loaders are typed attributes of the request's Loaders, chosen by accessors
(`lambda loaders: loaders.x`), never looked up by a string name: a rename then breaks at import or
type-check time, not on the first request that reaches the lookup."""

from __future__ import annotations

import ast
from pathlib import Path

from resolvers.access import ANONYMOUS
from resolvers.batching import BatchLoader
from schema.milestones import UPDATES
from schema.pairings import MILESTONE_UPDATES, PAIRING_LISTS
from schema.query import NODE_TYPES
from tests.conftest import make_scope

ROOT = Path(__file__).resolve().parent.parent


def test_every_declared_loader_is_an_attribute_of_the_request_s_loaders(demo_db) -> None:
    loaders = make_scope(demo_db, ANONYMOUS).loaders
    nested = MILESTONE_UPDATES
    accessors = [field.loader for field in (*PAIRING_LISTS.lists.values(), UPDATES)]
    accessors += [nested.loader, nested.parent_loaded.loader, nested.loaded.loader]
    accessors += [loader_of for loader_of, _ in NODE_TYPES.values()]
    for accessor in accessors:
        loader = accessor(loaders)
        assert isinstance(loader, BatchLoader)
        assert accessor(loaders) is loader, "one loader per request, made when first used"
    assert len({id(accessor(loaders)) for accessor in accessors}) >= 15


def _lookups_by_name(path: Path) -> list[str]:
    """getattr(..., "name") or attrgetter("name") on something called loaders."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name == "attrgetter":
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        if name == "getattr" and node.args and "loaders" in ast.unparse(node.args[0]):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_loader_is_looked_up_by_a_string_name() -> None:
    files = [*ROOT.joinpath("schema").rglob("*.py"), *ROOT.joinpath("resolvers").rglob("*.py")]
    assert [hit for path in files for hit in _lookups_by_name(path)] == []
