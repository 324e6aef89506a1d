"""The workflow sandbox, kept on, with the pure modules workflows need passed through.

Passed through: the domain's plain values, steps and rules (no I/O, no clock, no random),
this package's message types and refusal mapping, and cachetools. They are loaded once per process
instead of once per workflow run, and the data converter finds their types by module name.
Everything else a workflow imports (its own logic) is re-imported inside the sandbox and
checked there; the event store, SQLAlchemy and the activities never enter it.
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PURE_MODULES = (
    "domain.values",
    "domain.errors",
    "domain.calendar",
    "domain.countries",  # ISO 3166's codes and names as pycountry bundles them: fixed data
    "domain.indicators",
    "domain.policy",
    "domain.journey.state",
    "domain.journey.steps",
    "domain.journey.rules",
    "domain.trainer.state",
    "domain.trainer.steps",
    "domain.trainer.rules",
    "workflows.messages",
    "workflows.refusals",
    "cachetools",  # pure and deterministic: the answers kept for steps sent again
    # The tracing interceptor's spans: its context must be the process's, not a copy per run.
    "opentelemetry",
)


def sandbox_runner() -> SandboxedWorkflowRunner:
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PURE_MODULES)
    return SandboxedWorkflowRunner(restrictions=restrictions)
