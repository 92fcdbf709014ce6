"""The daily e-mail digest of a staff member: pending reviews and overdue milestones in scope, in Chinese.

Staff (REGIONAL_STAFF, MINISTRY, ADMIN) get one when their notification settings hold an e-mail
address and the digest is on. Their scope is the one their requests have (resolvers/access.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    Agency,
    Milestone,
    MilestoneUpdate,
    NotificationSettings,
    Pairing,
    Role,
    UpdateStatus,
)
from resolvers.access import visible_pairings
from resolvers.progress import overdue
from resolvers.recipients import Principal, principals_where
from resolvers.scope import CHINA

STAFF = (Role.REGIONAL_STAFF, Role.MINISTRY, Role.ADMIN)
LISTED = 20


@dataclass(frozen=True)
class Recipient:
    principal: Principal
    email: str


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    pending_reviews: int
    overdue_milestones: int

    @property
    def empty(self) -> bool:
        return not (self.pending_reviews or self.overdue_milestones)


async def digest_recipients(session: AsyncSession) -> list[Recipient]:
    staff = await principals_where(session, lambda c: c.role.in_(STAFF))
    rows = (
        await session.execute(
            select(
                NotificationSettings.principal_kind, NotificationSettings.principal_id, NotificationSettings.email
            ).where(NotificationSettings.email.is_not(None), NotificationSettings.email_digest.is_(True))
        )
    ).all()
    # The query's condition keeps out the rows without an email; this narrows the column's type.
    emails = {(kind, pk): email for kind, pk, email in rows if email is not None}
    return [Recipient(p, emails[p.key]) for p in staff if p.key in emails]


async def compose(session: AsyncSession, principal: Principal, today: dt.date) -> Digest:
    actor = principal.actor()
    mentor, supported = aliased(Agency), aliased(Agency)
    in_scope = visible_pairings(actor)
    pending = (
        select(Milestone.title, mentor.name, supported.name, MilestoneUpdate.submitted_at)
        .select_from(MilestoneUpdate)
        .join(Milestone, Milestone.id == MilestoneUpdate.milestone_id)
        .join(Pairing, Pairing.id == Milestone.pairing_id)
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(supported, supported.id == Pairing.supported_id)
        .where(MilestoneUpdate.status == UpdateStatus.PENDING_REVIEW, in_scope)
    )
    late = (
        select(Milestone.title, mentor.name, supported.name, Milestone.due_on)
        .join(Pairing, Pairing.id == Milestone.pairing_id)
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(supported, supported.id == Pairing.supported_id)
        .where(overdue(today), in_scope)
    )
    pending_count = (await session.execute(select(func.count()).select_from(pending.subquery()))).scalar_one()
    late_count = (await session.execute(select(func.count()).select_from(late.subquery()))).scalar_one()
    pending_rows = (await session.execute(pending.order_by(MilestoneUpdate.id).limit(LISTED))).all()
    late_rows = (await session.execute(late.order_by(Milestone.due_on, Milestone.id).limit(LISTED))).all()
    day = today.isoformat()
    lines = [
        f"{principal.name}，您好：",
        "",
        f"截至 {day}（北京时间），您负责的范围内：",
        f"- 待审核的进展报告：{pending_count} 份",
        f"- 逾期的里程碑：{late_count} 个",
    ]
    if pending_rows:
        lines += ["", "待审核的进展报告（按提交先后）："]
        lines += [
            f"{n}. {m}（帮扶）— {s}（受援）：「{title}」，提交于 {at.astimezone(CHINA).date().isoformat()}"
            for n, (title, m, s, at) in enumerate(pending_rows, 1)
        ]
    if late_rows:
        lines += ["", "逾期的里程碑（逾期最久的在前）："]
        lines += [
            f"{n}. {m}（帮扶）— {s}（受援）：「{title}」，截止 {due.isoformat()}，已逾期 {(today - due).days} 天"
            for n, (title, m, s, due) in enumerate(late_rows, 1)
        ]
    if max(pending_count, late_count) > LISTED:
        lines += ["", f"（每类仅列出前 {LISTED} 项，完整列表请登录系统查看。）"]
    lines += ["", "此邮件由牵手计划管理系统每日自动发送；如不需要，可在通知设置中关闭每日摘要。"]
    subject = f"【牵手计划】每日摘要 {day}：待审核 {pending_count} 份，逾期里程碑 {late_count} 个"
    return Digest(subject, "\n".join(lines), pending_count, late_count)
