"""Temporal workflows: one per certification journey, one per certified trainer's standing.

This package's root stays import-light on purpose: workflow modules are loaded inside
Temporal's sandbox, which re-imports everything that is not passed through.
"""

from __future__ import annotations

from domain.values import Module


def journey_workflow_id(trainer_id: str, module: Module) -> str:
    """One journey workflow per trainer and module; a closed journey's id is reused later."""
    return f"journey-{trainer_id}-{module.value}"


def standing_workflow_id(trainer_id: str) -> str:
    """One standing workflow per certified trainer, for as long as the standing lasts."""
    return f"standing-{trainer_id}"
