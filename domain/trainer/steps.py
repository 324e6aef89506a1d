"""Commands on a certified trainer's standing. They cross the API and the workflow as data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

RemovalGround = Literal["copyright", "conduct"]
REMOVAL_GROUNDS: tuple[str, ...] = ("copyright", "conduct")


@dataclass(frozen=True)
class SubmitTrainingRecord:
    """A training of enterprises the trainer delivered; restarts the yearly clock."""

    delivered_on: date
    module: str
    enterprises: int
    participants: int
    description: str = ""
    kind: Literal["training_record"] = "training_record"


@dataclass(frozen=True)
class RemoveForCause:
    ground: RemovalGround
    reason: str
    kind: Literal["removal"] = "removal"


@dataclass(frozen=True)
class Reinstate:
    reason: str
    kind: Literal["reinstatement"] = "reinstatement"


StandingStep = SubmitTrainingRecord | RemoveForCause | Reinstate
