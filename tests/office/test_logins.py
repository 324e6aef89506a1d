"""The office gives registered people a login; people choose and change their passwords.

Over HTTP on each backend, and the expiry on the application's own clock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from domain.values import Role
from service.app.invitations import InvitationRefused, InvitationRow
from service.app.people_logins import Delivery
from service.storage.database import create_service_engine
from tests.office.conftest import Desk
from tests.stories import new_id

CHOSEN = "a password I chose myself"


async def registered(desk: Desk, office: dict[str, str], *, expert: bool = False) -> dict[str, str]:
    body = {
        "name": "Expert Esther" if expert else "Carla Candidate",
        "email": f"person-{new_id()[:8]}@example.org",
        "country": "IN",
        "is_expert": expert,
    }
    reply = await desk.http.post("/trainers", json=body, headers=office)
    assert reply.status_code == 201, reply.text
    trainer: dict[str, str] = reply.json()
    return trainer


async def test_an_invited_candidate_chooses_a_password_once_and_logs_in_with_it(
    desk: Desk, office: dict[str, str]
) -> None:
    carla = await registered(desk, office)
    given = await desk.http.post(
        "/logins", json={"trainer_id": carla["trainer_id"]}, headers=office
    )
    assert given.status_code == 201, given.text
    login = given.json()
    assert (login["username"], login["role"], login["delivery"]) == (
        carla["email"],
        "trainer",
        "invitation",
    )
    expires = datetime.fromisoformat(login["invitation_expires_at"])
    assert timedelta(hours=71) < expires - datetime.now(UTC) <= timedelta(hours=72)
    assert (await desk.log_in(carla["email"], CHOSEN)).status_code == 401  # not chosen yet

    invitation = {"token": login["invitation_token"], "password": CHOSEN}
    accepted = await desk.http.post("/auth/invitation", json=invitation)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "trainer"
    assert (await desk.log_in(carla["email"], CHOSEN)).status_code == 200

    again = await desk.http.post("/auth/invitation", json={**invitation, "password": "x" * 12})
    assert again.status_code == 422 and "already used" in again.json()["detail"]
    assert (await desk.log_in(carla["email"], CHOSEN)).status_code == 200


async def test_a_retried_invitation_shows_the_same_link_and_no_secret_is_stored(
    desk: Desk, office: dict[str, str]
) -> None:
    carla = await registered(desk, office)
    request = {"trainer_id": carla["trainer_id"], "delivery": "invitation"}
    retried = {**office, "Idempotency-Key": "give-carla-a-login"}

    first = await desk.http.post("/logins", json=request, headers=retried)
    second = await desk.http.post("/logins", json=request, headers=retried)

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    token = first.json()["invitation_token"]
    engine = create_service_engine(desk.services.settings)
    with engine.connect() as db:
        kept = [str(tuple(row)) for row in db.execute(text("select * from svc_idempotency"))]
        digests = db.execute(select(InvitationRow.digest)).scalars().all()
    engine.dispose()
    assert kept and not any(token in row for row in kept)
    assert len(digests) == 1 and digests[0] not in token


async def test_an_expert_gets_a_one_time_password_and_a_second_login_is_refused(
    desk: Desk, office: dict[str, str]
) -> None:
    esther = await registered(desk, office, expert=True)
    body = {
        "trainer_id": esther["trainer_id"],
        "username": "esther",
        "delivery": "one_time_password",
    }
    given = await desk.http.post("/logins", json=body, headers=office)
    assert given.status_code == 201, given.text
    password = given.json()["one_time_password"]
    assert given.json()["role"] == "expert" and given.json()["invitation_token"] is None
    assert len(password) == 19 and password.count("-") == 3

    logged_in = await desk.log_in("esther", password)
    assert logged_in.status_code == 200 and logged_in.json()["role"] == "expert"

    twice = await desk.http.post("/logins", json={**body, "username": "esther2"}, headers=office)
    assert twice.status_code == 409 and "has a login already" in twice.json()["detail"]
    listed = await desk.http.get(f"/trainers/{esther['trainer_id']}/logins", headers=office)
    assert [(x["username"], x["role"], x["active"]) for x in listed.json()] == [
        ("esther", "expert", True)
    ]


async def test_a_reset_ends_the_old_password_its_tokens_and_earlier_invitations(
    desk: Desk, office: dict[str, str]
) -> None:
    carla = await registered(desk, office)
    first = await desk.http.post(
        "/logins", json={"trainer_id": carla["trainer_id"]}, headers=office
    )
    old_invitation = first.json()["invitation_token"]
    reset = await desk.http.post(
        f"/logins/{carla['email']}/reset", json={"delivery": "invitation"}, headers=office
    )
    assert reset.status_code == 200, reset.text

    stale = await desk.http.post(
        "/auth/invitation", json={"token": old_invitation, "password": CHOSEN}
    )
    assert stale.status_code == 422 and "replaced by a newer one" in stale.json()["detail"]
    fresh = {"token": reset.json()["invitation_token"], "password": CHOSEN}
    token = (await desk.http.post("/auth/invitation", json=fresh)).json()["access_token"]
    me = {"Authorization": f"Bearer {token}"}
    assert (await desk.http.get("/auth/me", headers=me)).status_code == 200

    await asyncio.sleep(1.05)  # tokens name their second: one from the reset's own second holds
    again = await desk.http.post(
        f"/logins/{carla['email']}/reset", json={"delivery": "one_time_password"}, headers=office
    )
    assert (await desk.log_in(carla["email"], CHOSEN)).status_code == 401
    assert (await desk.http.get("/auth/me", headers=me)).status_code == 401
    assert (await desk.log_in(carla["email"], again.json()["one_time_password"])).status_code == 200


async def test_a_deactivated_login_cannot_log_in_until_activated_again(
    desk: Desk, office: dict[str, str]
) -> None:
    carla = await registered(desk, office)
    body = {"trainer_id": carla["trainer_id"], "delivery": "one_time_password"}
    password = (await desk.http.post("/logins", json=body, headers=office)).json()[
        "one_time_password"
    ]
    off = await desk.http.post(f"/logins/{carla['email']}/deactivation", headers=office)
    assert off.status_code == 200 and off.json()["active"] is False
    assert (await desk.log_in(carla["email"], password)).status_code == 401

    on = await desk.http.post(f"/logins/{carla['email']}/activation", headers=office)
    assert on.status_code == 200 and on.json()["active"] is True
    assert (await desk.log_in(carla["email"], password)).status_code == 200


async def test_everyone_changes_their_own_password_knowing_the_current_one(
    desk: Desk, office: dict[str, str]
) -> None:
    carla = await registered(desk, office)
    body = {"trainer_id": carla["trainer_id"], "delivery": "one_time_password"}
    password = (await desk.http.post("/logins", json=body, headers=office)).json()[
        "one_time_password"
    ]
    me = desk.bearer(carla["email"], password)

    wrong = {"current_password": "not it at all", "new_password": CHOSEN}
    refused = await desk.http.post("/auth/password", json=wrong, headers=me)
    assert refused.status_code == 422 and "not your current password" in refused.json()["detail"]
    short = {"current_password": password, "new_password": "short"}
    assert (await desk.http.post("/auth/password", json=short, headers=me)).status_code == 422

    right = {"current_password": password, "new_password": CHOSEN}
    changed = await desk.http.post("/auth/password", json=right, headers=me)
    assert changed.status_code == 200, changed.text
    assert (await desk.log_in(carla["email"], password)).status_code == 401
    assert (await desk.log_in(carla["email"], CHOSEN)).status_code == 200

    office_changes = {"current_password": "office-test-password", "new_password": CHOSEN}
    assert (
        await desk.http.post("/auth/password", json=office_changes, headers=office)
    ).status_code == 200


async def test_only_the_office_gives_logins_and_only_to_trainers_and_experts(
    desk: Desk, office: dict[str, str], auditor: dict[str, str]
) -> None:
    carla = await registered(desk, office)
    body = {"trainer_id": carla["trainer_id"]}
    assert (await desk.http.post("/logins", json=body)).status_code == 401
    refused = await desk.http.post("/logins", json=body, headers=auditor)
    assert refused.status_code == 403 and refused.json()["error"] == "NotPermitted"

    staff = await desk.http.post("/logins/ines-auditor/deactivation", headers=office)
    assert staff.status_code == 404 and "score users" in staff.json()["detail"]
    unknown = await desk.http.post("/logins", json={"trainer_id": new_id()}, headers=office)
    assert unknown.status_code == 404
    not_an_id = await desk.http.post("/logins", json={"trainer_id": "carla"}, headers=office)
    assert not_an_id.status_code == 404


def test_an_invitation_expires_and_a_tampered_one_is_refused(desk: Desk) -> None:
    logins = desk.services.people_logins
    carla = desk.story.register_candidate()
    sent_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    given = logins.give(carla.user_id, "carla", Delivery.INVITATION, new_id(), sent_at)
    assert given.invitation is not None and given.invitation.expires_at == sent_at + timedelta(
        hours=72
    )
    token = given.invitation.token

    with pytest.raises(InvitationRefused, match="expired on 2026-03-05 09:00 UTC"):
        logins.accept_invitation(token, CHOSEN, sent_at + timedelta(hours=72))
    with pytest.raises(InvitationRefused, match="not an invitation link"):
        logins.accept_invitation(token[:-2] + "xx", CHOSEN, sent_at)
    user = logins.accept_invitation(token, CHOSEN, sent_at + timedelta(hours=71))
    assert (user.username, user.role) == ("carla", Role.TRAINER)
