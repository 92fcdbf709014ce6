"""Validation kept per parsed document.

The parser cache hands every request of a document the same syntax tree, so the tree itself is the
key. strawberry's ValidationCache keys an lru_cache by the tree's hash, which graphql-core works out
over every node of the document on every request: about 20 µs for a dashboard's query.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from db.reads.fast_paths import FAST_PATHS
from schema.engine.node_cache import NodeCache

_validated: NodeCache[list[GraphQLError]] = NodeCache(1024)


class ValidationCache(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        graphql_schema, document, rules = context.schema._schema, context.graphql_document, context.validation_rules
        # Validation runs after parsing, which set the document (strawberry's own validation asserts it too).
        assert document is not None
        if not FAST_PATHS.validation_cache:
            context.pre_execution_errors = validate_document(graphql_schema, document, rules)
        else:
            context.pre_execution_errors = _validated.get(
                (graphql_schema, document), lambda: validate_document(graphql_schema, document, rules), rules
            )
        yield
