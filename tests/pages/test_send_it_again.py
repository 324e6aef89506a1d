""" "Send it again" on the office's pages: when the record is busy with another change, or the
workflow service does not answer, the form's page comes back (503, Retry-After) with the
message beside the form in the reader's language, nothing written; the same form sent again
then writes once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from domain.errors import TryAgain
from domain.journey.state import JourneyState
from domain.trainer.state import TrainerState
from domain.trainer.steps import StandingStep
from domain.values import Actor, Module
from service.app.certification import Certification
from service.app.ports import Steps
from service.http.deps import Services
from tests.pages.conftest import StepsInTheApplication
from tests.pages.test_office_action_pages import events, opened, plan, refusal_of, sent_twice
from tests.pages.test_office_and_auditor_pages import form_keys, logged_in
from tests.stories import Story
from workflows.client import StepNotRecorded
from workflows.gate import BUSY


class BusyAtFirst(StepsInTheApplication):
    """The workflows as they answer while another step on the record is being saved (the
    first enrolment), or while Temporal is out of reach (the first standing step); then as
    usual."""

    def __init__(self, app: Certification) -> None:
        super().__init__(app)
        self.enrolments = 0

    async def enrol(
        self,
        trainer_id: str,
        workshop_id: str,
        actor: Actor,
        command_id: str,
        backdated_reason: str | None = None,
    ) -> JourneyState:
        self.enrolments += 1
        if self.enrolments == 1:
            raise TryAgain(BUSY)
        return await super().enrol(trainer_id, workshop_id, actor, command_id, backdated_reason)

    async def take_standing_step(
        self, trainer: TrainerState, step: StandingStep, actor: Actor, command_id: str
    ) -> TrainerState:
        raise StepNotRecorded("the Temporal service did not answer")


@pytest.fixture
def steps_for() -> Callable[[Certification], Steps]:
    return BusyAtFirst


def test_an_enrolment_while_the_record_is_busy_comes_back_on_its_page_and_then_writes_once(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    expert = story.register_expert()
    candidate = story.register_candidate("Carla Candidate")
    logged_in(site)
    listed = "/office/workshops"
    workshop = sent_twice(site, services, listed, listed, plan(expert.user_id))
    enrol = {**form_keys(opened(site, services, workshop)), "trainer_id": candidate.user_id}
    before = events(services)

    busy = site.post(f"{workshop}/enrolment", data=enrol, headers={"Accept-Language": "fr"})

    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert busy.headers["content-type"].startswith("text/html")
    said = refusal_of(busy.text)
    assert "Renvoyez le formulaire dans un instant." in said  # in the reader's language
    assert 'id="enrol-title"' in busy.text  # beside the enrolment form
    assert events(services) == before

    again = site.post(f"{workshop}/enrolment", data=enrol, follow_redirects=False)
    assert again.status_code == 303, again.text
    twice = site.post(f"{workshop}/enrolment", data=enrol, follow_redirects=False)
    assert twice.status_code == 303
    assert len(services.certification.trainer(candidate.user_id).open_journeys) == 1


def test_a_delisting_while_the_workflow_service_is_out_of_reach_comes_back_on_its_page(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    trainer = story.certified_in(Module.WC, story.register_candidate(), story.register_expert())
    logged_in(site)
    standing = f"/office/trainers/{trainer.trainer_id}/standing"
    sent = {
        **form_keys(opened(site, services, standing)),
        "change": "removal",
        "ground": "conduct",
        "reason": "Sold the manual as their own",
    }

    answer = site.post(standing, data=sent)

    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert "Send the form again in a moment." in refusal_of(answer.text)
    assert 'id="remove-title"' in answer.text  # the form, to send again as it is
    listing = services.certification.trainer(trainer.trainer_id).standing
    assert listing is not None and listing.listing.value == "listed"
