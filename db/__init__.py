"""Storage: SQLAlchemy models, engines and sessions, migrations. Knows nothing of GraphQL."""
