"""Automatic persisted queries (Apollo's APQ): the documents a client may name by their SHA-256.

What a request's `extensions.persistedQuery` asks for is read in server/graphql_http.py
(`persisted_query`); this module keeps the documents.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol


class SharedDocuments(Protocol):
    async def get(self, sha256: str) -> str | None: ...

    async def put(self, sha256: str, query: str) -> None: ...


class PersistedQueries:
    """Automatic persisted queries (Apollo's APQ): a client sends the SHA-256 of a document instead of
    the document; the first time it is unknown (PersistedQueryNotFound) and the client sends both.
    Only document text is kept, never data, so nothing here can go stale. Each process keeps the
    documents it has seen, least recently used first out; with `shared` (Redis, server/shared_state.py)
    a document registered on one server is known to all, and one that a worker has not seen is
    looked up there before the client is asked for it."""

    def __init__(self, max_entries: int = 2048, shared: SharedDocuments | None = None) -> None:
        self.max_entries = max_entries
        self.shared = shared
        self.documents: OrderedDict[str, str] = OrderedDict()

    async def get(self, sha256: str) -> str | None:
        query = self.documents.get(sha256)
        if query is not None:
            self.documents.move_to_end(sha256)
            return query
        if self.shared is not None and (query := await self.shared.get(sha256)) is not None:
            self._remember(sha256, query)
        return query

    async def put(self, sha256: str, query: str) -> None:
        known = sha256 in self.documents
        self._remember(sha256, query)
        if self.shared is not None and not known:
            await self.shared.put(sha256, query)

    def _remember(self, sha256: str, query: str) -> None:
        self.documents[sha256] = query
        self.documents.move_to_end(sha256)
        while len(self.documents) > self.max_entries:
            self.documents.popitem(last=False)
