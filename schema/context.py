"""The GraphQL context is the resolvers' request scope; nothing HTTP leaks into resolvers."""

import strawberry

from resolvers.scope import Scope

Info = strawberry.Info[Scope, None]
