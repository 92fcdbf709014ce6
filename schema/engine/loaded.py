"""Fields whose values a request's loaders hold: one description serves the field's resolver, its
read ahead (schema/engine/execution.py completes it without a resolver call when the value is at
hand) and the fetch ahead of a parent that knows what the query will ask for (a pairing's lists)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from resolvers.batching import BatchLoader
from resolvers.child_pages import ChildPageKey
from resolvers.loaders import Loaders
from resolvers.pagination import Page
from resolvers.scope import Scope
from schema.engine.lookahead import NOT_FETCHED, NotFetched, read_ahead
from schema.relay import Connection

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


@dataclass(frozen=True)
class LoadedField(Generic[K, V, T]):
    """`loader` picks the request's loader (a typed attribute of Loaders), `key` makes its key from
    the object's pk and the field's arguments, and `value` turns what the loader holds into the
    field's value."""

    loader: Callable[[Loaders], BatchLoader[K, V]]
    key: Callable[..., K]
    value: Callable[[V], T]

    async def load(self, loaders: Loaders, pk: int, **arguments: Any) -> V:
        return await self.loader(loaders).load(self.key(pk, **arguments))

    async def resolve(self, loaders: Loaders, pk: int, **arguments: Any) -> T:
        return self.value(await self.load(loaders, pk, **arguments))

    def read(self, source: Any, context: Scope, **arguments: Any) -> T | NotFetched:
        found = self.loader(context.loaders).loaded(self.key(source.pk, **arguments), NOT_FETCHED)
        return found if isinstance(found, NotFetched) else self.value(found)

    @property
    def metadata(self) -> dict[str, Any]:
        return read_ahead(self.read)

    def fetch(
        self, loaders: Loaders, pks: Sequence[int], arguments: Sequence[dict[str, Any]]
    ) -> Coroutine[Any, Any, list[V]]:
        """What selections of the field with these arguments (Selected.arguments) need, for each of
        these objects, in one batch: asked for now, to be awaited (BatchLoader.load_many)."""
        return self.loader(loaders).load_many(self.keys(pks, arguments))

    def keys(self, pks: Sequence[int], arguments: Sequence[dict[str, Any]]) -> list[K]:
        """The loader's keys for selections of the field with these arguments on each of these objects."""
        return [self.key(pk, **each) for each in arguments for pk in pks]


def _page_key(pk: int, first: int | None = None, after: str | None = None) -> ChildPageKey:
    """The key of a page of an object's children, for a connection with no filters."""
    return ChildPageKey(pk, first, after)


def _own_key(pk: int) -> int:
    """The key of all of an object's children."""
    return pk


def connection_field(
    loader: Callable[[Loaders], BatchLoader[ChildPageKey, Page[Any]]],
    convert: Callable[[Any], T],
    key: Callable[..., ChildPageKey] = _page_key,
) -> LoadedField[ChildPageKey, Page[Any], Connection[T]]:
    """A connection held by the request's `loader` (`lambda loaders: loaders.x`), its rows turned
    into nodes by `convert`."""
    return LoadedField(loader, key, lambda page: Connection.of(page, convert))


def list_field(
    loader: Callable[[Loaders], BatchLoader[int, list[Any]]], convert: Callable[[Any], T]
) -> LoadedField[int, list[Any], list[T]]:
    """A whole list of an object's children held by the request's `loader`."""
    return LoadedField(loader, _own_key, lambda rows: [convert(row) for row in rows])
