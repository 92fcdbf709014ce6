"""Business rules, permission checks, queries and dataloaders. Callable without HTTP."""
