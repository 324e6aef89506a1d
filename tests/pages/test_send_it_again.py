""" "Send it again" on the pages: when the record is busy with another change, or the workflow
service does not answer, the form's page comes back (503, Retry-After) with the message beside
the form in the reader's language, and that form holds the values sent and the key it was sent
with (its siblings get new keys). Sent again from that page as it is, it runs under the same
command id and writes once, even when the first sending was recorded and only its answer was
lost."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from domain.errors import TryAgain
from domain.journey.state import JourneyState
from domain.trainer.state import TrainerState
from domain.trainer.steps import RemoveForCause, StandingStep
from domain.values import Actor, Module, Role
from service.app.certification import Certification
from service.app.ports import Steps
from service.http.deps import Services
from tests.pages.conftest import PASSWORD, StepsInTheApplication
from tests.pages.test_office_action_pages import events, opened, plan, refusal_of, sent_twice
from tests.pages.test_office_and_auditor_pages import caught_up, form_keys, logged_in
from tests.stories import Story
from workflows.client import StepNotRecorded
from workflows.gate import BUSY


class BusyAtFirst(StepsInTheApplication):
    """The workflows as they answer while another step on the record is being saved (the
    first enrolment), while Temporal is out of reach before anything is saved (the first
    delisting), or after the step was saved but before its answer came back (the first
    training record); then as usual."""

    def __init__(self, app: Certification) -> None:
        super().__init__(app)
        self.enrolments = 0
        self.standing_steps = 0

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
        self.standing_steps += 1
        first = self.standing_steps == 1
        if first and isinstance(step, RemoveForCause):
            raise StepNotRecorded("the Temporal service did not answer")
        now = datetime.now(UTC)
        taken = self.app.take_standing_step(trainer.trainer_id, step, actor, command_id, now)
        if first:
            raise StepNotRecorded("no answer within 10 s")  # saved; its answer lost
        return taken.state


@pytest.fixture
def steps_for() -> Callable[[Certification], Steps]:
    return BusyAtFirst


class _Form(HTMLParser):
    """What a browser sends for a form left as it is: its inputs' values, its text areas'
    text, each select's chosen option (else its first), its checked boxes and radios."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name:
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.sent[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in self.sent or "selected" in a:
                self.sent[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.sent[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.sent[self._textarea] += data


def form_as_shown(page: str, title: str = "", action: str = "") -> dict[str, str]:
    """The form of `page` titled by the element `title` (or sent to `action`), as a browser
    would send it again."""
    mark = f'aria-labelledby="{title}"' if title else f'action="{action}"'
    found = re.search(rf"<form [^>]*{re.escape(mark)}.*?</form>", page, re.S)
    assert found, f"no form {mark} on the page"
    form = _Form()
    form.feed(found[0])
    return form.sent


def recorded(services: Services, event: str) -> int:
    """How many events of this kind the store holds."""
    notifications = services.certification.recorder.select_notifications(1, limit=10_000)
    return sum(1 for n in notifications if n.topic.endswith(f".{event}"))


def test_an_enrolment_while_the_record_is_busy_comes_back_with_its_key_and_then_writes_once(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification)
    expert = story.register_expert()
    candidate = story.register_candidate("Carla Candidate")
    story.register_candidate("Another Candidate")  # listed first or second: chosen, kept
    logged_in(site)
    listed = "/office/workshops"
    workshop = sent_twice(site, services, listed, listed, plan(expert.user_id))
    shown = opened(site, services, workshop)
    enrol = {
        **form_as_shown(shown, "enrol-title"),
        "trainer_id": candidate.user_id,
        "backdated_reason": "",
    }
    before = events(services)

    busy = site.post(f"{workshop}/enrolment", data=enrol, headers={"Accept-Language": "fr"})

    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert busy.headers["content-type"].startswith("text/html")
    said = refusal_of(busy.text)
    assert "Renvoyez le formulaire dans un instant." in said  # in the reader's language
    assert events(services) == before
    again = form_as_shown(busy.text, "enrol-title")  # beside the enrolment form
    assert again == enrol  # its key and the candidate chosen, as they were sent
    for sibling in ("reschedule-title", "cancel-title"):  # new keys: not the refused form
        assert form_as_shown(busy.text, sibling)["form_key"] != enrol["form_key"]

    resent = site.post(f"{workshop}/enrolment", data=again, follow_redirects=False)
    assert resent.status_code == 303, resent.text
    twice = site.post(f"{workshop}/enrolment", data=again, follow_redirects=False)
    assert twice.status_code == 303
    assert len(services.certification.trainer(candidate.user_id).open_journeys) == 1
    assert recorded(services, "JourneyOpened") == 1


def test_a_delisting_while_the_workflow_service_is_out_of_reach_is_sent_again_from_its_page(
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
    said = refusal_of(answer.text)
    assert "may or may not be recorded yet" in said
    assert "send the form again as it is: it will be recorded once." in said
    listing = services.certification.trainer(trainer.trainer_id).standing
    assert listing is not None and listing.listing.value == "listed"
    again = form_as_shown(answer.text, "remove-title")  # the form, to send again as it is
    assert again == sent  # the same key, the ground and the reason typed

    resent = site.post(standing, data=again, follow_redirects=False)
    assert resent.status_code == 303, resent.text
    assert site.post(standing, data=again, follow_redirects=False).status_code == 303
    listing = services.certification.trainer(trainer.trainer_id).standing
    assert listing is not None and listing.listing.value == "removed"
    assert recorded(services, "RemovedForCause") == 1


def test_a_training_record_saved_but_unanswered_is_sent_again_from_its_page_and_not_doubled(
    site: TestClient, services: Services
) -> None:
    story = Story(services.certification, start=datetime.now(UTC) - timedelta(days=90))
    trainer = story.certified_in(Module.WC, story.register_candidate(), story.register_expert())
    services.accounts.create("carla", PASSWORD, Role.TRAINER, trainer.trainer_id)
    logged_in(site, "carla")
    shown = opened(site, services, "/me/standing")
    sent = {
        **form_keys(shown),
        "delivered_on": date.today().isoformat(),
        "module": "WC",
        "enterprises": "5",
        "participants": "24",
        "description": "Faridabad cluster",
    }

    lost = site.post("/me/standing/training-records", data=sent)

    assert lost.status_code == 503, lost.text
    assert "may or may not be recorded yet" in refusal_of(lost.text)
    assert recorded(services, "TrainingRecordSubmitted") == 1  # it was saved all the same
    again = form_as_shown(lost.text, action="/me/standing/training-records")
    assert again == sent
    caught_up(services)  # the page's read models hold the record (no projector runs here)

    resent = site.post("/me/standing/training-records", data=again, follow_redirects=False)

    assert resent.status_code == 303, resent.text
    assert recorded(services, "TrainingRecordSubmitted") == 1  # recorded once
