"""The engine's SQL half: prepared reads, combined reads and the fast paths' switches.

It lives in `db/` because the layers point one way (server → schema → resolvers → db): the
loaders in `resolvers/` and the Database in `db/engine.py` run these reads, and must not import
GraphQL to do so. The whole engine, both halves, is explained in schema/engine/README.md.
"""
