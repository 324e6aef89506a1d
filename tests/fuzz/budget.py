"""How much the fuzzer sends: a fixed budget in CI, a larger one for `make fuzz`.

SCORE_FUZZ_EXAMPLES  generated requests per operation and role in the fuzzing phase
                     (the examples phase adds the schema's own examples on top)
SCORE_FUZZ_COVERAGE=1  add schemathesis's coverage phase: every boundary and every kind of
                     wrong value of each parameter, about 1,300 requests per role and store
SCORE_FUZZ_SEED      replay a run: the seed is printed with the summary
SCORE_FUZZ_REPORT    write the figures and one reproduction of each finding there (JSON)
SCORE_FUZZ_SURVEY=1  record every finding and go on, instead of failing at the first one
                     of each operation and role: to see all that is wrong at once
SCORE_FUZZ_STORES    the stores fuzzed, comma-separated: PostgreSQL (production's) in CI,
                     `make fuzz` adds SQLite
"""

from __future__ import annotations

import os
import random
from pathlib import Path

# Every operation x 5 roles, on PostgreSQL only in CI (about two minutes on 2 cores): what a
# request may hold is refused before a store is read, and the limits that differ by store
# (the largest number each holds) have their own tests on both (tests/e2e/test_poison_…).
# `make fuzz` fuzzes both stores.
CI_EXAMPLES = 8
STORES = tuple((os.environ.get("SCORE_FUZZ_STORES") or "postgres").split(","))

EXAMPLES = int(os.environ.get("SCORE_FUZZ_EXAMPLES") or CI_EXAMPLES)
COVERAGE = os.environ.get("SCORE_FUZZ_COVERAGE") == "1"
SEED = int(os.environ.get("SCORE_FUZZ_SEED") or random.getrandbits(32))
REPORT = Path(path) if (path := os.environ.get("SCORE_FUZZ_REPORT")) else None
SURVEY = os.environ.get("SCORE_FUZZ_SURVEY") == "1"

# Per operation, role and store; the first of each store also starts the whole service.
TIMEOUT_SECONDS = 300 + EXAMPLES * 2 + (3000 if COVERAGE else 0)
