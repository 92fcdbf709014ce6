"""`qianshou user ...`: accounts of people who sign in to the web app, and the demo's accounts.

Passwords are typed at a prompt that does not echo them (twice), or read from standard input with
--password-stdin; they are never printed or logged. Writes run as the system through the same
mutations ADMIN calls over GraphQL, so they are checked and audited alike.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from db.engine import Database
from db.models import Role
from resolvers import tokens
from server.cli import _with_db, fail, settings_or_exit
from server.settings import Settings

if TYPE_CHECKING:  # imported where used, so that the other commands start without them
    from resolvers.scope import Scope
    from resolvers.writes import Outcome

R = TypeVar("R")

user_app = typer.Typer(help="Accounts of people who sign in to the web app.", no_args_is_help=True)


async def demo_accounts(db: Database) -> dict[str, str]:
    from resolvers.accounts import ensure_demo_accounts

    return await ensure_demo_accounts(db, await tokens.demo_scopes(db))


def print_demo_accounts(accounts: dict[str, str]) -> None:
    typer.echo("demo accounts (sign in at /; the same on every run):")
    for name, password in accounts.items():
        typer.echo(f"  {name:<22} password: {password}")


def _read_password(from_stdin: bool) -> str:
    """From standard input (one line), or typed twice at a prompt that does not echo it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return password


def _run_account_write(settings: Settings, write: Callable[[Database, Scope], Awaitable[Outcome[R]]]) -> R | None:
    """Run an account mutation as the system and fail with its user errors, if any."""
    from resolvers.access import SYSTEM
    from resolvers.scope import Scope

    async def run(db: Database) -> Outcome[R]:
        return await write(db, Scope(db=db, actor=SYSTEM))

    outcome = asyncio.run(_with_db(settings, run))
    if outcome.errors:
        raise fail("; ".join(f"{'.'.join(e.field) + ': ' if e.field else ''}{e.message}" for e in outcome.errors))
    return outcome.value


async def _account_id(db: Database, name: str) -> str:
    from resolvers.accounts import account_id_by_name
    from resolvers.ids import encode_id

    pk = await account_id_by_name(db, name)
    if pk is None:
        raise fail(f"no account named {name!r}")
    return encode_id("Account", pk)


PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input instead of a prompt.")
]


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Option(help="The name the person signs in with.")],
    role: Annotated[Role, typer.Option(help="What the account may see and do (docs/user-guide.md: Permissions).")],
    agency: Annotated[
        str | None, typer.Option(help="Agency global ID; for MENTOR_AGENCY and SUPPORTED_AGENCY.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Region global ID; for REGIONAL_STAFF.")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account; the password is asked for (or read from standard input), never echoed."""
    from resolvers import accounts

    settings = settings_or_exit()
    password = _read_password(password_stdin)
    request = accounts.CreateAccount(name, password, role, agency, region)
    _run_account_write(settings, lambda db, scope: accounts.create_account(scope, request))
    typer.echo(f"created account {name!r} ({role.value})")


@user_app.command("list")
def user_list() -> None:
    """The accounts, their roles and scopes, and when each last signed in."""
    from resolvers.accounts import list_account_rows

    settings = settings_or_exit()
    rows = asyncio.run(_with_db(settings, list_account_rows))
    if not rows:
        typer.echo("no accounts")
        return
    for row in rows:
        scope = row.agency or row.region or "-"
        signed_in = row.last_sign_in_at.isoformat(timespec="minutes") if row.last_sign_in_at else "never"
        state = f"disabled {row.disabled_at.isoformat(timespec='minutes')}" if row.disabled_at else "active"
        typer.echo(f"{row.name}\t{row.role.value}\t{scope}\tlast sign-in {signed_in}\t{state}")


def _account_command(name: str, write: Callable[[Scope, str], Awaitable[Outcome[R]]]) -> None:
    settings = settings_or_exit()

    async def run(db: Database, scope: Scope) -> Outcome[R]:
        return await write(scope, await _account_id(db, name))

    _run_account_write(settings, run)


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="The account's name.")]) -> None:
    """Disable an account: it can no longer sign in, and its sessions end now."""
    from resolvers import accounts

    _account_command(
        name, lambda scope, account_id: accounts.disable_account(scope, accounts.AccountRequest(account_id))
    )
    typer.echo(f"disabled account {name!r}")


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument(help="The account's name.")]) -> None:
    """Let a disabled account sign in again."""
    from resolvers import accounts

    _account_command(
        name, lambda scope, account_id: accounts.enable_account(scope, accounts.AccountRequest(account_id))
    )
    typer.echo(f"enabled account {name!r}")


@user_app.command("reset-password")
def user_reset_password(
    name: Annotated[str, typer.Argument(help="The account's name.")], password_stdin: PasswordStdin = False
) -> None:
    """Give an account a new password; its sessions end now."""
    from resolvers import accounts

    password = _read_password(password_stdin)
    _account_command(
        name, lambda scope, account_id: accounts.reset_password(scope, accounts.ResetPassword(account_id, password))
    )
    typer.echo(f"new password set for account {name!r}; its sessions have ended")
