"""What is worked out once per syntax node of a document and kept for the requests after it.

The parser cache hands every request of a document the same syntax tree, so a value that depends
only on a node (and on something hashable beside it) can be keyed by the node's id. An entry holds
its nodes, so that no other node can take their ids while it lives; past `size` entries the oldest
goes first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class NodeCache(Generic[V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], V]] = OrderedDict()

    def get(self, nodes: tuple[Any, ...], make: Callable[[], V], extra: Hashable = None) -> V:
        """The value kept for these nodes and `extra`, made now by `make` if there is none."""
        key = (extra, *map(id, nodes))
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = (nodes, make())
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry[1]
