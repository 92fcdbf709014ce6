"""Relay plumbing: the Node interface, PageInfo and generic cursor connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from resolvers.pagination import Page
from schema.engine.lookahead import read_ahead

T = TypeVar("T")
C = TypeVar("C")


def instance(cls: type[C], fields: dict[str, Any]) -> C:
    """An instance of a strawberry type holding `fields`, made without its dataclass __init__.
    Binding a dozen keyword arguments cost a third of making a node, and a pairing's detail makes
    some sixty nodes and as many edges. `fields` names every field that __init__ takes, as the
    from_model functions do (tests/test_nodes.py checks each against __init__)."""
    made = object.__new__(cls)
    made.__dict__ = fields
    return made


@strawberry.interface(description="An object with an opaque global ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def _cursor(root: Edge[Any]) -> str:
    return root.page.cursor(root.index)


@strawberry.type
class Edge(Generic[T]):
    # Encoded when asked for: most clients read the end cursor of a page alone.
    cursor: str = strawberry.field(resolver=_cursor, metadata=read_ahead(lambda edge, context: _cursor(edge)))
    node: T
    page: strawberry.Private[Page[Any]]
    index: strawberry.Private[int]


def _page_info(root: Connection[Any]) -> PageInfo:
    page = root.page
    return PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=page.cursor(0) if page.items else None,
        end_cursor=page.cursor(-1) if page.items else None,
    )


@strawberry.type(description="A page of a list, ordered stably; `first` is at most 100.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    # Made when asked for, as the edges' cursors are.
    page_info: PageInfo = strawberry.field(
        resolver=_page_info, metadata=read_ahead(lambda root, context: _page_info(root))
    )
    page: strawberry.Private[Page[Any]]

    @strawberry.field(description="How many objects the whole list holds (that the caller may see).")
    async def total_count(self) -> int:
        return await self.page.count()

    @classmethod
    def of(cls, page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
        return cls.of_nodes(page, [convert(item) for item in page.items])

    @classmethod
    def of_nodes(cls, page: Page[Any], nodes: list[T]) -> Connection[T]:
        """The connection of a page whose rows were already turned into nodes, in the same order."""
        if len(nodes) != len(page.items):
            raise ValueError(f"{len(nodes)} nodes for a page of {len(page.items)}")
        edges = [instance(Edge, {"node": node, "page": page, "index": index}) for index, node in enumerate(nodes)]
        return instance(cls, {"edges": edges, "page": page})
