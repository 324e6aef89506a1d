"""Values that broke (or could break) a store, a parser or a reader of this service."""

from __future__ import annotations

HOSTILE_TEXT = [
    "Poison\u0000Works",  # PostgreSQL text cannot hold NUL
    "\u0000",
    "\u202eskroW nosioP",  # a right-to-left override spoofs names on the public list
    "zero\u200bwidth",
    "bell\u0007escape\u001b[31m",
    "line\nbreak\r",
    "   ",
    "' OR '1'='1' --",
    "%_\\",  # LIKE wildcards and their escape
    "x" * 2000,  # past every VARCHAR column
]
HOSTILE_INTEGERS = [
    2**64,  # past every 64-bit column
    2**63,
    2**63 - 1,
    -(2**63) - 1,
    2**31,
    -1,
    0,
]
