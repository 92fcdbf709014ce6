"""Sending the daily digests over SMTP (aiosmtplib)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from resolvers.daily import Mailer
from resolvers.digests import Digest
from server.settings import Settings

TIMEOUT_SECONDS = 30


def mailer_of(settings: Settings) -> Mailer | None:
    """A Mailer for the configured SMTP server; None when none is configured."""
    if not settings.smtp_host:
        return None

    async def send(to: str, digest: Digest) -> None:
        message = EmailMessage()
        message["From"] = settings.mail_from
        message["To"] = to
        message["Subject"] = digest.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
        message.set_content(digest.text, charset="utf-8")
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=TIMEOUT_SECONDS,
        )

    return send
