"""The entry points people and the deployment run: `score` and its commands, `score run`.

`commands` is the console script (`score`); `python -m service.cli` runs the same.
"""
