"""`qianshou notify …` and `qianshou files …`: the daily notification job, digest addresses and the
file store's garbage collection, run by cron or by hand.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from db.engine import Database
from db.migrate import upgrade
from server.cli import _with_db, connected, fail, settings_or_exit
from server.settings import Settings

if TYPE_CHECKING:  # imported where used, so that the other commands start without them
    import datetime as dt

    from resolvers.daily import DailyReport
    from resolvers.evidence import Collected
    from resolvers.notifications import Settings as NotificationSettings

notify_app = typer.Typer(help="Notifications: the daily job (docs/user-guide.md: Notifications).", no_args_is_help=True)


async def _daily_job(settings: Settings, day: dt.date) -> DailyReport:
    from resolvers.daily import run_daily_job
    from server.mail import mailer_of

    db = await connected(settings)
    try:
        await upgrade(db.write_engine)
        return await run_daily_job(db, day, mailer_of(settings))
    finally:
        await db.dispose()


@notify_app.command("daily")
def notify_daily(
    date: Annotated[str | None, typer.Option(help="The China date to run for (YYYY-MM-DD); today if left out.")] = None,
) -> None:
    """Notices of milestones due soon or newly overdue and of pairings turned OFF_TRACK, and the staff's
    e-mail digests. For cron, once a day; running it again (or on several servers) sends nothing twice."""
    import datetime as dt

    from resolvers.scope import china_today

    settings = settings_or_exit()
    try:
        day = dt.date.fromisoformat(date) if date else settings.today or china_today()
    except ValueError:
        raise fail(f"--date {date!r} is not a date like 2026-11-30") from None
    report = asyncio.run(_daily_job(settings, day))
    typer.echo(report.summary())
    if not settings.smtp_host:
        typer.echo("no digests: QIANSHOU_SMTP_HOST is not set", err=True)
    for problem in report.problems:
        typer.echo(f"warning: {problem}", err=True)
    if report.digests_failed:
        raise typer.Exit(code=1)


@notify_app.command("email")
def notify_email(
    token: Annotated[str, typer.Argument(help="The token's name.")],
    email: Annotated[str | None, typer.Option(help='Where its daily digest goes; "" removes the address.')] = None,
    digest: Annotated[
        bool | None, typer.Option("--digest/--no-digest", help="Turn the daily digest on or off.")
    ] = None,
) -> None:
    """Set a token's e-mail address for the daily digest (its holder can also do so with updateNotificationSettings)."""
    from resolvers.notifications import SettingsError, set_token_email

    settings = settings_or_exit()

    async def store(db: Database) -> NotificationSettings:
        try:
            return await set_token_email(db, token, email, digest)
        except SettingsError as exc:
            raise fail(str(exc)) from None

    stored = asyncio.run(_with_db(settings, store))
    state = "on" if stored.email_digest else "off"
    typer.echo(f"token {token!r}: e-mail {stored.email or '(none)'}, daily digest {state}")


files_app = typer.Typer(help="Evidence files in the file store (QIANSHOU_FILES_DIR).", no_args_is_help=True)


@files_app.command("gc")
def files_gc(
    older_than_hours: Annotated[
        float, typer.Option(help="Leave unreferenced files younger than this: a write may be about to reference them.")
    ] = 24.0,
) -> None:
    """Remove stored files that no evidence row references (left by failed writes)."""
    import datetime as dt

    from resolvers.evidence import collect_garbage
    from server.files import evidence_files

    settings = settings_or_exit()

    async def collect(db: Database) -> Collected:
        return await collect_garbage(
            db, evidence_files(settings).blobs, older_than=dt.timedelta(hours=older_than_hours)
        )

    result = asyncio.run(_with_db(settings, collect))
    typer.echo(f"files: {result.removed} unreferenced removed, {result.kept} kept")
