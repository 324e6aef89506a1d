"""Personal data: what an erased person's fields read as (docs/personal-data.md)."""

from __future__ import annotations

ERASED = "[erased]"  # a personal field whose person's key was destroyed
ERASURE_DELISTING_REASON = "personal data erased"
