"""The `qianshou` command line.

Commands import the heavy parts they need (the GraphQL schema, Uvicorn, the report writers) when
they run, so that `qianshou --help` and the small commands start at once.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from db.engine import Database
from db.migrate import revision_problem, upgrade
from db.models import Role
from resolvers import tokens
from resolvers.tokens import TokenError
from server.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    help="Qianshou (牵手): paired-assistance programs between social work agencies.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema file.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(schema_app, name="schema")
token_app = typer.Typer(help="API tokens: only their SHA-256 is stored.", no_args_is_help=True)
app.add_typer(token_app, name="token")

T = TypeVar("T")

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=1)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        raise fail(str(exc)) from None


async def connected(settings: Settings) -> Database:
    """A Database that has answered a ping, or a one-line error instead of a traceback."""
    db = Database.from_url(settings.database_url)
    try:
        await db.ping()
    except Exception as exc:
        await db.dispose()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise fail(f"cannot reach the database at {db.read_engine.url.render_as_string()}: {reason}") from None
    return db


async def _upgrade(settings: Settings) -> None:
    db = await connected(settings)
    try:
        await upgrade(db.write_engine)
    finally:
        await db.dispose()


async def _load_demo(settings: Settings) -> bool:
    from db.demo.henan import load_henan_demo
    from resolvers.scope import china_today

    db = await connected(settings)
    try:
        await upgrade(db.write_engine)
        # Its dates are relative to the day it is loaded, so that its story holds on any day.
        return await load_henan_demo(db, settings.today or china_today())
    finally:
        await db.dispose()


async def _load_national(settings: Settings, scale: float) -> bool:
    from db.demo.national import NationalDemoError, load_national_demo

    db = await connected(settings)
    try:
        await upgrade(db.write_engine)
        return await load_national_demo(db, scale)
    except NationalDemoError as exc:
        raise fail(str(exc)) from None
    finally:
        await db.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to QIANSHOU_DATABASE_URL."""
    settings = settings_or_exit()
    asyncio.run(_upgrade(settings))
    typer.echo("database is up to date")


async def _revision_problem(settings: Settings) -> str | None:
    db = await connected(settings)
    try:
        return await revision_problem(db.write_engine)
    finally:
        await db.dispose()


@db_app.command("check")
def db_check() -> None:
    """Exit 0 when QIANSHOU_DATABASE_URL is at the head revision, else 1 with the reason."""
    settings = settings_or_exit()
    if problem := asyncio.run(_revision_problem(settings)):
        raise fail(problem)
    typer.echo("database is at the head revision")


@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="Where to write the backup.")]) -> None:
    """A consistent copy of the database while it serves: SQLite's backup API, or pg_dump."""
    from db.backup import BackupError, backup

    settings = settings_or_exit()
    try:
        backup(settings.database_url, file)
    except BackupError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {file}")


@db_app.command("restore")
def db_restore(file: Annotated[Path, typer.Argument(help="A file `qianshou db backup` wrote.")]) -> None:
    """Replace the database's contents with a backup's (stop the servers first)."""
    from db.backup import BackupError, restore

    settings = settings_or_exit()
    try:
        restore(settings.database_url, file)
    except BackupError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"restored {file}")


@app.command()
def demo(
    scale: Annotated[
        float | None,
        typer.Option(
            help="Load the synthetic national data set at this scale instead (1 = 1,500 pairings, ~400k rows)."
        ),
    ] = None,
) -> None:
    """Load the Henan 牵手计划 demo data (does nothing if it is already there)."""
    settings = settings_or_exit()
    if scale is None:
        loaded = asyncio.run(_load_demo(settings))
        typer.echo("demo data loaded" if loaded else "demo data already present; nothing changed")
        if not settings.production:
            print_demo_accounts(asyncio.run(_with_db(settings, demo_accounts)))
        return
    started = time.perf_counter()
    loaded = asyncio.run(_load_national(settings, scale))
    elapsed = time.perf_counter() - started
    typer.echo(
        f"national data (scale {scale:g}) loaded in {elapsed:.1f} s"
        if loaded
        else f"national data (scale {scale:g}) already present; nothing changed"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    with_demo: Annotated[bool, typer.Option("--demo", help="Load the demo data first.")] = False,
) -> None:
    """Run the GraphQL server (Uvicorn) at /graphql."""
    import uvicorn

    from server.observability import log_config, metrics_directory
    from server.shutdown import GracefulServer, graceful_http
    from server.workers import APP, ListenError, reuse_port_available, serve_workers

    settings = settings_or_exit(host=host, port=port, workers=workers)
    if with_demo:
        if settings.production:
            raise fail("--demo makes tokens anyone reading this terminal can use; it is for development only")
        asyncio.run(_load_demo(settings))
        print_demo_tokens(asyncio.run(_with_db(settings, _rotate_demo_tokens)))
        print_demo_accounts(asyncio.run(_with_db(settings, demo_accounts)))
    elif settings.production:
        # Production migrates as a deployment step (`qianshou db upgrade`), never on start: servers
        # started together would race, and a new server must not change what old ones still serve.
        if problem := asyncio.run(_revision_problem(settings)):
            raise fail(problem)
    else:
        asyncio.run(_upgrade(settings))
    # Workers are separate processes that read their settings from the environment.
    os.environ.update({"QIANSHOU_HOST": settings.host, "QIANSHOU_PORT": str(settings.port)})
    typer.echo(f"serving GraphQL at http://{settings.host}:{settings.port}/graphql ({settings.env})")
    config: dict[str, Any] = {
        "log_level": "info",
        "access_log": settings.access_log,
        "log_config": log_config(settings.json_logs),
    }
    # Slow clients are cut off (server/timeouts.py); a stop loses no request (server/shutdown.py).
    config["http"] = graceful_http(settings.request_read_timeout)
    with metrics_directory():
        if settings.workers > 1 and reuse_port_available():
            try:
                status = serve_workers(settings.host, settings.port, settings.workers, **config)
            except ListenError as exc:
                raise fail(str(exc)) from None
            if status:
                raise fail("a worker exited; the server stopped")
            return
        if settings.workers > 1:  # not on Linux: Uvicorn's workers and its own shutdown
            uvicorn.run(APP, factory=True, host=settings.host, port=settings.port, workers=settings.workers, **config)
            return
        server = GracefulServer(uvicorn.Config(APP, factory=True, host=settings.host, port=settings.port, **config))
        server.run()
        if not server.started:
            raise typer.Exit(3)  # Uvicorn's STARTUP_FAILURE, as uvicorn.run exits with


