"""Load benchmark of the GraphQL server against an in-process floor; see docs/architecture.md "Benchmark"."""
