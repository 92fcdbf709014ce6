"""The execution engine: what makes a GraphQL request fast without changing its answer.

Read README.md beside this file first. This package holds the GraphQL half (fast execution, code
generation, fetching ahead, the per-document caches); the SQL half, which `db/` must be able to
use without importing GraphQL, is `db/reads/`. Domain modules (schema/pairings.py, ...) only
declare their types and fields and call in here.
"""
