"""The role matrix's machinery: operations read from the OpenAPI document, a scene of people
with real ids to fill them, and the verdicts (door, wrong-role writes, personal data).

The table itself (who may pass which door) is in tests/e2e/roles.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from string import Formatter
from typing import Any
from urllib.parse import urlencode

import httpx

from domain.values import Role
from tests.e2e.harness import PASSWORD, Stack
from tests.e2e.people import (
    cast,
    enrolled,
    enterprise,
    get,
    outsiders,
    post,
    register,
    through_toe_cycle,
    workshop,
)
from tests.e2e.roles import PRINCIPALS, Door

HTTP_METHODS = {"get", "put", "post", "patch", "delete"}
# The scene's values that name something stored (see Scene.unknown).
IDS = (
    "journey_id",
    "trainer_id",
    "workshop_id",
    "enterprise_id",
    "candidate_id",
    "expert_id",
    "subscription_id",
)
WHERE = "tests/e2e/roles.py"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the OpenAPI document spells it, e.g. /journeys/{journey_id}
    required_query: tuple[str, ...]
    body_type: str | None  # the media type of a required request body, if it has one

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def operations(openapi: Mapping[str, Any]) -> list[Operation]:
    """Every operation of the document, in its order."""
    found = []
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            query = tuple(
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p.get("required")
            )
            body = operation.get("requestBody", {})
            body_type = next(iter(body["content"])) if body.get("required") else None
            found.append(Operation(method.upper(), path, query, body_type))
    return found


def missing_entries(openapi: Mapping[str, Any], doors: Mapping[str, Door]) -> list[str]:
    return [o.key for o in operations(openapi) if o.key not in doors]


def stale_entries(openapi: Mapping[str, Any], doors: Mapping[str, Door]) -> list[str]:
    keys = {o.key for o in operations(openapi)}
    return [key for key in doors if key not in keys]


def add_an_entry(keys: Iterable[str]) -> str:
    lines = "\n".join(f'    "{key}": Door({{...who may pass...}}),' for key in keys)
    return (
        f"The role matrix has no entry for these operations; add one line each to DOORS in "
        f"{WHERE}, naming who may pass the door (and an example body for a POST):\n{lines}"
    )


# ---------------------------------------------------------------------------------------------
# The scene: one certified candidate with an open journey, their expert, the outsiders


@dataclass(frozen=True)
class Scene:
    users: dict[str, str | None]  # principal → username (None: anonymous)
    values: dict[str, str]  # what fills path parameters, required queries and body templates
    secrets: dict[str, frozenset[str]]  # principal → their e-mail, internal ids, username

    def unknown(self) -> dict[str, str]:
        """The same values with every id swapped for a well-formed one that names nothing."""
        swapped = {name: str(uuid.uuid4()) for name in IDS}
        return {**self.values, **swapped, "number": "SCORE-1999-99999"}


async def build_scene(stack: Stack) -> Scene:
    """The candidate holds WC (so is listed, has a standing and a certificate) and has an open
    QUALITY journey with their expert: every door has something real behind it."""
    c = await cast(stack)
    others = await outsiders(stack, c.office)
    certified = await enrolled(stack, c)
    await through_toe_cycle(stack, c, certified)
    await post(stack, c.expert, f"/journeys/{certified}/assessment", {"outcome": "recommended"})
    await post(stack, c.office, f"/journeys/{certified}/certification")
    quality = await workshop(stack, c, "QUALITY")
    enrolment = {"trainer_id": c.candidate_id, "workshop_id": quality}
    journey: str = (await post(stack, c.office, "/journeys", enrolment))["journey_id"]
    firm = await enterprise(stack, c.candidate)
    candidate = await get(stack, c.office, f"/trainers/{c.candidate_id}")
    hook = {"url": "https://hooks.example.org/matrix", "events": ["trainer.delisted"]}
    subscription = (await post(stack, c.office, "/webhooks", hook))["subscription_id"]
    # A country office of Sri Lanka: the scene's people, workshops and firms are in India.
    country_office = f"country-office-{uuid.uuid4().hex[:6]}"
    await stack.add_user(country_office, Role.HQ, countries="LK")
    # A login of its own for the office's login operations to reset and deactivate.
    spare = f"spare-{uuid.uuid4().hex[:8]}"
    await stack.add_user(spare, Role.TRAINER, await register(stack, c.office, "Sam Spare"))

    async def email(trainer_id: str) -> str:
        found: str = (await get(stack, c.office, f"/trainers/{trainer_id}"))["email"]
        return found

    users: dict[str, str | None] = {
        "anonymous": None,
        "hq": c.office,
        "expert": c.expert,
        "wrong_expert": others.expert,
        "trainer": c.candidate,
        "other_trainer": others.trainer,
        "auditor": c.auditor,
        "country_office": country_office,
    }
    assert set(users) == set(PRINCIPALS), "every principal needs a login in the scene"
    trainers = {
        "expert": c.expert_id,
        "wrong_expert": others.expert_id,
        "trainer": c.candidate_id,
        "other_trainer": others.trainer_id,
    }
    secrets = {principal: frozenset({name}) for principal, name in users.items() if name}
    for principal, trainer_id in trainers.items():
        secrets[principal] |= {trainer_id, await email(trainer_id)}
    secrets["trainer"] |= {certified, journey}
    today = datetime.now(UTC).date().isoformat()  # the server's day
    values = {
        # path parameters
        "journey_id": journey,
        "trainer_id": c.candidate_id,
        "workshop_id": quality,
        "enterprise_id": firm,
        "number": candidate["certificate_number"],
        "module": "WC",
        "material": "manual",
        "purpose": "revocation",
        "subscription_id": subscription,
        "webhook_id": f"msg_1_{uuid.uuid4().hex}",  # no delivery: the office is told 404
        "kind": "trainers",
        "username": spare,
        # required query parameters
        "at": today,
        "on": today,
        "filename": "matrix manual.pdf",
        # body templates
        "today": today,
        "tag": uuid.uuid4().hex[:8],
        "candidate_id": c.candidate_id,
        "expert_id": c.expert_id,
        "candidate_user": c.candidate,
        "password": PASSWORD,
    }
    return Scene(users, values, secrets)


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    form: dict[str, str] | None = None
    content: bytes | None = None  # a file's bytes, as they are (an upload)

    def text(self) -> str:
        sent = self.json or self.form or (self.content or b"").decode("latin-1")
        return f"{self.method} {self.url} {json.dumps(sent)}"


def call_for(operation: Operation, door: Door, values: Mapping[str, str]) -> Call:
    """The operation with the scene's ids in its path, its required queries and its body."""
    unknown = [
        name
        for name in (*_path_parameters(operation.path), *operation.required_query)
        if name not in values
    ]
    assert not unknown, f"{operation.key}: give {unknown} a value in matrix.build_scene"
    url = operation.path.format_map(values)
    query = {name: values[name] for name in operation.required_query}
    query |= _filled(door.query or {}, values)
    if query:
        url += "?" + urlencode(query)
    if operation.body_type is None:
        return Call(operation.method, url)
    assert door.body is not None, (
        f"{operation.key} needs a body: give its entry in {WHERE} an example body"
    )
    body = _filled(door.body, values)
    if operation.body_type == "application/x-www-form-urlencoded":
        return Call(operation.method, url, form={k: str(v) for k, v in body.items()})
    if operation.body_type == "application/octet-stream":
        return Call(operation.method, url, content=str(body["content"]).encode())
    return Call(operation.method, url, json=body)