async def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    db = await connected(settings)
    try:
        await upgrade(db.write_engine)
        return await work(db)
    except TokenError as exc:
        raise fail(str(exc)) from None
    finally:
        await db.dispose()


async def _rotate_demo_tokens(db: Database) -> dict[str, str]:
    return await tokens.rotate_demo_tokens(db, await tokens.demo_scopes(db))


def print_demo_tokens(secrets: dict[str, str]) -> None:
    typer.echo("demo tokens (new on every `serve --demo`; the previous ones are revoked):")
    for name, secret in secrets.items():
        typer.echo(f"  {name:<22} {secret}")
    typer.echo('in GraphiQL, set the header {"Authorization": "Bearer TOKEN"}')


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="A name for the token, never reused.")],
    role: Annotated[Role, typer.Option(help="What the token may see and do (docs/user-guide.md: Permissions).")],
    agency: Annotated[
        str | None, typer.Option(help="Agency global ID; for MENTOR_AGENCY and SUPPORTED_AGENCY.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Region global ID; for REGIONAL_STAFF.")] = None,
) -> None:
    """Create a token and print it once, alone on the last line: it cannot be shown again."""
    settings = settings_or_exit()

    async def create(db: Database) -> str:
        return await tokens.create_token(db, name, role, agency_id=agency, region_id=region)

    secret = asyncio.run(_with_db(settings, create))
    typer.echo(f"created token {name!r} ({role.value}); store it now, it is shown only this once:")
    typer.echo(secret)


@token_app.command("list")
def token_list() -> None:
    """The tokens, their roles and scopes, and when each was last used (never the tokens)."""
    settings = settings_or_exit()
    rows = asyncio.run(_with_db(settings, tokens.list_tokens))
    if not rows:
        typer.echo("no tokens")
        return
    for row in rows:
        scope = row.agency or row.region or "-"
        used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never"
        state = f"revoked {row.revoked_at.isoformat(timespec='minutes')}" if row.revoked_at else "active"
        typer.echo(f"{row.name}\t{row.role.value}\t{scope}\tlast used {used}\t{state}")


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: requests with it are refused from now on."""
    settings = settings_or_exit()

    async def revoke(db: Database) -> None:
        await tokens.revoke_token(db, name)

    asyncio.run(_with_db(settings, revoke))
    typer.echo(f"revoked token {name!r}")


@schema_app.command("export")
def schema_export(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = SCHEMA_FILE,
) -> None:
    """Write the GraphQL schema (SDL) that dashboards build against."""
    from schema.schema import schema

    output.write_text(str(schema) + "\n", encoding="utf-8")
    typer.echo(f"wrote {output}")


# `qianshou report …` and `qianshou regions …`: data out and in, in a module of their own.
from server.cli_data import regions_app, report_app  # noqa: E402

app.add_typer(report_app, name="report")
app.add_typer(regions_app, name="regions")

# `qianshou import …` lives in its own module; it imports nothing heavy until a command runs.
from server.import_cli import import_app  # noqa: E402

app.add_typer(import_app, name="import")

# `qianshou docs build`: the API reference page from the schema file (server/api_reference.py).
from server.api_reference import docs_app  # noqa: E402

app.add_typer(docs_app, name="docs")


# `qianshou notify …` and `qianshou files …`: the jobs for cron, in a module of their own.
from server.cli_jobs import files_app, notify_app  # noqa: E402

app.add_typer(notify_app, name="notify")
app.add_typer(files_app, name="files")

# Accounts of people: the `user` commands and the demo's accounts, in a module of their own.
from server.cli_users import demo_accounts, print_demo_accounts, user_app  # noqa: E402

app.add_typer(user_app, name="user")
