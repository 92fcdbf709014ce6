"""milestoneEvents over graphql-transport-ws against a real Uvicorn server and a real WebSocket client."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from db.batch import Batch
from db.engine import Database
from db.models import Milestone, MilestoneEvent, MilestoneEventKind, MilestoneUpdate, Pairing, Role, UpdateStatus
from resolvers.events import record_milestone_event
from resolvers.ids import decode_id, encode_id
from resolvers.tokens import create_token
from tests.conftest import LiveServer, run_graphql

pytestmark = pytest.mark.slow  # WebSockets to a real server

SUBSCRIBE = """
subscription Events($programId: ID, $pairingId: ID, $since: ID) {
  milestoneEvents(programId: $programId, pairingId: $pairingId, since: $since) {
    id kind occurredAt
    milestone { id title pairing { id } }
    update { id note }
  }
}
"""
WAIT = 10.0


@pytest.fixture(scope="module")
async def events_db(databases) -> AsyncIterator[Database]:
    db = await databases.new_database("events", demo=True)
    yield db
    await db.dispose()


@pytest.fixture(scope="module")
def server(events_db: Database) -> Iterator[LiveServer]:
    live = LiveServer(events_db.url).start()
    yield live
    live.stop()


def ws_url(server: LiveServer) -> str:
    return server.url.replace("http://", "ws://") + "/graphql"


async def open_connection(server: LiveServer, payload: dict[str, Any] | None = None, **kwargs) -> ClientConnection:
    websocket = await connect(ws_url(server), subprotocols=["graphql-transport-ws"], **kwargs)
    await websocket.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    assert json.loads(await asyncio.wait_for(websocket.recv(), WAIT))["type"] == "connection_ack"
    return websocket


async def subscribe(websocket: ClientConnection, op_id: str, **variables: Any) -> None:
    message = {"id": op_id, "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": variables}}
    await websocket.send(json.dumps(message))


async def receive(websocket: ClientConnection) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(websocket.recv(), WAIT))


async def next_event(websocket: ClientConnection) -> dict[str, Any]:
    message = await receive(websocket)
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return message["payload"]["data"]["milestoneEvents"]


async def pairing_pks(db: Database) -> list[int]:
    async with db.reading() as session:
        return list((await session.scalars(select(Pairing.id).order_by(Pairing.id))).all())


async def add_event(session: AsyncSession, pairing_pk: int, note: str) -> int:
    """A submitted update and its event, written the way the mutation writes them; the update's id."""
    milestone = await session.scalar(
        select(Milestone).where(Milestone.pairing_id == pairing_pk).order_by(Milestone.id).limit(1)
    )
    # Stored as already returned: one update is pending per milestone, and these pile up.
    update = MilestoneUpdate(milestone_id=milestone.id, note=note, submitted_by="test", status=UpdateStatus.RETURNED)
    session.add(update)
    await session.flush()
    batch = Batch()
    pairing = await session.get_one(Pairing, pairing_pk)
    record_milestone_event(session, batch, MilestoneEventKind.SUBMITTED, milestone, update, pairing)
    await batch.run(session)
    return update.id


async def event_of(db: Database, update_pk: int) -> int:
    """The id of the update's event, read once committed: on PostgreSQL an event takes its id, in
    commit order, at COMMIT."""
    async with db.reading() as session:
        event_id = await session.scalar(select(MilestoneEvent.id).where(MilestoneEvent.update_id == update_pk))
    assert event_id is not None
    return event_id


async def write_event(db: Database, pairing_pk: int, note: str, *, commit: bool = True) -> int:
    """`add_event` committed (its event's id), or rolled back (the id the event had meanwhile)."""

    class RolledBack(Exception):
        pass

    try:
        async with db.writing() as session:
            update_pk = await add_event(session, pairing_pk, note)
            if not commit:
                event_id = await session.scalar(select(MilestoneEvent.id).where(MilestoneEvent.update_id == update_pk))
                raise RolledBack
    except RolledBack:
        return event_id
    return await event_of(db, update_pk)


def event_pk(event: dict[str, Any]) -> int:
    type_name, pk = decode_id(event["id"])
    assert type_name == "MilestoneEvent"
    return pk


async def test_a_committed_event_reaches_the_subscriber_and_a_rolled_back_one_never_does(server, events_db):
    first = (await pairing_pks(events_db))[0]
    async with await open_connection(server) as websocket:
        await subscribe(websocket, "1")
        await asyncio.sleep(0.3)  # the subscription is registered before anything is written
        await write_event(events_db, first, "rolled back", commit=False)
        committed = await write_event(events_db, first, "第一次进展报告")
        event = await next_event(websocket)
        assert event_pk(event) == committed
        assert event["kind"] == "SUBMITTED"
        assert event["update"]["note"] == "第一次进展报告"
        assert event["milestone"]["pairing"]["id"] == encode_id("Pairing", first)
        assert event["occurredAt"]


