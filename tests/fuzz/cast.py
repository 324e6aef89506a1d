"""The people and records the fuzzer aims at: one user per role, and real ids to put in paths.

Ids the generator makes up only ever meet a 404; with real ones a request reaches the rules
(a certified trainer, a journey still open, an enterprise, a certificate number), so the
domain's refusals and the writes it accepts are fuzzed as well as the doors in front of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.e2e.harness import Stack
from tests.e2e.people import (
    cast,
    enrolled,
    enterprise,
    get,
    post,
    register,
    through_toe_cycle,
    workshop,
)

ROLES = ("anonymous", "hq", "expert", "trainer", "auditor")


@dataclass(frozen=True)
class FuzzCast:
    users: dict[str, str | None]  # role -> username (None: anonymous)
    # Real values by the name of the parameter (path, query or body field) that takes them.
    real: dict[str, tuple[str, ...]] = field(default_factory=dict)


async def fuzz_cast(stack: Stack) -> FuzzCast:
    """A certified trainer with a second journey open, a candidate of another trainer's
    workshop, an enterprise in a ToE cycle, and the users of every role."""
    people = await cast(stack)
    certified = await enrolled(stack, people)
    await through_toe_cycle(stack, people, certified)
    await post(
        stack, people.expert, f"/journeys/{certified}/assessment", {"outcome": "recommended"}
    )
    await post(stack, people.office, f"/journeys/{certified}/certification")
    profile = await get(stack, people.office, f"/trainers/{people.candidate_id}")
    second_module = await workshop(stack, people, module="OSH")
    open_journey = (
        await post(
            stack,
            people.office,
            "/journeys",
            {"trainer_id": people.candidate_id, "workshop_id": second_module},
        )
    )["journey_id"]
    other_id = await register(stack, people.office, "Olga Other")
    others_workshop = await workshop(stack, people)
    others_journey = (
        await post(
            stack,
            people.office,
            "/journeys",
            {"trainer_id": other_id, "workshop_id": others_workshop},
        )
    )["journey_id"]
    firm = await enterprise(stack, people.office)
    history = await get(stack, people.office, f"/audit/journeys/{certified}/history")
    trainers = (people.candidate_id, people.expert_id, other_id)
    today = datetime.now(UTC)
    return FuzzCast(
        users={
            "anonymous": None,
            "hq": people.office,
            "expert": people.expert,
            "trainer": people.candidate,
            "auditor": people.auditor,
        },
        real={
            "journey_id": (certified, open_journey, others_journey),
            "trainer_id": trainers,
            "expert_id": (people.expert_id,),
            "workshop_id": (second_module, others_workshop),
            "enterprise_id": (firm,),
            "number": (profile["certificate_number"],),
            "username": (people.office, people.auditor, people.candidate),
            "type": tuple(sorted({e["type"] for e in history["entries"]})),
            # Moments as the audit reads them: a date, and a time with its zone.
            "at": (today.date().isoformat(), today.isoformat()),
            "on": (today.date().isoformat(), "2026-01-01T00:00:00Z"),
            "since": ("2026-01-01", "2026-01-01T00:00:00+05:30"),
            "until": (today.date().isoformat(), today.isoformat()),
        },
    )
