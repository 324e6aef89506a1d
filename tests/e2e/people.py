"""The people of an end-to-end story: an office, an expert, a candidate, an auditor, and the
outsiders who must not reach them: another expert and another trainer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.values import Role
from tests.e2e.harness import Stack


@dataclass(frozen=True)
class Cast:
    office: str
    expert: str
    expert_id: str
    candidate: str
    candidate_id: str
    auditor: str


async def register(stack: Stack, office: str, name: str, *, expert: bool = False) -> str:
    email = f"{uuid.uuid4().hex[:10]}@example.org"
    async with stack.client(office) as http:
        reply = await http.post(
            "/trainers",
            json={"name": name, "email": email, "country": "IN", "is_expert": expert},
        )
    assert reply.status_code == 201, reply.text
    trainer_id: str = reply.json()["trainer_id"]
    return trainer_id


async def cast(stack: Stack) -> Cast:
    tag = uuid.uuid4().hex[:6]
    office, auditor = f"office-{tag}", f"auditor-{tag}"
    await stack.add_user(office, Role.HQ)
    await stack.add_user(auditor, Role.AUDITOR)
    expert_id = await register(stack, office, "Esther Expert", expert=True)
    candidate_id = await register(stack, office, f"Carla Candidate {tag}")
    expert, candidate = f"expert-{tag}", f"candidate-{tag}"
    await stack.add_user(expert, Role.EXPERT, expert_id)
    await stack.add_user(candidate, Role.TRAINER, candidate_id)
    return Cast(office, expert, expert_id, candidate, candidate_id, auditor)


@dataclass(frozen=True)
class Outsiders:
    """An expert and a trainer who have no part in a cast's journeys."""

    expert: str
    expert_id: str
    trainer: str
    trainer_id: str


async def outsiders(stack: Stack, office: str) -> Outsiders:
    """The wrong expert and another trainer: logged in, registered, but not the cast's."""
    tag = uuid.uuid4().hex[:6]
    expert_id = await register(stack, office, f"Otto Outside Expert {tag}", expert=True)
    trainer_id = await register(stack, office, f"Tina Outside Trainer {tag}")
    expert, trainer = f"outside-expert-{tag}", f"outside-trainer-{tag}"
    await stack.add_user(expert, Role.EXPERT, expert_id)
    await stack.add_user(trainer, Role.TRAINER, trainer_id)
    return Outsiders(expert, expert_id, trainer, trainer_id)


async def post(
    stack: Stack, user: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> Any:
    """POST that must succeed; returns the JSON body."""
    async with stack.client(user, **(headers or {})) as http:
        reply = await http.post(path, json=body)
    assert reply.status_code in {200, 201}, f"{path}: {reply.status_code} {reply.text}"
    return reply.json()


async def get(stack: Stack, user: str | None, path: str) -> Any:
    async with stack.client(user) as http:
        reply = await http.get(path)
    assert reply.status_code == 200, f"{path}: {reply.status_code} {reply.text}"
    return reply.json()


async def workshop(stack: Stack, c: Cast, module: str = "WC") -> str:
    body = {
        "module": module,
        "code": f"E2E-{uuid.uuid4().hex[:8]}",
        # It ends today (the server's day): candidates are enrolled, then its result recorded.
        "starts_on": (datetime.now(UTC).date() - timedelta(days=4)).isoformat(),
        "ends_on": datetime.now(UTC).date().isoformat(),
        "venue": "Faridabad",
        "country": "IN",
        "expert_id": c.expert_id,
    }
    created = await post(stack, c.office, "/workshops", body)
    workshop_id: str = created["workshop_id"]
    return workshop_id


async def enterprise(stack: Stack, user: str, employees: int = 120) -> str:
    body = {
        "name": f"Auto Parts {uuid.uuid4().hex[:8]}",
        "country": "IN",
        "sector": "auto components",
        "employees": employees,
        "women_employees": 30,
    }
    created = await post(stack, user, "/enterprises", body)
    enterprise_id: str = created["enterprise_id"]
    return enterprise_id


async def enrolled(stack: Stack, c: Cast) -> str:
    body = {"trainer_id": c.candidate_id, "workshop_id": await workshop(stack, c)}
    journey = await post(stack, c.office, "/journeys", body)
    journey_id: str = journey["journey_id"]
    return journey_id


async def through_toe_cycle(stack: Stack, c: Cast, journey: str) -> None:
    today = date.today().isoformat()
    base = f"/journeys/{journey}"
    await post(stack, c.expert, f"{base}/tot-result", {"attended": True, "completed": True})
    firm = await enterprise(stack, c.candidate)
    await post(stack, c.candidate, f"{base}/enterprises", {"enterprise_id": firm})
    await post(
        stack,
        c.candidate,
        f"{base}/baseline-assessments",
        {
            "enterprise_id": firm,
            "visited_on": today,
            "indicators": {"productivity": 100, "defects": 8},
        },
    )
    await post(
        stack,
        c.candidate,
        f"{base}/classroom-workshop",
        {"held_on": today, "managers": 6, "workers": 14, "women": 7},
    )
    await post(
        stack, c.candidate, f"{base}/coaching-visits", {"enterprise_id": firm, "visited_on": today}
    )
    await post(
        stack,
        c.candidate,
        f"{base}/progress-reports",
        {"enterprise_id": firm, "indicators": {"productivity": 130, "defects": 4}},
    )
