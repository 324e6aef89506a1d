"""Persistence the application is configured with: engines, the event store, the hash chain.

Below the application: nothing here imports `service.app` (an import contract checks it).
"""
