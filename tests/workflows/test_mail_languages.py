"""Each e-mail reads in its recipient's language: the one they chose on their login (in the
pages' header), else English. No Temporal here: the activities are called as a worker would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pwdlib import PasswordHash

from domain.calendar import add_months
from domain.values import Actor, Module, Role
from service.adapters.mail import Outbox, OutboxNotifier
from service.app.accounts import Accounts, ChosenLanguages
from service.app.certification import Certification
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.stories import Story, new_id
from workflows.activities import CertificationActivities
from workflows.messages import MailCommand


@pytest.fixture
def accounts(settings: Settings) -> Accounts:
    engine = create_service_engine(settings)
    return Accounts(engine, "s" * 32, timedelta(hours=1), PasswordHash.recommended())


@pytest.fixture
def mailing(app: Certification, outbox: Outbox, settings: Settings) -> CertificationActivities:
    languages = ChosenLanguages(create_service_engine(settings))
    return CertificationActivities(app, OutboxNotifier(outbox), language_of=languages.of_trainer)


def reminded_at_nine_months(story: Story, mailing: CertificationActivities, trainer: Actor) -> None:
    standing = story.app.trainer(trainer.user_id).standing
    assert standing is not None
    command_id = new_id()
    at = add_months(standing.clock_started_at, 9)
    story.app.remind_inactive_trainer(trainer.user_id, 9, command_id, at)
    assert mailing.send_mail(MailCommand(trainer.user_id, command_id)) == 1


def test_a_trainer_who_chose_french_gets_the_nine_month_reminder_in_french(
    app: Certification, accounts: Accounts, mailing: CertificationActivities, outbox: Outbox
) -> None:
    story = Story(app)
    expert, trainer = story.register_expert(), story.register_candidate()
    certified = story.certified_in(Module.WC, trainer, expert)
    accounts.create("carla", "a long password", Role.TRAINER, trainer.user_id)
    accounts.choose_language("carla", "fr")

    reminded_at_nine_months(story, mailing, trainer)

    (message,) = outbox.messages(certified.email)
    assert message.subject == "SCORE : 9 mois sans rapport de formation"
    assert "Aucun rapport de formation ne nous est parvenu depuis 9 mois" in message.body
    assert "Bureau du programme SCORE" in message.body
    assert certified.standing is not None
    deadline = add_months(certified.standing.clock_started_at, 12)
    assert f"avant le {deadline.day} " in message.body  # the date in French: "5 janvier 2028"


def test_a_trainer_who_chose_nothing_gets_it_in_english(
    app: Certification, mailing: CertificationActivities, outbox: Outbox
) -> None:
    story = Story(app)
    expert, trainer = story.register_expert(), story.register_candidate()
    certified = story.certified_in(Module.WC, trainer, expert)

    reminded_at_nine_months(story, mailing, trainer)

    (message,) = outbox.messages(certified.email)
    assert message.subject == "SCORE: 9 months without a training record"


def test_choosing_a_language_the_service_does_not_speak_is_refused(accounts: Accounts) -> None:
    accounts.create("hq", "a long password", Role.HQ, None)
    with pytest.raises(ValueError, match="en, fr, es"):
        accounts.choose_language("hq", "de")
    assert accounts.choose_language("hq", "es").language == "es"


def test_a_stall_reminder_reads_in_each_recipients_language_and_names_the_step_awaited(
    app: Certification, accounts: Accounts, mailing: CertificationActivities, outbox: Outbox
) -> None:
    story = Story(app)
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.ready_to_assess(candidate, expert)
    accounts.create("esther", "a long password", Role.EXPERT, expert.user_id)
    accounts.choose_language("esther", "es")
    emails = [app.trainer(person.user_id).email for person in (candidate, expert)]
    command_id = new_id()
    at = journey.last_step_at + timedelta(days=61)
    app.remind_stalled_journey(journey.journey_id, emails, command_id, at, timedelta(days=60))

    assert mailing.send_mail(MailCommand(journey.journey_id, command_id)) == 2
    (english,), (spanish,) = (outbox.messages(email) for email in emails)
    assert english.subject == "SCORE certification: a journey is waiting for its next step"
    assert "Next: assess ToE cycle 1." in english.body
    assert spanish.subject == "Certificación SCORE: un itinerario espera su próximo paso"
    assert "Próximo paso: Evaluar el ciclo ToE." in spanish.body
