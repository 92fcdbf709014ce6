"""HTTP: the Starlette app, authentication, settings and the command line."""
