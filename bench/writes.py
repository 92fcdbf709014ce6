"""M1, the write of the benchmark: every request a real accepted write.

Since one milestone takes one pending update at a time (UPDATE_PENDING), submitting again and again
on the same milestones measures refusals. So each client connection acts for a mentor agency of
its own, on that agency's open milestones, and runs two writes in turn: `submitMilestoneUpdate`
(label "write": M1 itself) and staff returning that update with `reviewMilestoneUpdate` RETURN
(label "review"), after which the milestone takes the next submission. Each answer is checked: a
refusal (a userError or a GraphQL error) makes the benchmark fail (`Refused`), since a refused write
costs less than an accepted one and would flatter the figures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import and_, exists, select

from bench.load import Request, Run
from bench.queries import M1_RETURN, M1_SUBMIT
from db.engine import Database
from db.models import Milestone, MilestoneStatus, MilestoneUpdate, Pairing, PairingStatus, Role, UpdateStatus
from resolvers.ids import encode_id
from resolvers.tokens import create_token, revoke_token

OPEN_STATUSES = (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS, MilestoneStatus.RETURNED)
MILESTONES_PER_WRITER = 12
WRITE, REVIEW = "write", "review"


class Refused(RuntimeError):
    """A write of the benchmark was not accepted: its figures would not be a write's."""


@dataclass
class Writer:
    """One client connection's mentor agency: its token and milestones (pk, version as last seen)."""

    secret: str
    milestones: list[list[int]]
    turn: int = 0
    # The update just submitted and the milestone's version after it, which the next request returns.
    pending: tuple[str, int] | None = None


@dataclass
class WriteFixture:
    writers: list[Writer]
    staff_secret: str
    token_names: list[str] = field(default_factory=list)


async def prepare_writers(db: Database, program_pk: int, count: int) -> WriteFixture | str:
    """Tokens for `count` mentor agencies with open milestones in ACTIVE pairings, and one for
    ministry staff; or why there are not enough."""
    pending = exists().where(
        and_(MilestoneUpdate.milestone_id == Milestone.id, MilestoneUpdate.status == UpdateStatus.PENDING_REVIEW)
    )
    statement = (
        select(Pairing.mentor_id, Milestone.id, Milestone.version)
        .join(Pairing, Pairing.id == Milestone.pairing_id)
        .where(
            Pairing.program_id == program_pk,
            Pairing.status == PairingStatus.ACTIVE,
            Milestone.status.in_(OPEN_STATUSES),
            ~pending,
        )
        .order_by(Pairing.mentor_id, Milestone.id)
    )
    by_mentor: dict[int, list[list[int]]] = {}
    async with db.reading() as session:
        for mentor_pk, milestone_pk, version in await session.execute(statement):
            by_mentor.setdefault(mentor_pk, []).append([milestone_pk, version])
    mentors = list(by_mentor)[:count]
    if len(mentors) < count:
        return f"{count} mentor agencies with open milestones wanted, {len(mentors)} found"
    run = uuid.uuid4().hex[:8]
    fixture = WriteFixture([], "", [])
    for mentor_pk in mentors:
        name = f"bench-m1-{run}-mentor-{mentor_pk}"
        secret = await create_token(db, name, Role.MENTOR_AGENCY, agency_id=encode_id("Agency", mentor_pk))
        fixture.writers.append(Writer(secret, by_mentor[mentor_pk][:MILESTONES_PER_WRITER]))
        fixture.token_names.append(name)
    fixture.token_names.append(f"bench-m1-{run}-staff")
    fixture.staff_secret = await create_token(db, fixture.token_names[-1], Role.MINISTRY)
    return fixture


async def revoke_writers(db: Database, fixture: WriteFixture) -> None:
    """The run's tokens are revoked when it ends, so the next run's writes notify no more principals."""
    for name in fixture.token_names:
        await revoke_token(db, name)


class M1Requests:
    """`make_request` and `answered` for bench.load.drive: client connection i writes as writer i."""

    def __init__(self, fixture: WriteFixture) -> None:
        self.fixture = fixture

    def __call__(self, worker: int, n: int) -> Request:
        writer = self.fixture.writers[worker]
        if writer.pending is not None:
            update_id, version = writer.pending
            variables = {
                "input": {
                    "updateId": update_id,
                    "decision": "RETURN",
                    "milestoneVersion": version,
                    "reviewNote": "基准测试：请补充活动签到表后重新提交",
                }
            }
            return {"query": M1_RETURN, "variables": variables}, self._bearer(self.fixture.staff_secret), REVIEW
        milestone = writer.milestones[writer.turn % len(writer.milestones)]
        variables = {
            "input": {
                "milestoneId": encode_id("Milestone", milestone[0]),
                "note": "基准测试进展报告",
                "progressPercent": 50,
                "idempotencyKey": uuid.uuid4().hex,
            }
        }
        return {"query": M1_SUBMIT, "variables": variables}, self._bearer(writer.secret), WRITE

    def answered(self, worker: int, label: str, status: int, content: bytes) -> None:
        """Follow the milestone's version; a refused write stops the benchmark."""
        writer = self.fixture.writers[worker]
        milestone = writer.milestones[writer.turn % len(writer.milestones)]
        payload = _payload(status, content)
        if label == WRITE:
            milestone[1] += 1
            writer.pending = (payload["milestoneUpdate"]["id"], milestone[1])
        else:
            milestone[1] += 1
            writer.pending = None
            writer.turn += 1

    @staticmethod
    def _bearer(secret: str) -> dict[str, str]:
        return {"authorization": f"Bearer {secret}"}


def _payload(status: int, content: bytes) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(content) if status == 200 else {"errors": [{"message": f"HTTP {status}"}]}
    if body.get("errors"):
        raise Refused(f"a write failed: {orjson.dumps(body['errors'][0]).decode()[:300]}")
    payload: dict[str, Any] = next(iter(body["data"].values()))
    if payload["userErrors"]:
        raise Refused(f"a write was refused: {orjson.dumps(payload['userErrors'][0]).decode()[:300]}")
    return payload


def check_accepted(run: Run) -> None:
    """Every write of the run was accepted (drive counts userErrors and GraphQL errors as errors)."""
    for label in (WRITE, REVIEW):
        stats = run.stats(label)
        if stats["errors"]:
            raise Refused(f"{stats['errors']} of {stats['requests']} {label}s refused; first: {run.first_error}")
