"""The caller's inbox and notification settings.

Every principal (a token, or an account) has an inbox of the notices written for it
(resolvers/notices.py), newest first, and settings: the e-mail address its daily digest goes to.
Marking read and changing one's own settings are the caller's own business: they are one
transaction each, not audited, and nobody else's inbox can be named (another's entry is NOT_FOUND).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, select, update

from db.base import utcnow
from db.conflicts import insert_new
from db.engine import Database
from db.models import ApiToken, Notification, NotificationSettings, PrincipalKind
from resolvers.errors import ApiError, ErrorCode, UserError, UserErrors
from resolvers.ids import decode_id
from resolvers.pagination import Page
from resolvers.recent import paginate_newest_first
from resolvers.recipients import principal_key
from resolvers.scope import Scope
from resolvers.writes import Outcome

MAX_IDS = 100
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
EMAIL_LENGTH = 254


def _recipient(scope: Scope) -> tuple[PrincipalKind, int]:
    key = principal_key(scope.actor)
    if key is None:
        raise ApiError(
            ErrorCode.UNAUTHENTICATED,
            "notifications belong to a token or an account: send `Authorization: Bearer TOKEN`",
            message_zh="通知属于令牌或账号：请先登录或携带令牌",
        )
    return key


def _mine(key: tuple[PrincipalKind, int]) -> ColumnElement[bool]:
    return (Notification.recipient_kind == key[0]) & (Notification.recipient_id == key[1])


async def list_notifications(scope: Scope, *, unread_only: bool, first: int | None, after: str | None) -> Page[Any]:
    statement = select(
        Notification.id,
        Notification.kind,
        Notification.title,
        Notification.body,
        Notification.pairing_id,
        Notification.milestone_id,
        Notification.update_id,
        Notification.created_at,
        Notification.read_at,
    ).where(_mine(_recipient(scope)))
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return await paginate_newest_first(scope.db, statement, Notification.id, first=first, after=after)


@dataclass(frozen=True)
class MarkNotificationsRead:
    ids: list[str] | None = None
    all: bool = False


@dataclass(frozen=True)
class MarkedRead:
    marked: int
    unread: int


def _refuse(message: str, message_zh: str, field: str, code: ErrorCode = ErrorCode.INVALID) -> UserErrors:
    return UserErrors(UserError(message, code, [field], message_zh=message_zh))


def _notification_pks(ids: list[str]) -> list[int]:
    if len(ids) > MAX_IDS:
        raise _refuse(f"at most {MAX_IDS} ids at once", f"一次最多 {MAX_IDS} 条", "ids")
    pks = []
    for global_id in ids:
        try:
            kind, pk = decode_id(global_id)
        except ApiError:
            kind, pk = None, 0
        if kind != "Notification":
            raise _refuse(f"malformed notification ID {global_id!r}", f"通知 ID 格式不正确：{global_id!r}", "ids")
        pks.append(pk)
    return pks


async def mark_read(scope: Scope, request: MarkNotificationsRead) -> Outcome[MarkedRead]:
    """Mark the given entries of the caller's inbox, or all of them, read; ids that are not the
    caller's are NOT_FOUND and nothing is marked."""
    key = _recipient(scope)
    try:
        if (request.ids is None) == (not request.all):
            raise _refuse("give either `ids` or `all: true`", "请指定 ids 或 all: true 之一", "ids")
        pks = _notification_pks(request.ids) if request.ids is not None else None
        async with scope.db.writing() as session:
            statement = update(Notification).where(_mine(key), Notification.read_at.is_(None))
            if pks is not None:
                found = set(
                    (await session.scalars(select(Notification.id).where(_mine(key), Notification.id.in_(pks)))).all()
                )
                missing = [global_id for global_id, pk in zip(request.ids or [], pks, strict=True) if pk not in found]
                if missing:
                    raise _refuse(
                        f"no notification with ID {missing[0]!r} in your inbox",
                        f"收件箱中没有 ID 为 {missing[0]!r} 的通知",
                        "ids",
                        ErrorCode.NOT_FOUND,
                    )
                statement = statement.where(Notification.id.in_(pks))
            # An UPDATE's result is a CursorResult, which has its rowcount; the session types it as a Result.
            marked = cast(CursorResult[Any], await session.execute(statement.values(read_at=utcnow()))).rowcount
            unread = await session.scalar(select(func.count()).where(_mine(key), Notification.read_at.is_(None)))
    except UserErrors as exc:
        return Outcome(errors=exc.errors)
    return Outcome(MarkedRead(marked=marked, unread=unread or 0))


# --- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    email: str | None
    email_digest: bool


@dataclass(frozen=True)
class UpdateNotificationSettings:
    """`email: ""` removes the address; fields left out stay as they are."""

    email: str | None = None
    email_digest: bool | None = None


async def settings_of(scope: Scope) -> Settings:
    kind, pk = _recipient(scope)
    async with scope.db.reading() as session:
        row = (
            await session.execute(
                select(NotificationSettings.email, NotificationSettings.email_digest).where(
                    NotificationSettings.principal_kind == kind, NotificationSettings.principal_id == pk
                )
            )
        ).first()
    return Settings(None, True) if row is None else Settings(*row)


def _email_problem(email: str) -> UserError | None:
    if email and (len(email) > EMAIL_LENGTH or not EMAIL.fullmatch(email)):
        return UserError(
            f"not an e-mail address: {email[:100]!r}", ErrorCode.INVALID, ["email"], message_zh="电子邮箱地址格式不正确"
        )
    return None


async def update_settings(scope: Scope, request: UpdateNotificationSettings) -> Outcome[Settings]:
    values: dict[str, Any] = {}
    if request.email is not None:
        email = request.email.strip()
        if problem := _email_problem(email):
            return Outcome(errors=[problem])
        values["email"] = email or None
    if request.email_digest is not None:
        values["email_digest"] = request.email_digest
    return Outcome(await _store(scope.db, _recipient(scope), values))


async def _store(db: Database, key: tuple[PrincipalKind, int], values: dict[str, Any]) -> Settings:
    kind, pk = key
    async with db.writing() as session:
        mine = (NotificationSettings.principal_kind == kind) & (NotificationSettings.principal_id == pk)
        await session.execute(
            insert_new(session, NotificationSettings),
            [{"principal_kind": kind, "principal_id": pk, "email": None, "email_digest": True, "updated_at": utcnow()}],
        )
        if values:
            await session.execute(update(NotificationSettings).where(mine).values(**values, updated_at=utcnow()))
        row = (
            await session.execute(select(NotificationSettings.email, NotificationSettings.email_digest).where(mine))
        ).one()
    return Settings(*row)


class SettingsError(Exception):
    """A settings command that cannot be done; the message is fit for the terminal."""


async def set_token_email(db: Database, token_name: str, email: str | None, email_digest: bool | None) -> Settings:
    """For the command line: a live token's digest address (None: leave it; "": remove it)."""
    values: dict[str, Any] = {} if email_digest is None else {"email_digest": email_digest}
    if email is not None:
        email = email.strip()
        if problem := _email_problem(email):
            raise SettingsError(problem.message)
        values["email"] = email or None
    async with db.reading() as session:
        token_id = await session.scalar(
            select(ApiToken.id).where(ApiToken.name == token_name, ApiToken.revoked_at.is_(None))
        )
    if token_id is None:
        raise SettingsError(f"no live token named {token_name!r}")
    return await _store(db, (PrincipalKind.TOKEN, token_id), values)
