"""`python -m service.cli …`: the `score` command, as the launcher starts its children."""

from service.cli import app

app()
