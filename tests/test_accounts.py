"""Accounts managed by ADMIN through GraphQL and on the command line, sessions' expiry, and the
demo's accounts."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select, update

from db.engine import Database
from db.models import Account, AccountSession, AuditEvent, Role
from resolvers.access import Actor
from resolvers.accounts import DEMO_PASSWORD, ensure_demo_accounts
from resolvers.ids import decode_id, encode_id
from resolvers.sessions import Outcome, SessionPolicy, hash_secret, session_actor, sign_in
from resolvers.tokens import demo_name, demo_scopes
from tests.commands import qianshou
from tests.conftest import gql, run_graphql

ADMIN = Actor(name="admin-token", role=Role.ADMIN, token_id=1)
MINISTRY = Actor(name="ministry-token", role=Role.MINISTRY, token_id=2)
POLICY = SessionPolicy()

CREATE = """
mutation($input: CreateAccountInput!) {
  createAccount(input: $input) {
    account { id name role agency { name } region { name } disabledAt }
    userErrors { field message code }
  }
}
"""
DISABLE = "mutation($id: ID!) { disableAccount(input: {id: $id}) { account { disabledAt } userErrors { field code } } }"
ENABLE = "mutation($id: ID!) { enableAccount(input: {id: $id}) { account { disabledAt } userErrors { field code } } }"
RESET = """mutation($id: ID!, $password: String!) {
  resetAccountPassword(input: {id: $id, password: $password}) { account { name } userErrors { field message code } }
}"""
ACCOUNTS = "{ accounts(first: 50) { totalCount edges { node { name role } } } }"


async def create(db: Database, actor: Actor = ADMIN, **fields) -> dict:
    values = {"name": "wang.fang", "password": "a-good-password", "role": "VIEWER", **fields}
    return (await gql(db, CREATE, {"input": values}, actor))["createAccount"]


async def test_admin_creates_accounts_with_the_tokens_scope_rules(fresh_db: Database) -> None:
    scopes = await demo_scopes(fresh_db)
    mentor = await create(fresh_db, name="李四", role="MENTOR_AGENCY", agencyId=scopes[Role.MENTOR_AGENCY][0])
    assert mentor["userErrors"] == []
    assert mentor["account"]["name"] == "李四" and mentor["account"]["agency"]["name"].endswith("社会工作服务中心")
    staff = await create(fresh_db, name="staff", role="REGIONAL_STAFF", regionId=scopes[Role.REGIONAL_STAFF][1])
    # The demo's regional staff covers the city of an ACTIVE pairing with an update to review.
    assert staff["account"]["region"] == {"name": "洛阳市"}
    listed = (await gql(fresh_db, ACCOUNTS, actor=ADMIN))["accounts"]
    assert listed["totalCount"] == 2 and [edge["node"]["name"] for edge in listed["edges"]] == ["李四", "staff"]


async def test_bad_account_input_is_a_user_error_and_writes_nothing(fresh_db: Database) -> None:
    scopes = await demo_scopes(fresh_db)
    cases = [
        ({"name": " "}, ["name"], "INVALID"),
        ({"name": "has space"}, ["name"], "INVALID"),
        ({"password": "short"}, ["password"], "INVALID"),
        ({"password": "wang.fang1", "name": "WANG.FANG1"}, ["password"], "INVALID"),
        ({"role": "MENTOR_AGENCY"}, ["agencyId"], "INVALID"),
        ({"role": "VIEWER", "regionId": scopes[Role.REGIONAL_STAFF][1]}, ["regionId"], "INVALID"),
        ({"role": "SUPPORTED_AGENCY", "agencyId": encode_id("Agency", 999_999)}, ["agencyId"], "NOT_FOUND"),
    ]
    for fields, field, code in cases:
        result = await create(fresh_db, **fields)
        assert result["account"] is None, fields
        assert [(error["field"], error["code"]) for error in result["userErrors"]] == [(field, code)], fields
    assert (await create(fresh_db))["userErrors"] == []
    duplicate = await create(fresh_db)
    assert [(error["field"], error["code"]) for error in duplicate["userErrors"]] == [(["name"], "CONFLICT")]
    async with fresh_db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Account)) == 1


async def test_only_admin_manages_and_lists_accounts(fresh_db: Database) -> None:
    for query, variables in (
        (CREATE, {"input": {"name": "x-person", "password": "a-good-password", "role": "VIEWER"}}),
        (ACCOUNTS, None),
    ):
        result = await run_graphql(fresh_db, query, variables, MINISTRY)
        assert result.errors and result.errors[0].extensions["code"] == "FORBIDDEN"
    async with fresh_db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Account)) == 0


async def test_disable_enable_and_reset_end_sessions_and_audit_without_the_hash(fresh_db: Database) -> None:
    account_id = (await create(fresh_db))["account"]["id"]
    first = await sign_in(fresh_db, "wang.fang", "a-good-password", POLICY)
    assert first.outcome is Outcome.OK and await session_actor(fresh_db, first.secret, POLICY) is not None

    assert (await gql(fresh_db, DISABLE, {"id": account_id}, ADMIN))["disableAccount"]["account"]["disabledAt"]
    assert await session_actor(fresh_db, first.secret, POLICY) is None
    again = (await gql(fresh_db, DISABLE, {"id": account_id}, ADMIN))["disableAccount"]["userErrors"]
    assert again == [{"field": ["id"], "code": "NOT_ALLOWED_TRANSITION"}]
    assert (await sign_in(fresh_db, "wang.fang", "a-good-password", POLICY)).outcome is Outcome.DISABLED
    assert (await gql(fresh_db, ENABLE, {"id": account_id}, ADMIN))["enableAccount"]["account"]["disabledAt"] is None

    second = await sign_in(fresh_db, "wang.fang", "a-good-password", POLICY)
    reset = await gql(fresh_db, RESET, {"id": account_id, "password": "another-good-one"}, ADMIN)
    assert reset["resetAccountPassword"]["userErrors"] == []
    assert await session_actor(fresh_db, second.secret, POLICY) is None
    assert (await sign_in(fresh_db, "wang.fang", "a-good-password", POLICY)).outcome is Outcome.BAD_CREDENTIALS
    assert (await sign_in(fresh_db, "wang.fang", "another-good-one", POLICY)).outcome is Outcome.OK

    async with fresh_db.reading() as session:
        events = (await session.scalars(select(AuditEvent).where(AuditEvent.object_type == "Account"))).all()
        stored_hash = await session.scalar(select(Account.password_hash))
    assert [event.action for event in events] == [
        "createAccount",
        "disableAccount",
        "enableAccount",
        "resetAccountPassword",
    ]
    assert not any(stored_hash in str(event.changes) or "password_hash" in str(event.changes) for event in events)
    assert stored_hash.startswith("$argon2id$")


async def test_an_admin_cannot_disable_its_own_account(fresh_db: Database) -> None:
    created = await create(fresh_db, role="ADMIN")
    me = Actor(name="wang.fang", role=Role.ADMIN, account_id=decode_id(created["account"]["id"])[1])
    refused = (await gql(fresh_db, DISABLE, {"id": created["account"]["id"]}, me))["disableAccount"]
    assert refused["userErrors"] == [{"field": ["id"], "code": "INVALID"}] and refused["account"] is None


async def test_sessions_end_when_idle_or_too_old(fresh_db: Database) -> None:
    await create(fresh_db)
    idle = await sign_in(fresh_db, "wang.fang", "a-good-password", POLICY)
    old = await sign_in(fresh_db, "wang.fang", "a-good-password", POLICY)
    now = dt.datetime.now(dt.UTC)
    async with fresh_db.writing() as session:
        await session.execute(
            update(AccountSession)
            .where(AccountSession.token_hash == hash_secret(idle.secret))
            .values(last_seen_at=now - POLICY.idle - dt.timedelta(seconds=1))
        )
        await session.execute(
            update(AccountSession)
            .where(AccountSession.token_hash == hash_secret(old.secret))
            .values(expires_at=now - dt.timedelta(seconds=1))
        )
    assert await session_actor(fresh_db, idle.secret, POLICY) is None
    assert await session_actor(fresh_db, old.secret, POLICY) is None
    async with fresh_db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(AccountSession)) == 0


async def test_a_lock_ends_when_the_failures_leave_the_window(fresh_db: Database) -> None:
    await create(fresh_db)
    policy = SessionPolicy(max_failures=2, window=dt.timedelta(seconds=3))
    for _ in range(2):
        assert (await sign_in(fresh_db, "wang.fang", "wrong-password", policy)).outcome is Outcome.BAD_CREDENTIALS
    locked = await sign_in(fresh_db, "wang.fang", "a-good-password", policy)
    assert locked.outcome is Outcome.LOCKED and dt.timedelta(0) < locked.retry_after <= policy.window
    await asyncio.sleep(locked.retry_after.total_seconds() + 0.05)
    assert (await sign_in(fresh_db, "wang.fang", "a-good-password", policy)).outcome is Outcome.OK


@pytest.mark.slow
async def test_demo_accounts_are_made_once_and_repaired(fresh_db: Database) -> None:
    scopes = await demo_scopes(fresh_db)
    printed = await ensure_demo_accounts(fresh_db, scopes)
    assert set(printed) == {demo_name(role) for role in Role} and "demo-regional-staff" in printed
    assert set(printed.values()) == {DEMO_PASSWORD}

    async def audit_count() -> int:
        async with fresh_db.reading() as session:
            return await session.scalar(select(func.count()).select_from(AuditEvent))

    before = await audit_count()
    await ensure_demo_accounts(fresh_db, scopes)
    assert await audit_count() == before  # a second run changes nothing
    async with fresh_db.writing() as session:
        await session.execute(
            update(Account).where(Account.name == "demo-viewer").values(disabled_at=dt.datetime.now(dt.UTC))
        )
    await ensure_demo_accounts(fresh_db, scopes)
    signed_in = await sign_in(fresh_db, "demo-viewer", DEMO_PASSWORD, POLICY)
    assert signed_in.outcome is Outcome.OK
    actor = await session_actor(
        fresh_db, (await sign_in(fresh_db, "demo-mentor-agency", DEMO_PASSWORD, POLICY)).secret, POLICY
    )
    assert actor.role is Role.MENTOR_AGENCY and encode_id("Agency", actor.agency_id) == scopes[Role.MENTOR_AGENCY][0]


@pytest.mark.slow
async def test_user_commands_never_echo_the_password(fresh_db: Database) -> None:
    secret = "correct-horse-battery"
    created = qianshou(
        "user",
        "create",
        "--name",
        "zhao",
        "--role",
        "MINISTRY",
        "--password-stdin",
        database_url=fresh_db.url,
        stdin=secret + "\n",
    )
    assert created.returncode == 0, created.stderr
    assert secret not in created.stdout + created.stderr
    assert (await sign_in(fresh_db, "zhao", secret, POLICY)).outcome is Outcome.OK
    refused = qianshou(
        "user",
        "create",
        "--name",
        "qian",
        "--role",
        "MENTOR_AGENCY",
        "--password-stdin",
        database_url=fresh_db.url,
        stdin=secret + "\n",
    )
    assert refused.returncode == 1 and "needs agencyId" in refused.stderr
    assert qianshou("user", "disable", "zhao", database_url=fresh_db.url).returncode == 0
    listed = qianshou("user", "list", database_url=fresh_db.url).stdout
    assert "zhao\tMINISTRY" in listed and "disabled" in listed and "$argon2" not in listed
    assert qianshou("user", "enable", "zhao", database_url=fresh_db.url).returncode == 0
    reset = qianshou(
        "user", "reset-password", "zhao", "--password-stdin", database_url=fresh_db.url, stdin="a-new-password-1\n"
    )
    assert reset.returncode == 0 and "a-new-password-1" not in reset.stdout + reset.stderr
    assert (await sign_in(fresh_db, "zhao", "a-new-password-1", POLICY)).outcome is Outcome.OK
    missing = qianshou("user", "disable", "nobody", database_url=fresh_db.url)
    assert missing.returncode == 1 and "no account named 'nobody'" in missing.stderr
