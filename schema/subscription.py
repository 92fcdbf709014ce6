from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from resolvers.broker import ConnectionScope, milestone_event_stream
from resolvers.errors import ApiError, ErrorCode
from resolvers.events import EventFilter, decode_since
from schema.context import Info
from schema.events import MilestoneEvent


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Milestone events as they commit, limited to pairings the caller may read. With "
        "`since` (a MilestoneEvent ID) the events after it are replayed first, then live ones follow "
        "without gap or repeat. Served over WebSocket (graphql-transport-ws) at /graphql."
    )
    async def milestone_events(
        self,
        info: Info,
        program_id: strawberry.ID | None = None,
        pairing_id: strawberry.ID | None = None,
        since: strawberry.ID | None = None,
    ) -> AsyncGenerator[MilestoneEvent, None]:
        scope = info.context
        if not isinstance(scope, ConnectionScope):
            raise ApiError(
                ErrorCode.INVALID,
                "subscriptions are served over WebSocket (graphql-transport-ws)",
                message_zh="订阅通过 WebSocket（graphql-transport-ws）提供",
            )
        event_filter = EventFilter.of(program_id, pairing_id)
        async for view in milestone_event_stream(scope, event_filter, decode_since(since)):
            scope.refresh()
            yield MilestoneEvent.from_view(view)
