"""Determinism: recorded histories of both workflows replay on the current code.

A change to workflow code that would make runs in flight take another path fails here,
before it reaches a worker. Re-record with `python -m tests.workflows.record_histories`
only for deliberate changes, guarded by `workflow.patched(...)`.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from workflows.converter import data_converter
from workflows.journey import CertificationJourney
from workflows.messages import StandingInput
from workflows.sandbox import sandbox_runner
from workflows.standing import TrainerStanding
from workflows.worker import WORKFLOWS

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
RECORDED = sorted(HISTORIES.glob("*.json"))


def history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text())


def event_types(path: Path) -> set[str]:
    return {event["eventType"] for event in json.loads(path.read_text())["events"]}


@pytest.mark.parametrize("path", RECORDED, ids=lambda path: path.stem)
async def test_a_recorded_history_replays_on_the_current_code(path: Path) -> None:
    replayer = Replayer(
        workflows=WORKFLOWS,
        data_converter=data_converter,
        workflow_runner=sandbox_runner(),
    )
    result = await replayer.replay_workflow(history(path))
    assert result.replay_failure is None


def test_the_recorded_histories_cover_both_workflows_and_their_paths() -> None:
    types = set().union(*(event_types(path) for path in RECORDED))
    for expected in (
        "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED",  # steps
        "EVENT_TYPE_MARKER_RECORDED",  # local activities: steps
        "EVENT_TYPE_ACTIVITY_TASK_COMPLETED",  # reminders, delisting, mail
        "EVENT_TYPE_TIMER_FIRED",  # stalls and the yearly clock
        "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED",  # the standing begins
        "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW",  # the standing's yearly renewal
    ):
        assert expected in types
    names = {path.stem.split("_")[0] for path in RECORDED}
    assert names == {"journey", "standing"}


@workflow.defn(name="TrainerStanding")
class StandingThatWaitsFirst(TrainerStanding):
    """A careless change: an extra timer before anything else, without `workflow.patched`."""

    @workflow.run
    async def run(self, standing: StandingInput) -> None:
        await workflow.sleep(timedelta(hours=1))
        await super().run(standing)


async def test_a_change_that_breaks_determinism_fails_the_replay() -> None:
    replayer = Replayer(
        workflows=[CertificationJourney, StandingThatWaitsFirst],
        data_converter=data_converter,
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    with pytest.raises(workflow.NondeterminismError):
        await replayer.replay_workflow(history(HISTORIES / "standing_first_year.json"))


async def test_steps_recorded_under_older_rules_replay_though_todays_rules_refuse_them() -> None:
    """Validators do not run on replay, handlers do: a handler must not judge a recorded step
    again, or a rule tightened later (here: at most 100,000 participants in a training record)
    would stop every run in flight that holds such a step."""
    path = HISTORIES / "standing_first_year_before_nov_2026_patches.json"
    recorded = json.loads(path.read_text())
    changed = 0
    for event in recorded["events"]:
        if event["eventType"] != "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED":
            continue
        attributes = event["workflowExecutionUpdateAcceptedEventAttributes"]
        payload = attributes["acceptedRequest"]["input"]["args"]["payloads"][0]
        request = json.loads(base64.b64decode(payload["data"]))
        if request["step"]["kind"] == "training_record":
            request["step"]["participants"] = 200_000
            payload["data"] = base64.b64encode(json.dumps(request).encode()).decode()
            changed += 1
    assert changed, "the history holds a training record"

    replayer = Replayer(
        workflows=WORKFLOWS,
        data_converter=data_converter,
        workflow_runner=sandbox_runner(),
    )
    result = await replayer.replay_workflow(
        WorkflowHistory.from_json(path.stem, json.dumps(recorded)), raise_on_replay_failure=False
    )
    assert result.replay_failure is None
