"""Accounts of people who sign in: created, disabled, enabled and given a new password by ADMIN
(through GraphQL, or on the server's machine with `qianshou user ...`, as the system).

Every write goes through the mutation runner (resolvers/writes.py): one transaction, user errors
for bad input, an audit event that never holds the password hash. Disabling an account or giving
it a new password ends its sessions at once. The role and scope rules are the tokens' own
(resolvers/principals.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.engine import Database
from db.models import Account, AccountSession, Agency, Region, Role
from resolvers import access
from resolvers.audit import snapshot
from resolvers.errors import ApiError, ErrorCode, UserError, UserErrors
from resolvers.ids import encode_id
from resolvers.pagination import Ordering, Page, paginate
from resolvers.passwords import hash_password, password_problem, verify_password
from resolvers.principals import scope_problem
from resolvers.scope import Scope
from resolvers.tokens import demo_name
from resolvers.tx import Tx
from resolvers.validation import Checks
from resolvers.writes import mutation

# Letters (Chinese included), digits and . _ @ -, starting with a letter or digit.
NAME_PATTERN = re.compile(r"[^\W_][\w.@-]{0,99}")
ACCOUNT_ORDER = Ordering(columns=(Account.id,), key_of=lambda account: (account.id,))
# What reads return: never the password hash.
LISTED = (
    Account.id,
    Account.name,
    Account.role,
    Account.agency_id,
    Account.region_id,
    Account.created_at,
    Account.disabled_at,
    Account.last_sign_in_at,
)


def require_account_manager(actor: access.Actor) -> None:
    if actor.role not in access.roles_for("manageAccounts"):
        raise ApiError(
            ErrorCode.FORBIDDEN,
            f"{actor.role.value} may not manage accounts",
            message_zh=f"{actor.role.value} 角色无权管理账号",
        )


async def list_accounts(scope: Scope, *, first: int | None, after: str | None) -> Page[object]:
    require_account_manager(scope.actor)
    return await paginate(scope.db, select(*LISTED), ACCOUNT_ORDER, first=first, after=after)


@dataclass(frozen=True)
class AccountInfo:
    """An account as the command line lists it."""

    name: str
    role: Role
    agency: str | None
    region: str | None
    last_sign_in_at: dt.datetime | None
    disabled_at: dt.datetime | None


async def list_account_rows(db: Database) -> list[AccountInfo]:
    statement = (
        select(
            Account.name,
            Account.role,
            Account.agency_id,
            Agency.name,
            Account.region_id,
            Region.name,
            Account.last_sign_in_at,
            Account.disabled_at,
        )
        .outerjoin(Agency, Agency.id == Account.agency_id)
        .outerjoin(Region, Region.id == Account.region_id)
        .order_by(Account.id)
    )
    async with db.reading() as session:
        rows = (await session.execute(statement)).all()
    return [
        AccountInfo(
            name=name,
            role=role,
            agency=agency and f"{agency} ({encode_id('Agency', agency_id)})",
            region=region and f"{region} ({encode_id('Region', region_id)})",
            last_sign_in_at=last_sign_in_at,
            disabled_at=disabled_at,
        )
        for name, role, agency_id, agency, region_id, region, last_sign_in_at, disabled_at in rows
    ]


async def account_id_by_name(db: Database, name: str) -> int | None:
    async with db.reading() as session:
        return await session.scalar(select(Account.id).where(Account.name == name.strip()))


@dataclass(frozen=True)
class CreateAccount:
    name: str
    password: str
    role: Role
    agency_id: str | None = None
    region_id: str | None = None


@mutation("createAccount")
async def create_account(tx: Tx, request: CreateAccount) -> Account:
    tx.require_rule(require_account_manager)
    checks = Checks()
    name = checks.text("name", request.name, max_length=100)
    if name is not None and not NAME_PATTERN.fullmatch(name):
        checks.fail(
            "name",
            "letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
            message_zh="只能包含字母、汉字、数字及 . _ @ -，并以字母、汉字或数字开头",
        )
    _check_password(checks, request.password, request.name)
    problem = scope_problem(
        request.role, request.agency_id, request.region_id, noun="account", agency="agencyId", region="regionId"
    )
    if problem is not None:
        checks.fail(problem.field, problem.message, message_zh=problem.message_zh)
    checks.done()
    agency = await tx.load_optional(Agency, request.agency_id, "agency_id")
    region = await tx.load_optional(Region, request.region_id, "region_id")
    if await tx.session.scalar(select(Account.id).where(Account.name == name)) is not None:
        raise UserErrors(
            UserError(
                f"an account named {name!r} exists already",
                ErrorCode.CONFLICT,
                ["name"],
                message_zh=f"账号名 {name!r} 已被使用",
            )
        )
    return await tx.add(
        Account(
            name=name,
            password_hash=await hash_password(request.password),
            role=request.role,
            agency_id=agency and agency.id,
            region_id=region and region.id,
        )
    )


@dataclass(frozen=True)
class AccountRequest:
    id: str


@mutation("disableAccount")
async def disable_account(tx: Tx, request: AccountRequest) -> Account:
    account = await _load(tx, request.id)
    if account.id == tx.scope.actor.account_id:
        raise UserErrors(
            UserError("you cannot disable your own account", ErrorCode.INVALID, ["id"], message_zh="不能停用自己的账号")
        )
    refusal = UserError(
        "the account is disabled already", ErrorCode.NOT_ALLOWED_TRANSITION, ["id"], message_zh="该账号已停用"
    )
    await tx.guarded_update(account, {"disabled_at": utcnow()}, Account.disabled_at.is_(None), refusal)
    await end_sessions(tx.session, account.id)
    return account


@mutation("enableAccount")
async def enable_account(tx: Tx, request: AccountRequest) -> Account:
    account = await _load(tx, request.id)
    refusal = UserError(
        "the account is not disabled", ErrorCode.NOT_ALLOWED_TRANSITION, ["id"], message_zh="该账号未停用"
    )
    await tx.guarded_update(account, {"disabled_at": None}, Account.disabled_at.is_not(None), refusal)
    return account


@dataclass(frozen=True)
class ResetPassword:
    id: str
    password: str


@mutation("resetAccountPassword")
async def reset_password(tx: Tx, request: ResetPassword) -> Account:
    account = await _load(tx, request.id)
    checks = Checks()
    _check_password(checks, request.password, account.name)
    checks.done()
    before = snapshot(account)
    account.password_hash = await hash_password(request.password)
    account.password_changed_at = utcnow()
    await tx.session.flush()
    await tx.audit(account, before)
    await end_sessions(tx.session, account.id)
    return account


async def end_sessions(session: AsyncSession, account_id: int) -> None:
    await session.execute(delete(AccountSession).where(AccountSession.account_id == account_id))


async def _load(tx: Tx, global_id: str) -> Account:
    tx.require_rule(require_account_manager)
    return await tx.load(Account, global_id, "id", lock=True)


def _check_password(checks: Checks, password: str, name: str) -> None:
    if problem := password_problem(password, name or ""):
        checks.fail("password", problem[0], message_zh=problem[1])


# --- demo -----------------------------------------------------------------------------------------

# A demo's accounts share one documented password (README: Sign-in and accounts).
DEMO_PASSWORD = "qianshou-demo"


async def ensure_demo_accounts(db: Database, scopes: dict[Role, tuple[str | None, str | None]]) -> dict[str, str]:
    """One account per role, named as the demo tokens are, with DEMO_PASSWORD; {name: password}.
    Idempotent: an account already there and usable is left as it is; one disabled, or whose
    password was changed, is enabled and given DEMO_PASSWORD again."""
    scope = Scope(db=db, actor=access.SYSTEM)
    for role, (agency_id, region_id) in scopes.items():
        name = demo_name(role)
        async with db.reading() as session:
            account = await session.scalar(select(Account).where(Account.name == name))
        if account is None:
            outcome = await create_account(scope, CreateAccount(name, DEMO_PASSWORD, role, agency_id, region_id))
        elif account.disabled_at is not None or not await verify_password(account.password_hash, DEMO_PASSWORD):
            global_id = encode_id("Account", account.id)
            if account.disabled_at is not None:
                await enable_account(scope, AccountRequest(global_id))
            outcome = await reset_password(scope, ResetPassword(global_id, DEMO_PASSWORD))
        else:
            continue
        if outcome.errors:
            raise RuntimeError(f"demo account {name}: {outcome.errors[0].message}")
    return {demo_name(role): DEMO_PASSWORD for role in scopes}
