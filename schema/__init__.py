"""GraphQL schema: Strawberry types and field wiring. Thin: every rule lives in resolvers/."""
