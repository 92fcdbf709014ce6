"""What the fast execution path (schema/engine/execution.py) cannot complete it hands back to
graphql-core, which answers as it always does: a small schema of plain fields, no database."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.engine.execution import FastExecutionContext
from schema.engine.lookahead import Lazy

# A small schema of plain fields holding what the fast path must hand back to graphql-core: nulls on
# non-null fields and list items, values a scalar refuses, awaitables, iterators, attributes that raise.


@strawberry.enum
class Shade(Enum):
    LIGHT = "light"
    DARK = "dark"


@strawberry.type
class Leaf:
    name: str
    count: int | None
    shade: Shade | None = None
    lit: bool = True


@strawberry.type
class Box:
    label: str
    leaf: Leaf | None
    leaves: list[Leaf]
    maybe_leaves: list[Leaf | None] | None

    @strawberry.field
    async def later(self, times: int = 1) -> str:
        return self.label * times

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("broken on purpose")

    @strawberry.field
    def maybe_broken(self) -> str | None:
        raise ValueError("maybe broken on purpose")


class Raising:
    """A source whose attribute raises, as a broken property would."""

    count = 1

    @property
    def name(self) -> str:
        raise ValueError("boom")


async def leaf_later() -> Leaf:
    return Leaf(name="later", count=3)


def boxes() -> list[Box | None]:
    fine = Leaf(name="fine", count=1, shade=Shade.DARK)
    return [
        Box(label="plain", leaf=fine, leaves=[fine, fine], maybe_leaves=(fine, None)),
        Box(label="null name", leaf=Leaf(name=None, count=2), leaves=[], maybe_leaves=None),
        Box(label="null item", leaf=None, leaves=[fine, None], maybe_leaves=[]),
        Box(label="bad int", leaf=Leaf(name="x", count="many"), leaves=[], maybe_leaves=[Leaf(name=None, count=1)]),
        Box(label="bad enum", leaf=Leaf(name="y", count=2, shade="purple"), leaves=[], maybe_leaves=None),
        Box(label="big int", leaf=Leaf(name="z", count=2**40, lit=1), leaves=[], maybe_leaves=None),
        Box(label="awaitable", leaf=Lazy(leaf_later), leaves=[fine], maybe_leaves=None),
        Box(label="iterator", leaf=fine, leaves=iter([fine]), maybe_leaves=iter([None, fine])),
        Box(label="raising", leaf=Raising(), leaves=[Raising()], maybe_leaves=None),
        None,
    ]


@strawberry.type
class MiniQuery:
    @strawberry.field
    def boxes(self) -> list[Box | None]:
        return boxes()


MINI = """{ boxes { __typename label leaf { name count shade lit } leaves { name } maybeLeaves { __typename name count } } }"""


async def mini_both(document: str) -> tuple[Any, Any, Any]:
    results = [
        await strawberry.Schema(query=MiniQuery, execution_context_class=context_class).execute(document)
        for context_class in (FastExecutionContext, StrawberryGraphQLCoreExecutionContext)
    ]
    fast, plain = ((json.dumps(r.data), [e.formatted for e in r.errors or ()]) for r in results)
    return fast, plain, results[0]


async def test_what_the_fast_path_cannot_complete_is_graphql_cores() -> None:
    fast, plain, result = await mini_both(MINI)
    assert fast == plain
    labels = [box and box["label"] for box in result.data["boxes"]]
    assert labels == ["plain", "null name", None, "bad int", "bad enum", "big int", "awaitable", "iterator", None, None]
    assert result.data["boxes"][0]["leaf"]["shade"] == "DARK"
    assert len(fast[1]) == 8


@pytest.mark.parametrize(
    "document",
    [
        "{ boxes { twice: later(times: 2) label leaf { name } later } }",
        "{ boxes { label maybeBroken leaf { name } } }",
        "{ boxes { label broken leaves { name } } }",
        "{ boxes { maybeBroken later broken label } }",
    ],
)
async def test_objects_mixing_plain_and_resolved_fields(document) -> None:
    """Plain fields are completed by the fast path, the others by graphql-core, in the same places
    and with the same errors and null bubbling."""
    fast, plain, result = await mini_both(document)
    assert fast == plain
    assert result.data is not None and result.data["boxes"][0] is not None or result.errors
