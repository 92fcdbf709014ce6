"""What a violated unique constraint tells the user, in English and Chinese: the mutation runner
answers a write that hits one with this user error, the spreadsheet import with its message."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from resolvers.errors import ErrorCode, UserError

# Unique constraints as PostgreSQL names them and as SQLite describes them, with what to tell the
# user in English and Chinese.
CONFLICTS: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (
        ("uq_pairings_one_active_per_supported", "pairings.program_id, pairings.supported_id"),
        "status",
        "the supported agency already has an ACTIVE pairing in this program",
        "该受援机构在本帮扶计划中已有一个进行中（ACTIVE）的结对",
    ),
    (
        ("uq_agencies_credit_code", "agencies.credit_code"),
        "credit_code",
        "another agency has this credit code",
        "另一家机构已使用此统一社会信用代码",
    ),
    (("uq_programs_name", "programs.name"), "name", "another program has this name", "已有同名的帮扶计划"),
)


UPDATE_PENDING = UserError(
    "the milestone already has an update pending review; submit again once it is reviewed",
    ErrorCode.UPDATE_PENDING,
    ["milestone_id"],
    message_zh="该里程碑已有一份待审核的进展报告，审核后才能再次提交",
)
# Unique constraints that guard a rule with a code of its own (the rule is checked first; these
# answer the writer that lost a race).
RULE_CONFLICTS: tuple[tuple[tuple[str, ...], UserError], ...] = (
    (("uq_milestone_updates_one_pending", "milestone_updates.milestone_id"), UPDATE_PENDING),
)


def conflict_error(exc: IntegrityError) -> UserError:
    text = str(exc.orig)
    for patterns, error in RULE_CONFLICTS:
        if any(pattern in text for pattern in patterns):
            return error
    for patterns, field_name, message, message_zh in CONFLICTS:
        if any(pattern in text for pattern in patterns):
            return UserError(message, ErrorCode.CONFLICT, [field_name], message_zh=message_zh)
    return UserError(
        "the change conflicts with data already stored", ErrorCode.CONFLICT, message_zh="此更改与已存储的数据冲突"
    )
