"""The entry points people and the deployment run: `score` and its commands, `score run`.

`app` is the console script (`score = "service.cli:app"`); `python -m service.cli` runs the same.
"""

from service.cli.commands import app

__all__ = ["app"]
