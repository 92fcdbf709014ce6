"""The daily job (`qianshou notify daily`, or `serve` at QIANSHOU_DAILY_JOB_HOUR): notices of
milestones due within 14 days or newly overdue, of pairings that turned OFF_TRACK, and the staff's
e-mail digests.

Any number of runs, on any number of servers, on the same day do the work once: every notice has
an event key that the inbox and the outbox store at most once, and a digest is sent only by the run
that inserted its claim row (unique on date and recipient). "Newly overdue" means due within the
last OVERDUE_WINDOW_DAYS days, so that a job that missed a few days catches up while a first run
does not announce every milestone that was ever late.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.conflicts import insert_new
from db.engine import Database
from db.models import DigestClaim, Milestone, Notification, NotificationKind, Pairing, PairingStatus
from resolvers.digests import Digest, Recipient, compose, digest_recipients
from resolvers.notices import DUE_SOON_DAYS, due_notice, note_health, publish, subject_of
from resolvers.progress import OPEN_MILESTONE_STATUSES

log = logging.getLogger("qianshou.daily")

OVERDUE_WINDOW_DAYS = 7
BATCH = 100

# Sends one digest: (recipient's address, the digest).
Mailer = Callable[[str, Digest], Awaitable[None]]


@dataclass
class DailyReport:
    day: dt.date
    due_soon: int = 0
    overdue: int = 0
    off_track: int = 0
    digests_sent: int = 0
    digests_empty: int = 0
    digests_failed: int = 0
    digests_elsewhere: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.day.isoformat()}: {self.due_soon} milestones due soon and {self.overdue} newly overdue (each "
            f"announced once), {self.off_track} pairings turned OFF_TRACK; digests: {self.digests_sent} sent, {self.digests_empty} with nothing "
            f"to report, {self.digests_failed} failed, {self.digests_elsewhere} already claimed by another run"
        )


async def run_daily_job(db: Database, today: dt.date, mailer: Mailer | None) -> DailyReport:
    report = DailyReport(today)
    await due_notices(db, today, report)
    async with db.writing() as session:
        report.off_track = await note_health(session, None, today)
    if mailer is not None:
        await send_digests(db, today, mailer, report)
    return report


async def due_notices(db: Database, today: dt.date, report: DailyReport) -> None:
    soon_end = today + dt.timedelta(days=DUE_SOON_DAYS)
    overdue_start = today - dt.timedelta(days=OVERDUE_WINDOW_DAYS)
    statement = (
        select(Milestone)
        .join(Pairing, Pairing.id == Milestone.pairing_id)
        .where(
            Pairing.status == PairingStatus.ACTIVE,
            Milestone.status.in_(OPEN_MILESTONE_STATUSES),
            Milestone.due_on >= overdue_start,
            Milestone.due_on <= soon_end,
        )
        .order_by(Milestone.id)
    )
    async with db.reading() as session:
        milestones = list((await session.scalars(statement)).all())
    for start in range(0, len(milestones), BATCH):
        async with db.writing() as session:
            subjects = {}
            for milestone in milestones[start : start + BATCH]:
                kind = (
                    NotificationKind.MILESTONE_DUE_SOON
                    if milestone.due_on >= today
                    else NotificationKind.MILESTONE_OVERDUE
                )
                if milestone.pairing_id not in subjects:
                    subjects[milestone.pairing_id] = await subject_of(session, milestone.pairing_id)
                notice = due_notice(kind, subjects[milestone.pairing_id], milestone, today)
                if kind is NotificationKind.MILESTONE_DUE_SOON:
                    report.due_soon += 1
                else:
                    report.overdue += 1
                if not await _published(session, notice.key):
                    await publish(session, notice)


async def _published(session: AsyncSession, key: str) -> bool:
    return await session.scalar(select(Notification.id).where(Notification.event_key == key).limit(1)) is not None


async def send_digests(db: Database, today: dt.date, mailer: Mailer, report: DailyReport) -> None:
    run = uuid.uuid4().hex
    async with db.reading() as session:
        recipients = await digest_recipients(session)
    for recipient in recipients:
        if not await _claim(db, today, recipient, run):
            report.digests_elsewhere += 1
            continue
        async with db.reading() as session:
            digest = await compose(session, recipient.principal, today)
        if digest.empty:
            await _settle(db, today, recipient, "EMPTY")
            report.digests_empty += 1
            continue
        try:
            await mailer(recipient.email, digest)
        except Exception as exc:  # any failure to send: give the claim back for a later run
            log.warning("digest to %s failed: %s", recipient.principal.name, exc)
            report.digests_failed += 1
            report.problems.append(f"digest for {recipient.principal.name}: {exc}")
            await _release(db, today, recipient)
            continue
        await _settle(db, today, recipient, "SENT")
        report.digests_sent += 1


def _claim_of(today: dt.date, recipient: Recipient) -> ColumnElement[bool]:
    kind, pk = recipient.principal.key
    return (DigestClaim.day == today) & (DigestClaim.principal_kind == kind) & (DigestClaim.principal_id == pk)


async def _claim(db: Database, today: dt.date, recipient: Recipient, run: str) -> bool:
    """Insert the claim row; whoever's row is stored sends the digest. A claim whose send failed
    was removed, so it is claimed again here."""
    kind, pk = recipient.principal.key
    async with db.writing() as session:
        await session.execute(
            insert_new(session, DigestClaim),
            [{"day": today, "principal_kind": kind, "principal_id": pk, "claimed_by": run}],
        )
        owner = await session.scalar(select(DigestClaim.claimed_by).where(_claim_of(today, recipient)))
    return owner == run


async def _settle(db: Database, today: dt.date, recipient: Recipient, outcome: str) -> None:
    async with db.writing() as session:
        await session.execute(update(DigestClaim).where(_claim_of(today, recipient)).values(outcome=outcome))


async def _release(db: Database, today: dt.date, recipient: Recipient) -> None:
    async with db.writing() as session:
        await session.execute(delete(DigestClaim).where(_claim_of(today, recipient), DigestClaim.outcome.is_(None)))