def names_something(operation: str, door: Door) -> bool:
    """Whether the operation's call carries a stored id or certificate number."""
    named = {name for _, name, _, _ in Formatter().parse(operation) if name}
    templates = [*_strings(door.body), *_strings(door.query)]
    named |= {name for text in templates for _, name, _, _ in Formatter().parse(text) if name}
    return bool(named & {*IDS, "number"})


def _strings(template: Any) -> list[str]:
    if isinstance(template, str):
        return [template]
    if isinstance(template, Mapping):
        return [text for value in template.values() for text in _strings(value)]
    return []


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _filled(template: Any, values: Mapping[str, str]) -> Any:
    if isinstance(template, str):
        return template.format_map(values)
    if isinstance(template, Mapping):
        return {key: _filled(value, values) for key, value in template.items()}
    return template


async def send(client: httpx.AsyncClient, call: Call) -> httpx.Response:
    if call.content is not None:
        return await client.request(call.method, call.url, content=call.content)
    return await client.request(call.method, call.url, json=call.json, data=call.form)


# ---------------------------------------------------------------------------------------------
# Verdicts


def error_of(reply: httpx.Response) -> str | None:
    try:
        body = reply.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def stopped_at_the_door(reply: httpx.Response) -> bool:
    """401, or the 403 of a wrong role or a wrong relation (not a rule's 403, such as
    materials refused to a trainer who is not listed)."""
    return reply.status_code == 401 or (
        reply.status_code == 403 and error_of(reply) == "NotPermitted"
    )


def leaked(reply: httpx.Response, call: Call, secrets: Iterable[str]) -> list[str]:
    """The secrets in the reply (headers or body) that the caller did not send themselves."""
    headers = " ".join(f"{name}: {value}" for name, value in reply.headers.items())
    sent, answered = call.text().lower(), f"{headers}\n{reply.text}".lower()
    return sorted(s for s in secrets if s.lower() in answered and s.lower() not in sent)
