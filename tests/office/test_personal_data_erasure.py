"""Headquarters erases a person on their request: over HTTP, and from the server's command line.

Afterwards the person is in no list, search, login, kept answer or mail, their credential is
revoked, and the audit's chain still verifies.
"""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData, select
from typer.testing import CliRunner

from domain.trainer.rules import DetailsEdit
from domain.values import Actor, Module, Role
from service.app.audit.verify import verify_chains
from service.app.webhooks.outbox import collect
from service.cli.commands import app as cli
from service.storage.chain import chain_of
from service.storage.database import create_service_engine
from tests.office.conftest import Desk
from tests.stories import new_id

NAME = "Zainab Qureshi-Okonkwo"


async def certified_with_a_login(desk: Desk, office: dict[str, str]) -> tuple[str, str]:
    """Registered over HTTP (the answer kept under its key), certified, given a login."""
    email = f"zainab.{new_id()[:8]}@example.org"
    body = {"name": NAME, "email": email, "country": "IN", "is_expert": False}
    kept = {**office, "Idempotency-Key": f"register-{email}"}
    registered = await desk.http.post("/trainers", json=body, headers=kept)
    assert registered.status_code == 201, registered.text
    trainer_id: str = registered.json()["trainer_id"]
    person = Actor(trainer_id, Role.TRAINER)
    desk.story.certified_in(Module.WC, person, desk.story.register_expert())
    login = await desk.http.post("/logins", json={"trainer_id": trainer_id}, headers=office)
    assert login.status_code == 201, login.text
    desk.caught_up()
    return trainer_id, email


def service_tables_text(desk: Desk) -> str:
    """Every row of the service's own tables (logins, kept answers, mail, webhook messages…),
    as text."""
    engine = create_service_engine(desk.services.settings)
    metadata = MetaData()
    metadata.reflect(engine)
    try:
        with engine.connect() as db:
            return repr(
                [
                    db.execute(select(table)).all()
                    for table in metadata.sorted_tables
                    if not table.name.startswith("certification_events")
                ]
            )
    finally:
        engine.dispose()


def cli_env(desk: Desk) -> dict[str, str]:
    """The environment that points the command line at the desk's store."""
    settings = desk.services.settings
    env = {"SCORE_DATA_DIR": str(settings.data_dir)}
    if settings.database_url is not None:
        env["SCORE_DATABASE_URL"] = settings.database_url
    return env


async def test_headquarters_erases_a_person_who_then_appears_nowhere(
    desk: Desk, office: dict[str, str]
) -> None:
    desk.services.webhooks.subscribe("https://crm.example.org/hooks", ("certificate.issued",), "o")
    trainer_id, email = await certified_with_a_login(desk, office)
    assert collect(desk.app, desk.services.webhooks) == 1  # a message that names her
    held = desk.services.credentials.current(trainer_id)
    listed = await desk.http.get("/public/trainers")
    assert NAME in listed.text and NAME in service_tables_text(desk)

    erased = await desk.http.post(
        f"/trainers/{trainer_id}/erasure",
        json={"trainer_id": trainer_id, "reason": "Her request of 2 March"},
        headers=office,
    )
    desk.caught_up()

    assert erased.status_code == 200, erased.text
    assert (erased.json()["name"], erased.json()["email"]) == ("[erased]", "[erased]")
    for path in ("/public/trainers", f"/trainers?q={NAME[:6]}", f"/trainers/{trainer_id}"):
        answer = await desk.http.get(path, headers=office)
        assert answer.status_code == 200, answer.text
        assert NAME not in answer.text and email not in answer.text
    assert (await desk.log_in(email, "any password at all")).status_code == 401
    tables = service_tables_text(desk)
    assert NAME not in tables and email not in tables
    assert desk.services.credentials.verify(held.jwt).status == "revoked"
    assert verify_chains(chain_of(desk.app)).intact


async def test_only_headquarters_erases_and_only_the_person_named_twice(
    desk: Desk, office: dict[str, str]
) -> None:
    trainer_id, _ = await certified_with_a_login(desk, office)
    india = desk.staff("indira-india-office", Role.HQ, "IN")
    written = desk.app.recorder.max_notification_id()

    by_a_country_office = await desk.http.post(
        f"/trainers/{trainer_id}/erasure",
        json={"trainer_id": trainer_id, "reason": "Her request"},
        headers=india,
    )
    named_once = await desk.http.post(
        f"/trainers/{trainer_id}/erasure",
        json={"trainer_id": new_id(), "reason": "Her request"},
        headers=office,
    )

    assert by_a_country_office.status_code == 403, by_a_country_office.text
    assert named_once.status_code == 422 and "cannot be undone" in named_once.text
    assert desk.app.recorder.max_notification_id() == written
    assert desk.app.trainer(trainer_id).name == NAME


async def test_the_command_line_erases_a_person(desk: Desk, office: dict[str, str]) -> None:
    trainer_id, email = await certified_with_a_login(desk, office)
    env = cli_env(desk)

    erased = CliRunner().invoke(
        cli, ["people", "erase", trainer_id, "--reason", "Her letter of 2 March"], env=env
    )
    again = CliRunner().invoke(cli, ["people", "erase", trainer_id, "--reason", "again"], env=env)

    assert erased.exit_code == 0, erased.output
    assert "[erased]" in erased.output
    assert again.exit_code == 1 and "erased already" in again.output
    desk.caught_up()
    assert desk.app.trainer(trainer_id).name == "[erased]"
    tables = service_tables_text(desk)
    assert NAME not in tables and email not in tables


async def test_an_erasure_cut_short_is_completed_from_the_command_line_and_every_name_goes(
    desk: Desk, office: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    trainer_id, email = await certified_with_a_login(desk, office)
    moved, story = f"zq.{new_id()[:8]}@example.net", desk.story
    edit = DetailsEdit(name="Zainab Okonkwo", email=moved)  # the registration's answer keeps both
    desk.app.edit_trainer(trainer_id, edit, story.hq, new_id(), story.later())
    keys = type(desk.app.personal_data.keys)
    destroy = keys.erase

    def failing_once(self: object, person_id: str, at: object) -> None:
        monkeypatch.setattr(keys, "erase", destroy)
        raise OSError("the database went away")

    monkeypatch.setattr(keys, "erase", failing_once)
    with pytest.raises(OSError, match="went away"):
        desk.services.erasure.erase(trainer_id, "Her request", story.hq, new_id(), story.later())

    completed = CliRunner().invoke(
        cli, ["people", "erase", trainer_id, "--reason", "Her request"], env=cli_env(desk)
    )

    assert completed.exit_code == 0, completed.output
    assert "[erased]" in completed.output
    assert not isinstance(desk.app.personal_data.keys.key_of(trainer_id), bytes)
    desk.caught_up()
    tables = service_tables_text(desk)
    assert not [w for w in (NAME, email, "Zainab Okonkwo", moved) if w in tables]
