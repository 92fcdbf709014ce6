"""Lists read newest first (an inbox, a delivery log): keyset pages by id descending."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, SQLColumnExpression

from db.engine import Database
from resolvers.errors import ApiError, ErrorCode
from resolvers.pagination import Ordering, Page, _page, page_size


def newest_first(id_column: SQLColumnExpression[int]) -> Ordering:
    """Ordering on the negated id: `after` a cursor means older than it."""
    return Ordering(columns=(-id_column,), key_of=lambda row: (-row.id,))


async def paginate_newest_first(
    db: Database,
    statement: Select[*tuple[Any, ...]],
    id_column: SQLColumnExpression[int],
    *,
    first: int | None,
    after: str | None,
) -> Page[Any]:
    size = page_size(first)
    ordering = newest_first(id_column)
    page_statement = statement
    if after is not None:
        (negated,) = ordering.key(after)
        if negated >= 0:
            raise ApiError(ErrorCode.BAD_CURSOR, f"malformed cursor {after!r}", message_zh=f"游标格式错误：{after!r}")
        page_statement = page_statement.where(id_column < -negated)
    items = list(await db.fetch(page_statement.order_by(id_column.desc()).limit(size + 1)))
    return _page(db, statement, ordering, items, size, after)
