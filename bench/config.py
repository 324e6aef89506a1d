"""How big each measurement is, per mode. Quick mode fits in under 3 minutes on 2 cores."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Mode = Literal["full", "quick", "smoke"]


@dataclass(frozen=True)
class Scale:
    """Per family, as docs/benchmarks.md tabulates them; `*_steps` and `*_calls` per client."""

    mode: Mode
    step_rounds: int
    step_calls: int
    concurrent_clients: int
    concurrent_steps: int
    load_clients: int
    load_steps: int
    enrol_calls: int
    drift_updates: int
    decision_calls: int
    history_events: int
    history_calls: int
    projection_events: int
    idle_workflows: int
    import_rows: int = 10_000  # past trainers imported from one CSV file
    postgres: bool = True

    @property
    def worker_cached_workflows(self) -> int:
        # A tenth, as the default cache of 1,000 is to 10,000: the storm rebuilds evicted
        # workflows at every scale.
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
    import_rows=1_000,
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
    import_rows=20,
    postgres=False,
)

SCALES: dict[Mode, Scale] = {"full": FULL, "quick": QUICK, "smoke": SMOKE}
