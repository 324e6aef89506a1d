"""Actors recorded in workflow payloads before country offices still decode: as headquarters."""

from __future__ import annotations

from temporalio.api.common.v1 import Payload

from domain import policy
from domain.policy import Action
from domain.values import Actor, Role
from workflows.converter import data_converter


def _decoded(json: bytes) -> Actor:
    payload = Payload(metadata={"encoding": b"json/plain"}, data=json)
    actor: Actor = data_converter.payload_converter.from_payload(payload, Actor)
    return actor


def test_an_office_actor_recorded_before_country_offices_decodes_as_headquarters() -> None:
    actor = _decoded(b'{"user_id":"office","role":"hq"}')
    assert actor == Actor("office", Role.HQ) and actor.countries == ()
    assert policy.may_pass_door(actor, Action.READ_AUDIT)


def test_a_country_offices_actor_goes_through_a_payload_and_back() -> None:
    office = Actor("office-in", Role.HQ, ("IN", "LK"))
    (payload,) = data_converter.payload_converter.to_payloads([office])
    assert _decoded(payload.data) == office