async def test_a_pairing_filter_skips_other_pairings(server, events_db):
    first, second = (await pairing_pks(events_db))[:2]
    async with await open_connection(server) as websocket:
        await subscribe(websocket, "p", pairingId=encode_id("Pairing", second))
        await asyncio.sleep(0.3)
        await write_event(events_db, first, "not for this subscriber")
        wanted = await write_event(events_db, second, "for this subscriber")
        event = await next_event(websocket)
        assert event_pk(event) == wanted
        assert event["update"]["note"] == "for this subscriber"


async def test_events_take_their_ids_in_commit_order(events_db):
    """Of two writers, the one that commits first has the lower event id, whichever wrote its row
    first: a replay "since n" never passes over an event that commits later with a lower id."""
    if events_db.is_sqlite:
        pytest.skip("SQLite runs one write transaction at a time: ids are in commit order by themselves")
    first, second = (await pairing_pks(events_db))[3:5]
    written, go_on = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> int:
        async with events_db.writing() as session:
            update_pk = await add_event(session, first, "written first, committed last")
            written.set()
            await go_on.wait()
        return update_pk

    slow = asyncio.create_task(slow_writer())
    await asyncio.wait_for(written.wait(), WAIT)
    fast_event = await asyncio.wait_for(write_event(events_db, second, "written last, committed first"), WAIT)
    go_on.set()
    slow_event = await event_of(events_db, await slow)
    assert fast_event < slow_event


async def test_since_replays_what_was_missed_then_continues_live_without_repeats(server, events_db):
    pairing = (await pairing_pks(events_db))[2]
    missed = [await write_event(events_db, pairing, f"missed {n}") for n in range(3)]
    async with await open_connection(server) as websocket:
        await subscribe(
            websocket, "r", pairingId=encode_id("Pairing", pairing), since=encode_id("MilestoneEvent", missed[0])
        )
        replayed = [event_pk(await next_event(websocket)) for _ in range(2)]
        assert replayed == missed[1:]
        live = [await write_event(events_db, pairing, f"live {n}") for n in range(2)]
        received = [event_pk(await next_event(websocket)) for _ in range(2)]
        assert received == live
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(websocket.recv(), 1.5)


async def test_the_eleventh_subscription_on_a_connection_is_refused(server):
    async with await open_connection(server) as websocket:
        for op_id in range(10):
            await subscribe(websocket, str(op_id))
        await subscribe(websocket, "eleventh")
        message = await receive(websocket)
        assert message["type"] == "error"
        assert message["id"] == "eleventh"
        assert "limit" in message["payload"][0]["message"].lower()


async def test_the_legacy_graphql_ws_protocol_is_refused(server):
    async with connect(ws_url(server), subprotocols=["graphql-ws"]) as websocket:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(websocket.recv(), WAIT)
    assert closed.value.rcvd.code == 4406


async def test_a_subscription_over_http_is_refused(events_db):
    result = await run_graphql(events_db, SUBSCRIBE)
    assert result.errors


async def test_a_subscriber_that_stops_reading_is_closed_with_4429(events_db):
    live = LiveServer(events_db.url, env={"QIANSHOU_SUBSCRIBER_QUEUE_SIZE": "3"}).start()
    try:
        pairing = (await pairing_pks(events_db))[3]
        client_socket = socket.create_connection(("127.0.0.1", live.port))
        client_socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        async with await open_connection(live, sock=client_socket, max_size=None) as websocket:
            await subscribe(websocket, "slow", pairingId=encode_id("Pairing", pairing))
            await asyncio.sleep(0.3)
            big_note = "慢" * 60_000
            # Enough to fill the socket buffers, so the server's sends block and its queue fills.
            for n in range(150):
                await write_event(events_db, pairing, f"{n} {big_note}")
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(websocket.recv(), 30)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4429
            assert closed.value.rcvd.reason == "subscriber too slow"
        # The server is still healthy for everyone else.
        assert httpx.get(f"{live.url}/readyz").status_code == 200
    finally:
        live.stop()


SUBMIT = """
mutation($input: SubmitMilestoneUpdateInput!) {
  submitMilestoneUpdate(input: $input) { milestoneUpdate { id } userErrors { message code } }
}
"""
REVIEW = """
mutation($input: ReviewMilestoneUpdateInput!) {
  reviewMilestoneUpdate(input: $input) { milestone { status } userErrors { message code } }
}
"""


