"""Bulk import from spreadsheets (.xlsx or CSV): templates, reading, checking, writing, jobs.

`run_import(scope, kind, path, dry_run=…)` is the one entry point; the CLI, the GraphQL mutation and
the background jobs all call it. Every row is held to the rules of the single mutation that makes
that kind of object, under the caller's role and scope.
"""
