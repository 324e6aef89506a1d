"""Certified trainers brought in from past records stand on the clock of their real dates:
the one whose last training record is 11 months old is reminded at once (the 11-month
reminder, not the 9-month one as well), the one at 13 months is delisted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from domain.calendar import add_months
from domain.trainer.aggregate import Trainer
from domain.values import Actor, Role
from service.app.certification import Certification
from service.app.import_rows import Kind
from service.app.imports import import_csv
from service.settings import Settings
from tests.workflows.scenarios import Journeys, journeys_in_skipped_time, recorded
from tests.workflows.test_reminders import sleep_until
from workflows.activities import CertificationActivities
from workflows.messages import TrainerOutcome

OFFICE = Actor("office", Role.HQ)


@pytest_asyncio.fixture
async def journeys(
    time_skipping: WorkflowEnvironment,
    task_queue: str,
    activities: CertificationActivities,
    app: Certification,
    settings: Settings,
) -> AsyncIterator[Journeys]:
    async with journeys_in_skipped_time(
        time_skipping, task_queue, activities, app, settings
    ) as journeys:
        yield journeys


async def test_imported_trainers_are_reminded_and_delisted_by_their_real_dates(
    journeys: Journeys, time_skipping: WorkflowEnvironment
) -> None:
    app, now = journeys.app, await time_skipping.get_current_time()
    eleven = (add_months(now, -11) - timedelta(days=3)).date()
    thirteen = add_months(now, -13).date()
    files = {
        Kind.TRAINERS: "name,email,country,registered_on\n"
        "Asha Rao,asha@past.example,IN,2018-03-01\nBilal Khan,bilal@past.example,PK,2018-04-02\n",
        Kind.CERTIFICATIONS: "email,module,certified_on,certificate_number\n"
        "asha@past.example,WC,2019-09-30,IND-17\nbilal@past.example,BASICS,2020-05-05,PAK-3\n",
        Kind.RECORDS: "email,module,delivered_on,enterprises,participants\n"
        f"asha@past.example,WC,{eleven},3,41\nbilal@past.example,BASICS,{thirteen},2,25\n",
    }
    for kind, text in files.items():
        report = import_csv(app, kind, text, OFFICE, now)
        assert report.problems == ()
    position = app.recorder.max_notification_id() or 0
    for trainer_id in report.certified:
        await journeys.gateway.hand_over_standing(TrainerOutcome(app.trainer(trainer_id), position))

    await sleep_until(time_skipping, now + timedelta(hours=1))
    asha, bilal = (app.trainer_by_email(f"{n}@past.example") for n in ("asha", "bilal"))
    assert asha is not None and bilal is not None
    reminders = recorded(app, asha.trainer_id, Trainer.ActivityReminderSent)
    assert [(r.months, r.policy_version) for r in reminders] == [(11, 0)]
    assert asha.listed and not bilal.listed
    (delisting,) = recorded(app, bilal.trainer_id, Trainer.DelistedForInactivity)
    assert delisting.policy_version == 0
