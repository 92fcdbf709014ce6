"""The Mutation root: every mutation takes one `input` and returns a payload with the changed
object and `userErrors`. The fields live in one module per part of the domain."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.accounts import AccountMutation
from schema.imports import ImportMutation
from schema.milestone_mutations import MilestoneMutation
from schema.notifications import NotificationMutation
from schema.program_mutations import ProgramMutation
from schema.record_mutations import RecordMutation
from schema.webhooks import WebhookMutation

Mutation = merge_types(
    "Mutation",
    (
        ProgramMutation,
        MilestoneMutation,
        RecordMutation,
        AccountMutation,
        ImportMutation,
        NotificationMutation,
        WebhookMutation,
    ),
)
