"""How big each measurement is, per mode. Quick mode takes about 4 minutes on 2 cores."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Mode = Literal["full", "quick", "smoke"]


@dataclass(frozen=True)
class Scale:
    """Per family, as docs/benchmarks.md tabulates them; `*_steps` and `*_calls` per client.
    The defaults are the issues' scale (full mode)."""

    mode: Mode = "full"
    step_rounds: int = 4
    step_calls: int = 100
    concurrent_clients: int = 32
    concurrent_steps: int = 25
    load_clients: int = 50
    load_steps: int = 20
    enrol_calls: int = 100
    drift_updates: int = 1000
    decision_calls: int = 150
    history_events: int = 2000
    history_calls: int = 200
    projection_events: int = 1_000_000
    idle_workflows: int = 10_000
    import_rows: int = 10_000  # past trainers imported from one CSV file
    postgres: bool = True

    @property
    def worker_cached_workflows(self) -> int:
        # A tenth, as the default cache of 1,000 is to 10,000: the storm rebuilds evicted
        # workflows at every scale.
        return max(1, self.idle_workflows // 10)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


QUICK = Scale(
    "quick", step_rounds=2, step_calls=25, concurrent_steps=4, load_steps=4, enrol_calls=24,
    drift_updates=100, decision_calls=20, history_calls=40, projection_events=15_000,
    idle_workflows=150,
)  # fmt: skip
# For the test suite: every code path once, as small as it gets. Its figures mean nothing.
SMOKE = Scale(
    "smoke", step_rounds=1, step_calls=3, concurrent_clients=3, concurrent_steps=2,
    load_clients=3, load_steps=2, enrol_calls=3, drift_updates=20, decision_calls=3,
    history_events=50, history_calls=5, projection_events=500, idle_workflows=5, import_rows=20,
    postgres=False,
)  # fmt: skip
SCALES: dict[Mode, Scale] = {"full": Scale(), "quick": QUICK, "smoke": SMOKE}
