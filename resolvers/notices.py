"""Notices: what the inbox and the webhooks are told, written in the transaction that causes it.

A Notice is one event (an update submitted, returned or approved; a milestone due soon or newly
overdue; a pairing turning OFF_TRACK) with its text for people, in Chinese, and its facts for
machines. Publishing it writes an inbox entry for each principal of the event's audience
(resolvers/recipients.py) and a webhook delivery for each subscription that wants it
(resolvers/webhooks.py), each with one INSERT ... SELECT: in a mutation's batch
(resolvers/writes.py), or at once (`publish`). Each event has a key naming it; writing the same
event twice, from a retried job or a second server, stores nothing new.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Insert, Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.base import utcnow
from db.batch import typed_parameters
from db.conflicts import dialect_of, insert_new, insert_new_into
from db.models import (
    Agency,
    Milestone,
    MilestoneEventKind,
    MilestoneUpdate,
    Notification,
    NotificationKind,
    Pairing,
    PairingHealthMark,
    PairingStatus,
    PrincipalKind,
    Region,
)
from resolvers.ids import encode_id
from resolvers.labels import zh
from resolvers.progress import Health, Progress, progress_from_row, progress_select
from resolvers.recipients import AUDIENCES, Audience, audience_parameters, audience_select, principal_key
from resolvers.tx import Tx
from resolvers.webhooks import deliveries_insert, deliveries_parameters

# Event IDs are derived from event keys, so the same event has the same ID wherever it is written.
EVENT_NAMESPACE = uuid.UUID("6f1d2c2e-6a43-4d0b-9a63-71616e73686f")
DUE_SOON_DAYS = 14
NOTE_EXCERPT = 200


@dataclass(frozen=True)
class Subject:
    """The pairing an event is about, with what its text and its audience need."""

    pairing_id: int
    program_id: int
    mentor_id: int
    mentor_name: str
    supported_name: str
    supported_path: str

    @property
    def pair(self) -> str:
        return f"{self.mentor_name}（帮扶）与{self.supported_name}（受援）"


def _subject_columns() -> tuple[tuple[str, ColumnElement[Any]], ...]:
    mentor, supported = aliased(Agency), aliased(Agency)
    return (
        ("mentor_name", select(mentor.name).where(mentor.id == Pairing.mentor_id).scalar_subquery()),
        ("supported_name", select(supported.name).where(supported.id == Pairing.supported_id).scalar_subquery()),
        (
            "supported_path",
            select(Region.path)
            .join(supported, supported.region_id == Region.id)
            .where(supported.id == Pairing.supported_id)
            .scalar_subquery(),
        ),
    )


# What a Subject needs beyond its pairing, as subqueries over `pairings` for `Tx.load_with`: a write
# that loads a pairing's row has its subject in the same statement.
SUBJECT_COLUMNS = _subject_columns()


def subject_from(pairing: Pairing, loaded: dict[str, Any]) -> Subject:
    return Subject(
        pairing.id,
        pairing.program_id,
        pairing.mentor_id,
        loaded["mentor_name"],
        loaded["supported_name"],
        loaded["supported_path"],
    )


async def subject_of(session: AsyncSession, pairing_id: int) -> Subject:
    mentor, supported = aliased(Agency), aliased(Agency)
    statement = (
        select(Pairing.id, Pairing.program_id, Pairing.mentor_id, mentor.name, supported.name, Region.path)
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(supported, supported.id == Pairing.supported_id)
        .join(Region, Region.id == supported.region_id)
        .where(Pairing.id == pairing_id)
    )
    return Subject(*(await session.execute(statement)).one())


@dataclass(frozen=True)
class Notice:
    kind: NotificationKind
    key: str
    title: str
    body: str
    subject: Subject
    milestone: Milestone | None = None
    update: MilestoneUpdate | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        return str(uuid.uuid5(EVENT_NAMESPACE, self.key))

    def payload(self, occurred_at: dt.datetime) -> dict[str, Any]:
        """The event as the PLAIN webhook format sends it (the other formats are made from this)."""
        subject, milestone, update = self.subject, self.milestone, self.update
        return {
            "eventId": self.event_id,
            "kind": self.kind.value,
            "occurredAt": occurred_at.isoformat(),
            "title": self.title,
            "body": self.body,
            "pairing": {
                "id": encode_id("Pairing", subject.pairing_id),
                "programId": encode_id("Program", subject.program_id),
                "mentor": subject.mentor_name,
                "supported": subject.supported_name,
            },
            "milestone": None
            if milestone is None
            else {
                "id": encode_id("Milestone", milestone.id),
                "title": milestone.title,
                "dueOn": milestone.due_on.isoformat(),
                "status": milestone.status.value,
            },
            "update": None
            if update is None
            else {"id": encode_id("MilestoneUpdate", update.id), "status": update.status.value},
            **self.facts,
        }


NOTICE_COLUMNS = ["kind", "event_key", "title", "body", "pairing_id", "milestone_id", "update_id", "created_at"]


@functools.cache
def _inbox_insert(dialect_name: str, audiences: frozenset[Audience], with_cause: bool) -> Insert:
    entries = audience_select(audiences, with_cause).add_columns(*typed_parameters(Notification, NOTICE_COLUMNS, "n_"))
    columns = ["recipient_kind", "recipient_id", *NOTICE_COLUMNS]
    return insert_new_into(dialect_name, Notification.__table__).from_select(columns, entries)


def notice_statements(
    dialect_name: str, notice: Notice, cause: tuple[PrincipalKind, int] | None = None
) -> list[tuple[Insert, dict[str, Any]]]:
    """The two INSERT ... SELECTs that publish a notice, with their parameters: an inbox entry for
    each principal of its audience but `cause`, and a webhook delivery for each subscription that
    wants it. Entries and deliveries written before (the same event key) are not written again."""
    subject, now = notice.subject, utcnow()
    entry = {
        "kind": notice.kind,
        "event_key": notice.key,
        "title": notice.title,
        "body": notice.body,
        "pairing_id": subject.pairing_id,
        "milestone_id": notice.milestone.id if notice.milestone else None,
        "update_id": notice.update.id if notice.update else None,
        "created_at": now,
    }
    inbox = {
        **{f"n_{name}": value for name, value in entry.items()},
        **audience_parameters(subject.mentor_id, subject.supported_path, cause),
    }
    deliveries = deliveries_parameters(
        notice.event_id, notice.kind, notice.payload(now), subject.program_id, subject.supported_path
    )
    return [
        (_inbox_insert(dialect_name, AUDIENCES[notice.kind], cause is not None), inbox),
        (deliveries_insert(dialect_name), deliveries),
    ]


async def publish(session: AsyncSession, notice: Notice, cause: tuple[PrincipalKind, int] | None = None) -> None:
    """Write the notice to its audience's inboxes and to the webhook outbox now."""
    for statement, parameters in notice_statements(dialect_of(session), notice, cause):
        await session.execute(statement, parameters)


