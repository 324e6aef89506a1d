"""The schema the fuzzer generates from: the API's own OpenAPI, as the service serves it.

It is built when the tests are collected (schemathesis makes one test per operation), from
the same `create_app()` the service runs; the suite checks that the running service serves
exactly this document.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import BaseSchema, Config

from service.http.main import create_app
from tests.fuzz import budget
from tests.fuzz.aim import RealRecords, aim_at_real_records
from tests.fuzz.hostile import HOSTILE_INTEGERS, HOSTILE_TEXT

OPENAPI: dict[str, Any] = create_app().openapi()
REAL_RECORDS = RealRecords()  # filled in by the service under test, once its cast is there

HOSTILE_SHARE = 0.25  # of the strings and integers generated for bodies


def fuzzing_schema() -> BaseSchema:
    config = Config.from_dict(
        {
            "seed": budget.SEED,
            "suppress-health-check": ["all"],  # a live service is slow; the budget is explicit
            "dictionaries": {
                "hostile-text": {"values": HOSTILE_TEXT},
                "hostile-integers": {"values": HOSTILE_INTEGERS},
            },
            "generation": {
                "max-examples": budget.EXAMPLES,
                "database": "none",  # no .hypothesis/ state: a run is replayed from its seed
                "no-shrink": True,  # report the request as sent: shrinking against a live
                "unique-inputs": True,  # service would spend the budget many times over
                "dictionaries": {
                    "string": {"dictionary": "hostile-text", "probability": HOSTILE_SHARE},
                    "integer": {"dictionary": "hostile-integers", "probability": HOSTILE_SHARE},
                },
            },
            "phases": {
                "examples": {"enabled": True},
                "fuzzing": {"enabled": True},
                "coverage": {"enabled": budget.COVERAGE},
                "stateful": {"enabled": False},
            },
        }
    )
    schema = schemathesis.openapi.from_dict(OPENAPI, config=config)
    aim_at_real_records(schema, REAL_RECORDS)
    return schema
