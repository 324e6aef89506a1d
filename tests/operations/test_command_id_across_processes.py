"""One step, two processes' logs, one command id: an operator searching for the
Idempotency-Key of a request (the command id is the key under its sender's name) finds the
API's line that sent the step and the worker's lines that recorded its events, each process
writing its own JSON log (`score api`, `score worker` as production starts them:
`tests/cluster.py`)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.values import Role
from tests.cluster import Cluster

pytestmark = [pytest.mark.temporal, pytest.mark.timeout(300)]
PASSWORD = "correct horse battery staple"


def logged(log: Path) -> list[dict[str, Any]]:
    text = log.read_text(errors="replace")
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def test_a_steps_command_id_is_in_the_api_log_and_in_the_worker_log(
    tmp_path: Path,
) -> None:
    key = uuid.uuid4().hex
    command_id = f"office:{key}"  # the Idempotency-Key under its sender's name
    async with Cluster(tmp_path, settings_overrides={"log_format": "json"}) as cluster:
        cluster.add_user("office", PASSWORD, Role.HQ, None)
        async with httpx.AsyncClient(base_url=cluster.api_urls[0], timeout=60) as http:
            login = await http.post(
                "/auth/token", data={"username": "office", "password": PASSWORD}
            )
            http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"

            async def made(path: str, body: dict[str, Any], **headers: str) -> Any:
                reply = await http.post(path, json=body, headers=headers)
                assert reply.status_code == 201, f"{path}: {reply.text}"
                return reply.json()

            def person(name: str, expert: bool) -> dict[str, Any]:
                email = f"{uuid.uuid4().hex[:10]}@example.org"
                return {"name": name, "email": email, "country": "IN", "is_expert": expert}

            expert = await made("/trainers", person("Esther Expert", True))
            candidate = await made("/trainers", person("Carla Candidate", False))
            today = datetime.now(UTC).date()
            workshop = await made(
                "/workshops",
                {
                    "module": "WC",
                    "code": f"LOG-{uuid.uuid4().hex[:8]}",
                    "starts_on": (today - timedelta(days=4)).isoformat(),
                    "ends_on": today.isoformat(),
                    "venue": "Faridabad",
                    "country": "IN",
                    "expert_id": expert["trainer_id"],
                },
            )
            body = {"trainer_id": candidate["trainer_id"], "workshop_id": workshop["workshop_id"]}
            await made("/journeys", body, **{"Idempotency-Key": key})
        api, worker = logged(cluster.logs / "api-0.log"), logged(cluster.logs / "worker-0.log")

    # A step the workflow answered "send it again" (a busy machine) is sent again under the
    # same command id by the same request: one line per sending, all of one request.
    sendings = [line for line in api if line.get("command_id") == command_id]
    assert sendings, "the API logged no sending of the step"
    sent = sendings[0]
    assert {(line["process"], line["event"], line["request_id"]) for line in sendings} == {
        ("api", "step sent to its workflow", sent["request_id"])
    }
    stored = [line for line in worker if line.get("command_id") == command_id]
    (access,) = [
        line
        for line in api
        if line.get("request_id") == sent["request_id"] and line["logger"] == "score.access"
    ]
    assert {line["workflow_id"] for line in sendings} == {sent["workflow_id"]}
    assert (access["route"], access["status"]) == ("/journeys", 201)
    assert {(line["process"], line["event"], line["activity"]) for line in stored} == {
        ("worker", "event stored", "enrol")
    }
    assert {line["workflow_id"] for line in stored} == {sent["workflow_id"]}
