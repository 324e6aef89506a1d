"""A worker that is killed (SIGKILL) right after the event store commits one chosen step:
the moment where an activity's work is done but Temporal has not heard of it.

Run by the crash-safety test as `python -m tests.workflows.crashing_worker ADDRESS KIND`,
with the same SCORE_* settings as the worker that takes over after it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from temporalio import activity

from service.adapters.mail import build_notifier
from service.app.certification import Certification
from service.app.notifications import Notifier
from service.bootstrap.parts import build_certification
from service.settings import Settings
from workflows.activities import CertificationActivities
from workflows.messages import ActivityName, JourneyOutcome, JourneyStepCommand
from workflows.worker import connect, running_worker


class KilledAfterCommit(CertificationActivities):
    def __init__(self, certification: Certification, notifier: Notifier, step_kind: str) -> None:
        super().__init__(certification, notifier)
        self.step_kind = step_kind

    @activity.defn(name=ActivityName.TAKE_JOURNEY_STEP)
    def take_journey_step(self, command: JourneyStepCommand) -> JourneyOutcome:
        outcome = super().take_journey_step(command)
        if command.step.kind == self.step_kind:
            os.kill(os.getpid(), signal.SIGKILL)
        return outcome


async def main(address: str, step_kind: str) -> None:
    settings = Settings()
    client = await connect(address)
    activities = KilledAfterCommit(
        build_certification(settings), build_notifier(settings), step_kind
    )
    async with running_worker(client, settings.task_queue, activities, threads=2):
        await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
