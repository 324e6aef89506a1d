"""The programme office manages users from the command line: roles, deactivation, return."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.values import Role
from service.bootstrap.parts import build_accounts
from service.cli.commands import app as cli
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.migrated import migrated


@pytest.fixture
def settings_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCORE_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("SCORE_ARGON2_TIME_COST", "1")
    return migrated(Settings())


def score(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_the_office_changes_a_role_deactivates_and_reactivates_a_user(
    settings_from_env: Settings,
) -> None:
    assert score("users", "create", "ada", "--role", "auditor", "--password", "pw")[0] == 0
    engine = create_service_engine(settings_from_env)
    accounts = build_accounts(settings_from_env, engine)
    token = accounts.issue_token(accounts.authenticate("ada", "pw") or pytest.fail("no login"))

    assert score("users", "set-role", "ada", "hq") == (0, "user ada is now hq\n")
    assert accounts.user_from_token(token).role is Role.HQ

    code, output = score("users", "set-role", "ada", "trainer")
    assert code == 1 and "give the trainer's e-mail" in output
    code, output = score("users", "set-role", "ada", "expert", "--email", "nobody@example.org")
    assert code == 1 and "No trainer is registered with e-mail nobody@example.org" in output
    assert accounts.user_from_token(token).role is Role.HQ, "a refused change changes nothing"

    code, output = score("users", "deactivate", "ada")
    assert code == 0 and "deactivated user ada" in output
    assert accounts.authenticate("ada", "pw") is None

    code, output = score("users", "activate", "ada")
    assert code == 0 and "activated user ada" in output
    assert accounts.authenticate("ada", "pw") is not None

    code, output = score("users", "deactivate", "nobody")
    assert code == 1 and "There is no user nobody" in output
    code, output = score("users", "create", "a\x01da", "--role", "hq", "--password", "pw")
    assert code == 1 and "control character (U+0001)" in output
    engine.dispose()


def test_the_office_makes_a_country_office_and_turns_it_into_headquarters(
    settings_from_env: Settings,
) -> None:
    code, output = score(
        "users", "create", "priya", "--role", "hq", "--countries", "in,LK", "--password", "pw"
    )
    assert (code, output) == (0, "created hq user priya for the country office of IN, LK\n")
    engine = create_service_engine(settings_from_env)
    accounts = build_accounts(settings_from_env, engine)
    priya = accounts.authenticate("priya", "pw") or pytest.fail("no login")
    assert priya.actor.countries == ("IN", "LK")

    code, output = score("users", "set-role", "priya", "hq", "--countries", "Sri Lanka")
    assert code == 1 and "use LK" in output
    assert accounts.user_from_token(accounts.issue_token(priya)).countries == ("IN", "LK")

    assert score("users", "set-role", "priya", "hq", "--countries", "NP") == (
        0,
        "user priya is now hq for the country office of NP\n",
    )
    assert score("users", "set-role", "priya", "hq") == (0, "user priya is now hq\n")
    assert accounts.user_from_token(accounts.issue_token(priya)).countries == ()

    code, output = score(
        "users", "create", "aud", "--role", "auditor", "--countries", "IN", "--password", "pw"
    )
    assert code == 1 and "Only office users (hq) work for a country office" in output
    engine.dispose()


def test_the_office_invites_a_registered_person_and_resets_their_login_on_the_command_line(
    settings_from_env: Settings,
) -> None:
    from service.bootstrap.parts import build_certification
    from tests.stories import Story

    certification = build_certification(settings_from_env)
    asha = certification.trainer(Story(certification).register_candidate("Asha Rao").user_id)
    certification.close()

    code, said = score("users", "invite", asha.email, "--site", "https://score.example.org/")
    assert code == 0, said
    assert said.startswith(
        f"{asha.email} chooses a password at https://score.example.org/invitation?token="
    )
    assert score("users", "invite", asha.email)[1] == (
        "Asha Rao has a login already; reset it to send a new invitation or password.\n"
    )
    code, said = score("users", "reset", asha.email, "--one-time-password")
    assert code == 0 and said.startswith(f"{asha.email} logs in with the one-time password ")
    password = said.rsplit(" ", 1)[-1].strip()
    accounts = build_accounts(settings_from_env, create_service_engine(settings_from_env))
    user = accounts.authenticate(asha.email, password)
    assert user is not None and user.role is Role.TRAINER
    assert score("users", "reset", "nobody")[0] == 1