async def open_milestones(db: Database) -> list[tuple[int, int, int]]:
    """(milestone, pairing, mentor) of milestones that take updates, in pairings of different mentors."""
    async with db.reading() as session:
        rows = (
            await session.execute(
                select(Milestone.id, Pairing.id, Pairing.mentor_id)
                .join(Pairing, Pairing.id == Milestone.pairing_id)
                .where(Milestone.status.in_(("NOT_STARTED", "IN_PROGRESS", "RETURNED")))
                .order_by(Milestone.id)
            )
        ).all()
    by_mentor: dict[int, tuple[int, int, int]] = {}
    for milestone, pairing, mentor in rows:
        by_mentor.setdefault(mentor, (milestone, pairing, mentor))
    return list(by_mentor.values())


async def mentor_token(db: Database, name: str, mentor_pk: int) -> str:
    return await create_token(db, name, Role.MENTOR_AGENCY, agency_id=encode_id("Agency", mentor_pk))


def submit(server: LiveServer, token: str, milestone_pk: int, note: str) -> str:
    response = httpx.post(
        f"{server.url}/graphql",
        json={
            "query": SUBMIT,
            "variables": {"input": {"milestoneId": encode_id("Milestone", milestone_pk), "note": note}},
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    payload = response.json()["data"]["submitMilestoneUpdate"]
    assert payload["userErrors"] == [], payload
    return payload["milestoneUpdate"]["id"]


async def test_a_mutation_over_http_reaches_a_subscriber_who_sees_only_its_own_pairings(server, events_db):
    (mine, my_pairing, me), (theirs, _, them) = (await open_milestones(events_db))[:2]
    my_token = await mentor_token(events_db, "events-mentor-a", me)
    their_token = await mentor_token(events_db, "events-mentor-b", them)
    async with await open_connection(server, {"authorization": f"Bearer {my_token}"}) as websocket:
        await subscribe(websocket, "mine")
        await asyncio.sleep(0.3)
        submit(server, their_token, theirs, "另一个机构的进展")
        update_id = submit(server, my_token, mine, "本机构的进展")
        event = await next_event(websocket)
        assert event["update"]["id"] == update_id
        assert event["milestone"]["pairing"]["id"] == encode_id("Pairing", my_pairing)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(websocket.recv(), 1.5)


async def test_a_bad_token_in_connection_init_is_refused(server):
    websocket = await connect(ws_url(server), subprotocols=["graphql-transport-ws"])
    await websocket.send(json.dumps({"type": "connection_init", "payload": {"token": "qs_" + "x" * 43}}))
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(websocket.recv(), WAIT)
    assert closed.value.rcvd.code == 4403


@pytest.mark.postgres_only
async def test_an_event_from_one_server_process_reaches_a_subscriber_of_another(events_db):
    first, second = LiveServer(events_db.url).start(), LiveServer(events_db.url).start()
    try:
        milestone, pairing, mentor = (await open_milestones(events_db))[2]
        token = await mentor_token(events_db, "events-two-servers", mentor)
        reviewer = await create_token(events_db, "events-reviewer", Role.MINISTRY)
        async with await open_connection(first, {"token": reviewer}) as websocket:
            await subscribe(websocket, "cross", pairingId=encode_id("Pairing", pairing))
            await asyncio.sleep(0.3)
            update_id = submit(second, token, milestone, "另一个进程处理的提交")
            submitted = await next_event(websocket)
            assert (submitted["kind"], submitted["update"]["id"]) == ("SUBMITTED", update_id)
            async with events_db.reading() as session:
                version = await session.scalar(select(Milestone.version).where(Milestone.id == milestone))
            review = {"updateId": update_id, "decision": "APPROVE", "milestoneVersion": version}
            response = httpx.post(
                f"{second.url}/graphql",
                json={"query": REVIEW, "variables": {"input": review}},
                headers={"Authorization": f"Bearer {reviewer}"},
                timeout=30,
            )
            assert response.json()["data"]["reviewMilestoneUpdate"]["userErrors"] == []
            approved = await next_event(websocket)
            assert approved["kind"] == "APPROVED" and approved["update"]["id"] == update_id
            assert event_pk(approved) > event_pk(submitted)
    finally:
        first.stop()
        second.stop()


async def test_a_malformed_authorization_is_refused_and_another_origin_may_connect(server):
    websocket = await connect(ws_url(server), subprotocols=["graphql-transport-ws"])
    await websocket.send(json.dumps({"type": "connection_init", "payload": {"authorization": "Basic abc"}}))
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(websocket.recv(), WAIT)
    assert closed.value.rcvd.code == 4403
    dashboard = await open_connection(server, origin="https://dashboard.example")
    await dashboard.close()
