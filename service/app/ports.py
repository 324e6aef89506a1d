"""What the API needs from the workflows: steps go through Temporal updates, never around them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.journey.state import JourneyState
from domain.journey.steps import JourneyStep
from domain.trainer.state import TrainerState
from domain.trainer.steps import StandingStep
from domain.values import Actor


class Steps(Protocol):
    async def enrol(
        self,
        trainer_id: str,
        workshop_id: str,
        actor: Actor,
        command_id: str,
        backdated_reason: str | None = None,
    ) -> JourneyState: ...

    async def take_step(
        self, journey_id: str, step: JourneyStep, actor: Actor, command_id: str
    ) -> JourneyState: ...

    async def take_standing_step(
        self, trainer: TrainerState, step: StandingStep, actor: Actor, command_id: str
    ) -> TrainerState: ...

    async def hand_over_standings(self, trainer_ids: Sequence[str]) -> None:
        """Trainers whose past was imported: their standings start (or learn) from it."""
