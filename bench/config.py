"""How big each measurement is, per mode. Quick mode fits in under 3 minutes on 2 cores."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Mode = Literal["full", "quick", "smoke"]


@dataclass(frozen=True)
class Scale:
    mode: Mode
    # (1) step latency: rounds of alternating blocks (bare update, update + local activity,
    # HTTP step), then the same at `concurrent_clients` clients.
    step_rounds: int
    step_calls: int
    concurrent_clients: int
    concurrent_steps: int  # per client
    # T4: 50 candidates, one step in flight each, beside 50 bare workflows.
    load_clients: int
    load_steps: int  # per client
    # T10 enrolment beside a bare start_workflow; T11 drift over one long run.
    enrol_calls: int
    drift_updates: int
    # decisions: sandbox on/off, local/regular activity.
    decision_calls: int
    # T6: a step on a long journey beside one on a short journey (application layer).
    history_events: int
    history_calls: int
    # (4) projection: events in the synthetic store.
    projection_events: int
    # (5) idle journey workflows whose reminders fire together, and the worker's cache: a
    # tenth of them at every scale, as the default cache of 1,000 is to 10,000, so that the
    # storm rebuilds evicted workflows in quick mode too.
    idle_workflows: int
    postgres: bool = True

    @property
    def worker_cached_workflows(self) -> int:
        return max(1, self.idle_workflows // 10)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


FULL = Scale(
    mode="full",
    step_rounds=4,
    step_calls=100,
    concurrent_clients=32,
    concurrent_steps=25,
    load_clients=50,
    load_steps=20,
    enrol_calls=100,
    drift_updates=1000,
    decision_calls=150,
    history_events=2000,
    history_calls=200,
    projection_events=1_000_000,
    idle_workflows=10_000,
)

QUICK = Scale(
    mode="quick",
    step_rounds=2,
    step_calls=25,
    concurrent_clients=32,
    concurrent_steps=4,
    load_clients=50,
    load_steps=4,
    enrol_calls=24,
    drift_updates=100,
    decision_calls=20,
    history_events=2000,
    history_calls=40,
    projection_events=15_000,
    idle_workflows=150,
)

# For the test suite: every code path once, as small as it gets. Its figures mean nothing.
SMOKE = Scale(
    mode="smoke",
    step_rounds=1,
    step_calls=3,
    concurrent_clients=3,
    concurrent_steps=2,
    load_clients=3,
    load_steps=2,
    enrol_calls=3,
    drift_updates=20,
    decision_calls=3,
    history_events=50,
    history_calls=5,
    projection_events=500,
    idle_workflows=5,
    postgres=False,
)

SCALES: dict[Mode, Scale] = {"full": FULL, "quick": QUICK, "smoke": SMOKE}
