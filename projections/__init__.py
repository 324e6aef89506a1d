"""Read models: SQL tables fed from the event store's notification log, exactly once.

`projector.Projector` applies events to the tables and commits the rows with its tracking
position in one transaction; `store.ReadModels` is what readers hold (position, waiting for a
write to show); `queries` has the typed read functions; `rebuild` rebuilds from zero, compares
with the live tables, and projects "as of" a past moment. See docs/projections.md.
"""
