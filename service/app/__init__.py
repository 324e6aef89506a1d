"""The application layer: the eventsourcing application, the services around it and its ports.

It is called by the entry points (`service.http`, `service.cli`) and by the workflows'
activities; it never imports them (an import contract in pyproject.toml checks it).
"""