# --- the events -----------------------------------------------------------------------------------

REVIEW_KINDS = {
    MilestoneEventKind.SUBMITTED: NotificationKind.UPDATE_SUBMITTED,
    MilestoneEventKind.APPROVED: NotificationKind.UPDATE_APPROVED,
    MilestoneEventKind.RETURNED: NotificationKind.UPDATE_RETURNED,
}


def review_notice(kind: NotificationKind, subject: Subject, milestone: Milestone, update: MilestoneUpdate) -> Notice:
    title_of_milestone = f"「{milestone.title}」"
    progress = "" if update.progress_percent is None else f"进度 {update.progress_percent}%。"
    if kind is NotificationKind.UPDATE_SUBMITTED:
        title = f"待审核：{subject.mentor_name}提交了{title_of_milestone}的进展报告"
        body = f"{subject.pair}结对的里程碑{title_of_milestone}有新的进展报告待审核。{progress}说明：{_excerpt(update.note)}"
    elif kind is NotificationKind.UPDATE_APPROVED:
        title = f"进展报告已通过：{title_of_milestone}"
        status = zh("MilestoneStatus", milestone.status.value)
        body = f"{subject.pair}结对的里程碑{title_of_milestone}的进展报告已审核通过，里程碑现为“{status}”。"
        if update.review_note:
            body += f"审核意见：{_excerpt(update.review_note)}"
    else:
        title = f"进展报告被退回：{title_of_milestone}"
        body = (
            f"{subject.pair}结对的里程碑{title_of_milestone}的进展报告被退回，请按意见修改后重新提交。"
            f"退回意见：{_excerpt(update.review_note or '')}"
        )
    return Notice(kind, f"{kind.value}:update:{update.id}", title, body, subject, milestone, update)


