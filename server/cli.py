"""The `qianshou` command line."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer

from db.engine import Database
from db.migrate import upgrade
from server.settings import Settings, SettingsError, load_settings

app = typer.Typer(help="Qianshou (牵手): paired-assistance programs between social work agencies.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema file.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(schema_app, name="schema")

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

    db = await connected(settings)
    try:
        await upgrade(db.write_engine)
        return await load_henan_demo(db)
    finally:
        await db.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to QIANSHOU_DATABASE_URL."""
    settings = settings_or_exit()
    asyncio.run(_upgrade(settings))
    typer.echo("database is up to date")


@app.command()
def demo() -> None:
    """Load the Henan 牵手计划 demo data (does nothing if it is already there)."""
    settings = settings_or_exit()
    loaded = asyncio.run(_load_demo(settings))
    typer.echo("demo data loaded" if loaded else "demo data already present; nothing changed")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    with_demo: Annotated[bool, typer.Option("--demo", help="Load the demo data first.")] = False,
) -> None:
    """Run the GraphQL server (Uvicorn) at /graphql."""
    import uvicorn

    settings = settings_or_exit(host=host, port=port, workers=workers)
    if with_demo:
        asyncio.run(_load_demo(settings))
    else:
        asyncio.run(_upgrade(settings))
    # Workers are separate processes that read their settings from the environment.
    os.environ.update({"QIANSHOU_HOST": settings.host, "QIANSHOU_PORT": str(settings.port)})
    typer.echo(f"serving GraphQL at http://{settings.host}:{settings.port}/graphql ({settings.env})")
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="info",
    )


@schema_app.command("export")
def schema_export(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = SCHEMA_FILE,
) -> None:
    """Write the GraphQL schema (SDL) that dashboards build against."""
    from schema.schema import schema

    output.write_text(str(schema) + "\n", encoding="utf-8")
    typer.echo(f"wrote {output}")
