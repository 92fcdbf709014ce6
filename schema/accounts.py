"""Accounts of people who sign in to the web app: listed and managed by ADMIN only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import Row

from db import models
from resolvers import accounts
from resolvers.ids import encode_id
from schema.agencies import Agency, load_agency
from schema.context import Info
from schema.enums import Role
from schema.inputs import UserError, payload_of, request_of
from schema.regions import Region, load_region
from schema.relay import Connection

ADMIN_ONLY = "ADMIN only."


@strawberry.type(description="A person who signs in to the web app, with a role and scope as a token has.")
class Account:
    id: strawberry.ID
    name: str
    role: Role
    created_at: dt.datetime
    disabled_at: dt.datetime | None = strawberry.field(description="Set while the account may not sign in.")
    last_sign_in_at: dt.datetime | None
    agency_pk: strawberry.Private[int | None]
    region_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.Account | Row[Any]) -> Account:
        """From the account, or a row of its listed columns (resolvers/accounts.py)."""
        return cls(
            id=strawberry.ID(encode_id("Account", row.id)),
            name=row.name,
            role=row.role,
            created_at=row.created_at,
            disabled_at=row.disabled_at,
            last_sign_in_at=row.last_sign_in_at,
            agency_pk=row.agency_id,
            region_pk=row.region_id,
        )

    @strawberry.field(description="For MENTOR_AGENCY and SUPPORTED_AGENCY: its agency.")
    async def agency(self, info: Info) -> Agency | None:
        return None if self.agency_pk is None else await load_agency(info.context.loaders, self.agency_pk)

    @strawberry.field(description="For REGIONAL_STAFF: the region it works in, and everything below it.")
    async def region(self, info: Info) -> Region | None:
        return None if self.region_pk is None else await load_region(info, self.region_pk)


@strawberry.type
class AccountQuery:
    @strawberry.field(description=f"Every account, oldest first. {ADMIN_ONLY}")
    async def accounts(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Account]:
        page = await accounts.list_accounts(info.context, first=first, after=after)
        return Connection.of(page, Account.from_model)


@strawberry.input
class CreateAccountInput:
    name: str = strawberry.field(description="Unique: letters (汉字 too), digits, '.', '_', '@' or '-'.")
    password: str = strawberry.field(description="10 to 200 characters, not the name. Stored only as an Argon2 hash.")
    role: Role
    agency_id: strawberry.ID | None = strawberry.field(default=None, description="For agency roles, and only them.")
    region_id: strawberry.ID | None = strawberry.field(default=None, description="For REGIONAL_STAFF, and only it.")


@strawberry.input
class AccountInput:
    id: strawberry.ID


@strawberry.input
class ResetAccountPasswordInput:
    id: strawberry.ID
    password: str


@strawberry.type
class AccountPayload:
    account: Account | None
    user_errors: list[UserError]


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description=f"A new account. {ADMIN_ONLY}")
    async def create_account(self, info: Info, input: CreateAccountInput) -> AccountPayload:
        outcome = await accounts.create_account(info.context, request_of(accounts.CreateAccount, input))
        return payload_of(AccountPayload, outcome, account=Account.from_model)

    @strawberry.mutation(description=f"The account may no longer sign in; its sessions end at once. {ADMIN_ONLY}")
    async def disable_account(self, info: Info, input: AccountInput) -> AccountPayload:
        outcome = await accounts.disable_account(info.context, request_of(accounts.AccountRequest, input))
        return payload_of(AccountPayload, outcome, account=Account.from_model)

    @strawberry.mutation(description=f"A disabled account may sign in again. {ADMIN_ONLY}")
    async def enable_account(self, info: Info, input: AccountInput) -> AccountPayload:
        outcome = await accounts.enable_account(info.context, request_of(accounts.AccountRequest, input))
        return payload_of(AccountPayload, outcome, account=Account.from_model)

    @strawberry.mutation(description=f"A new password; the account's sessions end at once. {ADMIN_ONLY}")
    async def reset_account_password(self, info: Info, input: ResetAccountPasswordInput) -> AccountPayload:
        outcome = await accounts.reset_password(info.context, request_of(accounts.ResetPassword, input))
        return payload_of(AccountPayload, outcome, account=Account.from_model)
