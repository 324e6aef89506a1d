"""The composition root: the API app, the worker and the projector are built here, and nowhere else.

One module per process, so that each imports only what it runs (the worker never loads FastAPI):
`parts` (the application, read models, accounts), `api`, `worker` and `projector`. Entry points
(`service.cli`) call these; nothing below them (application, adapters, HTTP, workflows,
projections) imports this package, which the import contracts in pyproject.toml check.
"""
