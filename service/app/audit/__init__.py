"""What auditors read: event history, state as of a moment, the hash chain and its check.

Everything here comes from the event store, the system of record (docs/audit.md).
"""
