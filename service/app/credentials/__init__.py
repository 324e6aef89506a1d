"""Signed Open Badges 3.0 credentials: keys, documents, status lists, verification, PDF."""
