"""Temporal workflows: one per certification journey, one per certified trainer's standing.

This package's root stays import-light on purpose: workflow modules are loaded inside
Temporal's sandbox, which re-imports everything that is not passed through.
"""

from __future__ import annotations

from domain.values import Module


def journey_workflow_id(journey_id: str) -> str:
    """One workflow per journey, named after it: a step needs nothing but the journey id."""
    return f"journey-{journey_id}"


def older_journey_workflow_id(trainer_id: str, module: Module) -> str:
    """Journeys opened before their workflows were named after them ran one workflow per
    candidate and module; those still open keep that id until they end."""
    return f"journey-{trainer_id}-{module.value}"


def standing_workflow_id(trainer_id: str) -> str:
    """One standing workflow per certified trainer, for as long as the standing lasts."""
    return f"standing-{trainer_id}"
