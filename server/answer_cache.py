"""Answers kept per process, keyed by their tag (server/etag.py): a dashboard that polls without
`If-None-Match`, or a client that POSTs its queries as most GraphQL clients do, is answered the bytes
computed last time while the data stays the same, without parsing, validating or running anything.

Exact for the reason a 304 is: the tag holds the data version read before the query ran, who asked
and what, so an answer is only ever found again by the same request of the same caller while no
commit has moved the version. A write moves it on every worker at once (it lives in the database),
so the next read anywhere looks for another key. Old keys are never removed on purpose: they are
simply no longer asked for, and fall out as the least recently used.

Only answers to queries without errors are kept (a query's answer is 200 whatever its media type),
and a plain POST is looked up only once its document has been answered as a query here: the data
version costs a statement, which mutations, sent the same way, should not pay.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from server.metrics import ANSWER_CACHE_HITS, ANSWER_CACHE_MISSES

# An answer over 1/LARGEST_SHARE of the bound is not kept: one huge page would push out hundreds of polls.
LARGEST_SHARE = 8
# Documents remembered as queries, by a hash of their text (a body may be 100 KB).
KNOWN_QUERIES = 4096


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    # The operation's name as metrics counted it when the answer was computed, counted again on a hit.
    operation: str | None


class AnswerCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._queries: OrderedDict[bytes, None] = OrderedDict()

    @property
    def on(self) -> bool:
        return self.max_bytes > 0

    def get(self, tag: str) -> Answer | None:
        answer = self._answers.get(tag)
        if answer is None:
            ANSWER_CACHE_MISSES.inc()
            return None
        self._answers.move_to_end(tag)
        ANSWER_CACHE_HITS.inc()
        return answer

    def put(self, tag: str, answer: Answer) -> None:
        size = len(answer.body)
        if size > self.max_bytes // LARGEST_SHARE or tag in self._answers:
            return
        self._answers[tag] = answer
        self.size += size
        while self.size > self.max_bytes:
            _, oldest = self._answers.popitem(last=False)
            self.size -= len(oldest.body)

    def is_query(self, query: str, operation_name: str | None) -> bool:
        """Whether this document (and operation) was answered as a query before, so its POST is worth
        a look-up."""
        key = _document_key(query, operation_name)
        if key not in self._queries:
            return False
        self._queries.move_to_end(key)
        return True

    def note_query(self, query: str, operation_name: str | None) -> None:
        self._queries[_document_key(query, operation_name)] = None
        if len(self._queries) > KNOWN_QUERIES:
            self._queries.popitem(last=False)


def _document_key(query: str, operation_name: str | None) -> bytes:
    return hashlib.blake2b(f"{operation_name!r}\0{query}".encode(), digest_size=16).digest()
