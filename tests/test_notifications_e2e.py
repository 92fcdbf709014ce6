"""Notifications with real parts: webhooks sent by the worker of a real `qianshou serve` (two Uvicorn
worker processes) to a real HTTP receiver, and the daily digest received by a real SMTP server."""

from __future__ import annotations

import asyncio
import email
import email.policy

import httpx
import pytest
from aiosmtpd.controller import Controller

from db.models import Role
from resolvers.daily import run_daily_job
from resolvers.tokens import create_token
from server.mail import mailer_of
from server.settings import load_settings
from tests.commands import qianshou
from tests.conftest import TODAY, LiveServer, free_port
from tests.test_mutations_support import World, add_milestone, make_tokens
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.slow  # a real server, SMTP and webhook receivers

SECRET = "receiver-secret-0123456789"


def graphql(server: LiveServer, token: str, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


SUBSCRIBE = """mutation($input: CreateWebhookSubscriptionInput!) {
  createWebhookSubscription(input: $input) { subscription { id } userErrors { code message } }
}"""
SUBMIT = """mutation($input: SubmitMilestoneUpdateInput!) {
  submitMilestoneUpdate(input: $input) { milestoneUpdate { id } userErrors { code } }
}"""
LOG = """query($id: ID) { webhookDeliveries(subscriptionId: $id, first: 10) {
  edges { node { eventId eventKind status attempts lastStatusCode payload } } } }"""


async def test_webhooks_are_signed_retried_and_delivered_in_order_by_the_server(world):
    tokens = await make_tokens(world)
    env = {
        "QIANSHOU_WEBHOOK_ALLOW_PRIVATE": "true",
        "QIANSHOU_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        "QIANSHOU_WEBHOOK_POLL_SECONDS": "0.1",
        "QIANSHOU_RATE_LIMIT_PER_MINUTE": "0",
    }
    with Receiver(failures={"/plain": 2}) as receiver:
        server = LiveServer(world.db.url, env=env, workers=2).start()
        try:
            plain = graphql(
                server,
                tokens["admin"],
                SUBSCRIBE,
                {
                    "input": {
                        "name": "业务系统",
                        "url": f"{receiver.url}/plain",
                        "secret": SECRET,
                        "eventKinds": ["UPDATE_SUBMITTED"],
                        "format": "PLAIN",
                    }
                },
            )["createWebhookSubscription"]
            assert plain["userErrors"] == []
            wecom = graphql(
                server,
                tokens["admin"],
                SUBSCRIBE,
                {
                    "input": {
                        "name": "企业微信群",
                        "url": f"{receiver.url}/wecom",
                        "secret": SECRET,
                        "eventKinds": ["UPDATE_SUBMITTED"],
                        "format": "WECOM",
                    }
                },
            )["createWebhookSubscription"]
            assert wecom["userErrors"] == []
            updates = []
            milestones = [world.milestone] + [await add_milestone(world, f"里程碑 {n}", TODAY) for n in (2, 3)]
            for n, milestone in enumerate(milestones):
                submitted = graphql(
                    server,
                    tokens["mentor"],
                    SUBMIT,
                    {"input": {"milestoneId": milestone, "note": f"第 {n + 1} 次进展报告"}},
                )["submitMilestoneUpdate"]
                updates.append(submitted["milestoneUpdate"]["id"])
            delivered = receiver.wait_for("/plain", 3)
            receiver.wait_for("/wecom", 3)
            await asyncio.sleep(0.5)  # time for a duplicate, were one to be sent
            log = graphql(server, tokens["admin"], LOG, {"id": plain["subscription"]["id"]})["webhookDeliveries"]
        finally:
            server.stop()
    # Every request is signed over its timestamp and exact body.
    assert all(request.signed_by(SECRET) for request in receiver.received)
    assert not any(request.signed_by("another secret") for request in receiver.received)
    # In the order the updates were submitted, each delivered once.
    assert [request.json["update"]["id"] for request in delivered] == updates
    assert len(receiver.on("/plain", status=200)) == 3
    # The first event failed twice and was retried with the same event ID; the others waited behind it.
    first_event = delivered[0].headers["x-qianshou-event-id"]
    attempts = [request.headers["x-qianshou-event-id"] for request in receiver.on("/plain")]
    assert attempts[:3] == [first_event] * 3 and [r.status for r in receiver.on("/plain")][:3] == [500, 500, 200]
    assert delivered[0].headers["x-qianshou-event-kind"] == "UPDATE_SUBMITTED"
    entries = {node["eventId"]: node for node in (edge["node"] for edge in log["edges"])}
    assert entries[first_event]["attempts"] == 3 and entries[first_event]["status"] == "DELIVERED"
    assert sorted(node["attempts"] for node in entries.values()) == [1, 1, 3]
    # The WeCom robot gets its markdown message.
    message = receiver.on("/wecom")[0].json
    assert message["msgtype"] == "markdown"
    assert message["markdown"]["content"].startswith(
        "### 待审核：郑州市商都社会工作服务中心提交了「建立理事会制度」的进展报告"
    )


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


async def set_email(world: World, token: str, address: str) -> None:
    from resolvers.access import Actor
    from resolvers.notifications import UpdateNotificationSettings, update_settings
    from resolvers.tokens import authenticate
    from tests.conftest import make_scope

    actor: Actor = await authenticate(world.db, token)
    outcome = await update_settings(make_scope(world.db, actor), UpdateNotificationSettings(email=address))
    assert outcome.errors == []


async def test_the_daily_digest_is_mailed_once_to_staff_in_scope(world, smtp):
    inbox, port = smtp
    tokens = await make_tokens(world)
    await create_token(world.db, "lushan-staff", Role.REGIONAL_STAFF, region_id=world.county)
    await set_email(world, tokens["staff"], "ministry@example.org")
    # An administrator can give a token its address from the command line.
    assert (
        qianshou("notify", "email", "lushan-staff", "--email", "bad address", database_url=world.db.url).returncode == 1
    )
    assert qianshou(
        "notify", "email", "nobody", "--email", "x@example.org", database_url=world.db.url
    ).stderr.startswith("error: no live token")
    stored = qianshou("notify", "email", "lushan-staff", "--email", "lushan@example.org", database_url=world.db.url)
    assert stored.stdout.strip() == "token 'lushan-staff': e-mail lushan@example.org, daily digest on"
    await set_email(world, tokens["mentor"], "mentor@example.org")  # not staff: no digest
    from resolvers.access import Actor
    from resolvers.milestones import SubmitMilestoneUpdate, submit_milestone_update
    from resolvers.tokens import authenticate
    from tests.conftest import make_scope

    mentor: Actor = await authenticate(world.db, tokens["mentor"])
    outcome = await submit_milestone_update(
        make_scope(world.db, mentor), SubmitMilestoneUpdate(world.milestone, "月度报告")
    )
    assert outcome.errors == []

    # First the command cron runs, then two servers at once: the digests go out once.
    result = qianshou(
        "notify",
        "daily",
        "--date",
        TODAY.isoformat(),
        database_url=world.db.url,
        QIANSHOU_SMTP_HOST="127.0.0.1",
        QIANSHOU_SMTP_PORT=str(port),
        QIANSHOU_MAIL_FROM="noreply@qianshou.example",
    )
    assert result.returncode == 0, result.stderr
    assert "digests: 2 sent" in result.stdout
    settings = load_settings(database_url=world.db.url, smtp_host="127.0.0.1", smtp_port=port)
    again = await asyncio.gather(*(run_daily_job(world.db, TODAY, mailer_of(settings)) for _ in range(2)))
    assert [report.digests_sent for report in again] == [0, 0]
    assert sorted(rcpt for rcpts in inbox.recipients for rcpt in rcpts) == [
        "lushan@example.org",
        "ministry@example.org",
    ]
    message = next(m for m, r in zip(inbox.messages, inbox.recipients, strict=True) if r == ["lushan@example.org"])
    assert message["Subject"] == f"【牵手计划】每日摘要 {TODAY.isoformat()}：待审核 1 份，逾期里程碑 1 个"
    assert message["From"] == "noreply@qianshou.example"
    text = message.get_content()
    assert "lushan-staff，您好" in text
    assert "「建立理事会制度」，提交于" in text and "截止 2025-12-31，已逾期 334 天" in text
