"""Every mutation declares the permission it checks, as it declares its audit: the write runner
(resolvers/writes.py) refuses, and rolls back, a write that checked none."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import AuditEvent, Program
from resolvers.access import Actor, Role
from resolvers.errors import ApiError, ErrorCode
from resolvers.tx import Tx
from resolvers.writes import mutation
from tests.conftest import make_scope

ADMIN = Actor(name="admin", role=Role.ADMIN)
VIEWER = Actor(name="viewer", role=Role.VIEWER)
RESOLVERS = Path(__file__).resolve().parent.parent / "resolvers"


@dataclass(frozen=True)
class Rename:
    name: str


async def _rename_first_program(tx: Tx, request: Rename) -> Program:
    program = await tx.session.scalar(select(Program).order_by(Program.id).limit(1))
    await tx.guarded_update(program, {"name": request.name}, Program.id == program.id, None)
    return program


@mutation("renameProgramUnchecked")
async def rename_unchecked(tx: Tx, request: Rename) -> Program:
    return await _rename_first_program(tx, request)


@mutation("createProgram")
async def rename_checked(tx: Tx, request: Rename) -> Program:
    tx.require()  # createProgram's permission: ADMIN and MINISTRY
    return await _rename_first_program(tx, request)


async def _state(db: Database) -> tuple[str, int]:
    async with db.reading() as session:
        name = await session.scalar(select(Program.name).order_by(Program.id).limit(1))
        return name, await session.scalar(select(func.count()).select_from(AuditEvent))


async def test_a_write_that_checked_no_permission_is_refused_and_rolled_back(fresh_db: Database) -> None:
    before = await _state(fresh_db)
    with pytest.raises(RuntimeError, match="renameProgramUnchecked checked no permission"):
        await rename_unchecked(make_scope(fresh_db, ADMIN), Rename("改名而未检查权限"))
    assert await _state(fresh_db) == before, "neither the change nor its audit event is kept"


async def test_a_write_that_declares_its_permission_runs_for_whoever_has_it(fresh_db: Database) -> None:
    with pytest.raises(ApiError) as refused:
        await rename_checked(make_scope(fresh_db, VIEWER), Rename("观察者改名"))
    assert refused.value.code is ErrorCode.FORBIDDEN
    outcome = await rename_checked(make_scope(fresh_db, ADMIN), Rename("管理员改名"))
    assert outcome.errors == [] and outcome.value.name == "管理员改名"
    assert (await _state(fresh_db))[0] == "管理员改名"


def _functions() -> dict[str, dict[str, ast.AST]]:
    """Every function of resolvers/, by module and name."""
    found: dict[str, dict[str, ast.AST]] = {}
    for path in RESOLVERS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found[str(path)] = {
            node.name: node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
    return found


def _checks_permission(name: str, module: str, functions: dict[str, dict[str, ast.AST]], seen: set[str]) -> bool:
    """Whether the function, or one it calls (in its module, else elsewhere in resolvers/), calls
    tx.require or tx.require_rule."""
    node = functions[module].get(name) or next((f[name] for f in functions.values() if name in f), None)
    if node is None or name in seen:
        return False
    seen.add(name)
    for call in (each for each in ast.walk(node) if isinstance(each, ast.Call)):
        callee = call.func
        is_tx = isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name) and callee.value.id == "tx"
        if is_tx and callee.attr in {"require", "require_rule"}:
            return True
        if isinstance(callee, ast.Name) and _checks_permission(callee.id, module, functions, seen):
            return True
    return False


def _mutations(functions: dict[str, dict[str, ast.AST]]) -> list[tuple[str, str]]:
    return [
        (module, name)
        for module, defined in functions.items()
        for name, node in defined.items()
        if any(
            isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "mutation"
            for decorator in node.decorator_list
        )
    ]


def test_every_mutation_declares_its_permission() -> None:
    functions = _functions()
    mutations = _mutations(functions)
    assert len(mutations) >= 25, "the scan finds the mutations"
    undeclared = [
        f"{Path(module).name}:{name}"
        for module, name in mutations
        if not _checks_permission(name, module, functions, set())
    ]
    assert undeclared == []
