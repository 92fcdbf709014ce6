"""The API reference: one static HTML page made from schema/schema.graphql's descriptions, and for
each mutation the roles that may call it, from the permission matrix (resolvers/access.py).

`qianshou docs build` writes it to docs/api/index.html, which is committed; tests/test_api_reference.py
fails when it no longer matches the schema file. The page is plain HTML with its styles inline, so it
opens from the file system or any static host with no network."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Annotated

import typer
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    build_schema,
    get_named_type,
    print_ast,
)

from resolvers.access import VOIDS, WRITE_ROLES, roles_for

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema" / "schema.graphql"
OUTPUT = ROOT / "docs" / "api" / "index.html"

ROLES = ("ADMIN", "MINISTRY", "REGIONAL_STAFF", "MENTOR_AGENCY", "SUPPORTED_AGENCY", "VIEWER")
ROLE_PATTERN = re.compile(r"\b(" + "|".join(ROLES) + r")\b")
CODE_PATTERN = re.compile(r"`([^`]+)`")

# The sections of the page, in order: what a kind of type is called, and which types it holds.
KINDS: list[tuple[str, str, type[GraphQLNamedType]]] = [
    ("objects", "Object types", GraphQLObjectType),
    ("interfaces", "Interfaces", GraphQLInterfaceType),
    ("unions", "Unions", GraphQLUnionType),
    ("inputs", "Input types", GraphQLInputObjectType),
    ("enums", "Enums", GraphQLEnumType),
    ("scalars", "Scalars", GraphQLScalarType),
]
OPERATIONS = ("Query", "Mutation", "Subscription")

STYLE = """
body { font: 15px/1.5 system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif; margin: 0; color: #1d2330; }
nav { position: fixed; top: 0; bottom: 0; left: 0; width: 17rem; overflow-y: auto; padding: 1rem;
      background: #f4f6f9; border-right: 1px solid #dde2ea; font-size: 13px; }
nav ul { list-style: none; padding-left: .6rem; margin: .2rem 0 .8rem; }
main { margin-left: 19.5rem; max-width: 60rem; padding: 1rem 2rem 4rem; }
h2 { border-bottom: 2px solid #dde2ea; padding-bottom: .2rem; margin-top: 2.5rem; }
section.type { margin: 1.6rem 0; }
h3 { margin-bottom: .3rem; font-family: ui-monospace, monospace; }
h3 small { font: 13px system-ui, sans-serif; color: #667; margin-left: .5rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
td { vertical-align: top; padding: .35rem .5rem; border-top: 1px solid #e6e9ef; }
td:first-child { width: 38%; font-family: ui-monospace, monospace; font-size: 13px; }
code, .sig { font-family: ui-monospace, monospace; font-size: 13px; }
code { background: #eef1f5; padding: 0 .25rem; border-radius: 3px; }
.args { margin: .2rem 0 0 1rem; color: #445; }
.role { background: #fff2d6; border: 1px solid #e8c77a; border-radius: 3px; padding: 0 .25rem; font-size: 12px; }
.deprecated { color: #a33; }
.who { margin-top: .2rem; color: #445; font-size: 13px; }
a { color: #1f5fbf; text-decoration: none; }
a:hover { text-decoration: underline; }
"""


def text(description: str | None) -> str:
    """A description as HTML: escaped, `code` spans kept, role names marked (the permission rules)."""
    if not description:
        return ""
    escaped = html.escape(description, quote=False)
    marked = CODE_PATTERN.sub(lambda match: f"<code>{match.group(1)}</code>", escaped)
    marked = ROLE_PATTERN.sub(r'<span class="role">\1</span>', marked)
    return "<br>".join(marked.splitlines())


def type_ref(graphql_type: GraphQLType) -> str:
    """`[Pairing!]!` with the named type linked to its section."""
    named = get_named_type(graphql_type)
    link = f'<a href="#{named.name}">{named.name}</a>'
    return html.escape(str(graphql_type)).replace(named.name, link, 1)


def argument_rows(arguments: dict[str, GraphQLArgument]) -> str:
    rows = []
    for name, argument in arguments.items():
        default = ""
        if argument.ast_node and argument.ast_node.default_value:
            default = f" = {html.escape(print_ast(argument.ast_node.default_value))}"
        described = f" — {text(argument.description)}" if argument.description else ""
        rows.append(f'<div class="sig">{name}: {type_ref(argument.type)}{default}{described}</div>')
    return f'<div class="args">{"".join(rows)}</div>' if rows else ""


# Roles that hold a write only for their own pairings, agencies or region (resolvers/access.py).
SCOPED_WRITERS = {"REGIONAL_STAFF", "MENTOR_AGENCY", "SUPPORTED_AGENCY"}


def who_may_call(mutation: str) -> str:
    """The roles that may call a mutation, from the permission matrix that the access tests check
    (resolvers/access.py); empty for a mutation that is not in it (its description says who)."""
    if mutation not in WRITE_ROLES and mutation not in VOIDS:
        return ""
    roles = sorted(roles_for(mutation), key=lambda role: ROLES.index(role.value))
    named = [text(role.value) + (" (own)" if role.value in SCOPED_WRITERS else "") for role in roles]
    return f'<div class="who">Who may call it: {", ".join(named)}.</div>'


def field_rows(owner: str, fields: dict[str, GraphQLField] | dict[str, GraphQLInputField]) -> str:
    rows = []
    for name, field in fields.items():
        permission = who_may_call(name) if owner == "Mutation" else ""
        arguments = argument_rows(field.args) if isinstance(field, GraphQLField) else ""
        deprecated = (
            f'<div class="deprecated">Deprecated: {text(field.deprecation_reason)}</div>'
            if getattr(field, "deprecation_reason", None)
            else ""
        )
        rows.append(
            f'<tr id="{owner}.{name}"><td>{name}: {type_ref(field.type)}{arguments}</td>'
            f"<td>{text(field.description)}{permission}{deprecated}</td></tr>"
        )
    return f"<table>{''.join(rows)}</table>"


def type_section(named: GraphQLNamedType) -> str:
    kind = next(label for _, label, cls in KINDS if isinstance(named, cls))
    parts = [f'<section class="type" id="{named.name}"><h3>{named.name}<small>{kind[:-1].lower()}</small></h3>']
    if named.description:
        parts.append(f"<p>{text(named.description)}</p>")
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) and named.interfaces:
        links = ", ".join(f'<a href="#{each.name}">{each.name}</a>' for each in named.interfaces)
        parts.append(f"<p>Implements {links}.</p>")
    if isinstance(named, GraphQLUnionType):
        parts.append("<p>One of " + ", ".join(f'<a href="#{t.name}">{t.name}</a>' for t in named.types) + ".</p>")
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        parts.append(field_rows(named.name, named.fields))
    if isinstance(named, GraphQLEnumType):
        rows = "".join(
            f"<tr><td>{name}</td><td>{text(value.description)}</td></tr>" for name, value in named.values.items()
        )
        parts.append(f"<table>{rows}</table>")
    if isinstance(named, GraphQLScalarType) and named.specified_by_url:
        url = html.escape(named.specified_by_url)
        parts.append(f'<p>Specified by <a href="{url}">{url}</a>.</p>')
    parts.append("</section>")
    return "\n".join(parts)


def operations_section(schema: GraphQLSchema) -> str:
    parts = []
    for name in OPERATIONS:
        root = schema.get_type(name)
        if isinstance(root, GraphQLObjectType):
            parts.append(type_section(root))
    return "\n".join(parts)


def render(sdl: str) -> str:
    """The whole page for the schema `sdl`; the same SDL always gives the same bytes."""
    schema = build_schema(sdl)
    named = sorted(
        (t for name, t in schema.type_map.items() if not name.startswith("__") and name not in OPERATIONS),
        key=lambda t: t.name,
    )
    by_kind = {key: [t for t in named if isinstance(t, cls)] for key, _, cls in KINDS}
    nav = ['<p><strong>Qianshou API</strong></p><p><a href="#operations">Operations</a></p><ul>']
    nav += [f'<li><a href="#{name}">{name}</a></li>' for name in OPERATIONS if schema.get_type(name)]
    nav.append("</ul>")
    body = [operations_section(schema)]
    sections = []
    for key, label, _ in KINDS:
        if not by_kind[key]:
            continue
        nav.append(f'<p><a href="#{key}">{label}</a></p><ul>')
        nav += [f'<li><a href="#{t.name}">{t.name}</a></li>' for t in by_kind[key]]
        nav.append("</ul>")
        sections.append(f'<h2 id="{key}">{label}</h2>\n' + "\n".join(type_section(t) for t in by_kind[key]))
    intro = (
        "<h1>Qianshou GraphQL API reference</h1>"
        "<p>Generated from <code>schema/schema.graphql</code> by <code>qianshou docs build</code>; "
        "the text is the schema's descriptions, and each mutation's roles come from the permission matrix "
        "(<code>resolvers/access.py</code>). Role names "
        '(<span class="role">ADMIN</span>, …) mark permission rules; “own” means the caller\'s own '
        "pairings (agency roles) or region (regional staff). The full tables of who may read and "
        'write what are in the <a href="../user-guide.md#permissions">user guide, Permissions</a>. '
        "Requests go to <code>POST /graphql</code> with <code>Authorization: Bearer TOKEN</code>.</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Qianshou GraphQL API reference</title>\n"
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<style>{STYLE}</style>\n</head>\n<body>\n'
        f"<nav>{''.join(nav)}</nav>\n<main>\n{intro}\n"
        f'<h2 id="operations">Operations</h2>\n{"".join(body)}\n'
        + "\n".join(sections)
        + "\n</main>\n</body>\n</html>\n"
    )


docs_app = typer.Typer(help="The documentation's generated parts.", no_args_is_help=True)


@docs_app.command("build")
def build(
    schema_file: Annotated[Path, typer.Option(help="The SDL to document.")] = SCHEMA_FILE,
    output: Annotated[Path, typer.Option(help="Where to write the page.")] = OUTPUT,
) -> None:
    """Write the API reference (docs/api/index.html) from the schema's descriptions."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(schema_file.read_text(encoding="utf-8")), encoding="utf-8")
    typer.echo(f"wrote {output}")