def due_notice(kind: NotificationKind, subject: Subject, milestone: Milestone, today: dt.date) -> Notice:
    """A milestone due within DUE_SOON_DAYS, or past due; one notice per milestone and due date."""
    days = (milestone.due_on - today).days
    due = milestone.due_on.isoformat()
    if kind is NotificationKind.MILESTONE_DUE_SOON:
        title = f"里程碑即将到期：「{milestone.title}」"
        when = "今天到期" if days == 0 else f"还有 {days} 天"
        body = f"{subject.pair}结对的里程碑「{milestone.title}」将于 {due} 到期（{when}），请及时提交进展报告。"
    else:
        title = f"里程碑已逾期：「{milestone.title}」"
        body = (
            f"{subject.pair}结对的里程碑「{milestone.title}」已于 {due} 到期，已逾期 {-days} 天，请尽快提交进展报告。"
        )
    return Notice(
        kind, f"{kind.value}:milestone:{milestone.id}:{due}", title, body, subject, milestone, facts={"daysLeft": days}
    )


def off_track_notice(subject: Subject, progress: Progress, today: dt.date) -> Notice:
    kind = NotificationKind.PAIRING_OFF_TRACK
    body = (
        f"{subject.pair}结对的进展严重滞后：完成率 {progress.percent_complete:g}%，时间进度 "
        f"{progress.time_elapsed_percent:g}%，逾期里程碑 {progress.milestones_overdue} 个"
        f"（最长逾期 {progress.max_days_overdue} 天）。请关注并督促整改。"
    )
    facts = {
        "percentComplete": progress.percent_complete,
        "timeElapsedPercent": progress.time_elapsed_percent,
        "milestonesOverdue": progress.milestones_overdue,
    }
    return Notice(
        kind,
        f"{kind.value}:pairing:{subject.pairing_id}:{today.isoformat()}",
        f"结对进展严重滞后：{subject.mentor_name} — {subject.supported_name}",
        body,
        subject,
        facts=facts,
    )


def _excerpt(text: str) -> str:
    return text if len(text) <= NOTE_EXCERPT else text[: NOTE_EXCERPT - 1] + "…"


# --- hooks of the milestone workflow -------------------------------------------------------------


def on_review_step(
    tx: Tx, event: MilestoneEventKind, subject: Subject, milestone: Milestone, update: MilestoneUpdate
) -> None:
    """An update submitted, approved or returned: tell its audience, in the write's batch."""
    notice = review_notice(REVIEW_KINDS[event], subject, milestone, update)
    for statement, parameters in notice_statements(dialect_of(tx.session), notice, principal_key(tx.scope.actor)):
        tx.batch.add(statement, parameters)


async def on_milestones_changed(tx: Tx, pairing_id: int) -> None:
    await note_health(tx.session, pairing_id, tx.today, principal_key(tx.scope.actor))


async def note_health(
    session: AsyncSession, pairing_id: int | None, today: dt.date, cause: tuple[PrincipalKind, int] | None = None
) -> int:
    """Compare the health of this pairing (all ACTIVE ones if None) with what was last noted, read
    in the same statement, note the new values, and publish a notice for each that turned
    OFF_TRACK; returns how many did. A pairing first seen OFF_TRACK counts as turning so."""
    if pairing_id is None:
        # In id order: two runs at once then lock the same rows in the same order (no deadlock).
        statement = _with_marks(progress_select(today, Pairing.status == PairingStatus.ACTIVE)).order_by(Pairing.id)
        rows = (await session.execute(statement)).all()
    else:
        rows = (await session.execute(_health_of_pairing(), {"pairing_id": pairing_id, "today": today})).all()
    turned = 0
    for row in rows:
        if row.health == row.noted:
            continue
        if row.noted is None:
            await session.execute(
                insert_new(session, PairingHealthMark),
                [{"pairing_id": row.pairing_id, "health": row.health, "since": today}],
            )
        else:
            await session.execute(
                update(PairingHealthMark)
                .where(PairingHealthMark.pairing_id == row.pairing_id)
                .values(health=row.health, since=today)
            )
        if row.health == Health.OFF_TRACK.value:
            turned += 1
            subject = await subject_of(session, row.pairing_id)
            await publish(session, off_track_notice(subject, progress_from_row(row), today), cause)
    return turned


def _with_marks(progress: Select[Any]) -> Select[Any]:
    """progress_select's rows with each pairing's health as last noted (`noted`, None if never)."""
    return progress.add_columns(PairingHealthMark.health.label("noted")).outerjoin(
        PairingHealthMark, PairingHealthMark.pairing_id == Pairing.id
    )


@functools.cache
def _health_of_pairing() -> Select[Any]:
    """`_with_marks` of the pairing `pairing_id` as of `today`, both bound when it runs: made once,
    since making it cost more CPU than a review's other statements together."""
    pairing_id = bindparam("pairing_id", type_=Pairing.id.type)
    return _with_marks(progress_select(dt.date.min, Pairing.id == pairing_id, Milestone.pairing_id == pairing_id))
