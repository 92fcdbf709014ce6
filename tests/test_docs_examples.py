"""Every example in the docs works: each ```graphql block of README.md and docs/*.md runs against the
demo data without errors, and every `qianshou …` command line and `python -m …` module they show exists
with the options shown.

A GraphQL example's variables are filled by name from the demo data (DEMO_VARIABLES below). An example
that cannot run in-process says so in an HTML comment on the line before its block:
`<!-- example: validate -->` (subscriptions, file uploads: parsed and validated against the schema only),
`<!-- example: fails CODE -->` (meant to fail: the test expects an error with that code)."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from graphql import OperationType, parse, validate

from db.engine import Database
from resolvers.access import SYSTEM, Actor
from resolvers.tokens import authenticate, create_token
from schema.schema import schema
from server.cli import app
from tests.conftest import ROOT, gql, reopen_ye_county, run_graphql

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(?:<!-- example: (?P<mark>[^>]*?) -->\n)?```graphql\n(?P<body>.*?)```", re.S)


@dataclass(frozen=True)
class Example:
    file: str
    line: int
    document: str
    mark: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def graphql_examples() -> list[Example]:
    examples = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start("body"))
            examples.append(Example(path.name, line, match.group("body"), (match.group("mark") or "").strip()))
    return examples


EXAMPLES = graphql_examples()


@dataclass
class Demo:
    db: Database
    variables: dict[str, Any]
    actor: Actor


async def demo_variables(db: Database) -> dict[str, Any]:
    """Values for the variables the examples use, by name, taken from the demo data."""
    data = await gql(
        db,
        """{ programs(first: 1) { edges { node { id } } }
             regions(level: PROVINCE, first: 100) { edges { node { id name } } }
             agencies(filter: {nameContains: "心天地"}) { edges { node { id } } } }""",
        actor=SYSTEM,
    )
    agency = data["agencies"]["edges"][0]["node"]["id"]
    active = await gql(
        db,
        """{ pairings(filter: {status: ACTIVE}, first: 50) { edges { node {
             milestones(first: 50) { edges { node { id status } } } } } } }""",
        actor=SYSTEM,
    )
    # A milestone that takes an update: open, in an ACTIVE pairing, none pending review.
    open_milestone = next(
        milestone["node"]["id"]
        for pairing in active["pairings"]["edges"]
        for milestone in pairing["node"]["milestones"]["edges"]
        if milestone["node"]["status"] in ("NOT_STARTED", "IN_PROGRESS", "RETURNED")
    )
    program = data["programs"]["edges"][0]["node"]["id"]
    henan = next(edge["node"]["id"] for edge in data["regions"]["edges"] if edge["node"]["name"] == "河南省")
    return {
        "program": program,
        "programId": program,
        "region": henan,
        "henan": henan,
        "agency": agency,
        "milestone": open_milestone,
        "since": None,
    }


@pytest.fixture(scope="module")
async def demo(databases) -> AsyncIterator[Demo]:
    db = await databases.new_database("docs", demo=True)
    await reopen_ye_county(db)  # the write examples report on the Ye County pairing
    try:
        # An ADMIN with a token of its own: it reads everything and has an inbox.
        actor = await authenticate(db, await create_token(db, "docs-admin", SYSTEM.role))
        yield Demo(db, await demo_variables(db), actor)
    finally:
        await db.dispose()


def test_the_docs_have_graphql_examples():
    assert len(EXAMPLES) >= 8, [str(each) for each in EXAMPLES]


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
async def test_graphql_example_runs_on_the_demo_data(demo, example):
    document = parse(example.document)
    problems = validate(schema._schema, document)
    assert not problems, f"{example} does not validate: {problems}"
    if example.mark == "validate":
        return
    operation = document.definitions[0]
    names = [definition.variable.name.value for definition in operation.variable_definitions or ()]
    unknown = [name for name in names if name not in demo.variables]
    assert not unknown, f"{example}: no demo value for ${unknown}; add it to DEMO_VARIABLES or mark the example"
    result = await run_graphql(demo.db, example.document, {n: demo.variables[n] for n in names}, demo.actor)
    if example.mark.startswith("fails"):
        expected = example.mark.split()[1]
        codes = [error.extensions.get("code") for error in result.errors or []]
        assert expected in codes, f"{example} was meant to fail with {expected}: {result.errors}"
        return
    assert result.errors is None, f"{example}: {result.errors}"
    if operation.operation == OperationType.MUTATION:
        for name, payload in result.data.items():
            assert payload.get("userErrors", []) == [], f"{example}: {name} {payload['userErrors']}"


def test_every_graphql_example_is_one_operation():
    """graphql-core runs one anonymous operation per document: a second one needs a block of its own."""
    for example in EXAMPLES:
        assert len(parse(example.document).definitions) == 1, f"{example} holds several operations"


# --- command lines -------------------------------------------------------------------------------

COMMAND = re.compile(r"(?:^|[\s`|(])(?:\.venv/bin/)?qianshou((?: [a-z][a-z-]*)+)(?P<kind> [A-Z]+\b)?(?P<rest>[^`\n#]*)")
MODULE = re.compile(r"python3? -m ([a-z_][a-z_.]*)")


def command_lines() -> list[tuple[str, list[str], list[str], bool]]:
    """(where, sub-command words, --options, whether a placeholder follows) of every `qianshou …`
    the docs show."""
    found = []
    for path in DOCS:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in COMMAND.finditer(line):
                options = re.findall(r"--[a-z][a-z-]*", match.group("rest"))
                found.append((f"{path.name}:{number}", match.group(1).split(), options, bool(match.group("kind"))))
    return found


def resolve(words: list[str]) -> Any:
    """The deepest (click) command the words name; words past it are arguments."""
    command = typer.main.get_command(app)
    for word in words:
        if word not in getattr(command, "commands", {}):
            break
        command = command.commands[word]
    return command


def is_group(command: Any) -> bool:
    return hasattr(command, "commands")


def option_names(command: Any) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)} | {"--help"}


def test_every_command_line_in_the_docs_exists():
    lines = command_lines()
    assert len(lines) >= 30
    problems = []
    for where, words, options, placeholder in lines:
        command = resolve(words)
        if is_group(command) and placeholder:
            continue  # `qianshou import KIND FILE`: KIND stands for any of the group's commands
        if is_group(command):
            problems.append(f"{where}: `qianshou {' '.join(words)}` names no command")
            continue
        problems += [
            f"{where}: `qianshou {' '.join(words)}` has no option {option}"
            for option in options
            if option not in option_names(command)
        ]
    assert not problems, "\n".join(problems)


def test_the_command_check_catches_a_wrong_command():
    assert is_group(resolve(["token"])) and not is_group(resolve(["token", "create"]))
    assert "--scale" in option_names(resolve(["demo"]))
    assert "--no-such" not in option_names(resolve(["report", "pairings"]))


def test_every_python_module_in_the_docs_exists():
    missing = [
        f"{path.name}: python -m {module}"
        for path in DOCS
        for module in MODULE.findall(path.read_text(encoding="utf-8"))
        if importlib.util.find_spec(module) is None
    ]
    assert not missing, missing


# --- links ---------------------------------------------------------------------------------------

LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """The anchor GitHub and most renderers give a heading: lower case, punctuation dropped, spaces as -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {anchor(line.lstrip("#")) for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")}


def test_every_link_between_the_docs_leads_somewhere():
    broken = []
    for path in DOCS:
        for target in LINK.findall(path.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            file, _, fragment = target.partition("#")
            destination = (path.parent / file).resolve() if file else path
            if not destination.exists():
                broken.append(f"{path.name}: {target} (no such file)")
            elif fragment and destination.suffix == ".md" and fragment not in anchors(destination):
                broken.append(f"{path.name}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_the_anchor_of_a_heading():
    assert anchor("Coverage: 一区县一中心、一镇街一站点") == "coverage-一区县一中心一镇街一站点"
    assert anchor("Requests: limits, HTTP and errors") == "requests-limits-http-and-errors"
