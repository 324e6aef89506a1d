"""A journey's answer names the enterprises of its current ToE cycle: from the read models in
one query once the projector has reached them, from the event store before it has."""

from __future__ import annotations

import pytest

from domain.journey.state import JourneyState
from domain.journey.steps import RecordToTResult, SelectEnterprise
from domain.values import Module
from projections.projector import Projector
from service.http.answers import enterprise_names
from service.http.deps import Services
from tests.stories import Story


def two_enterprises_selected(story: Story) -> tuple[JourneyState, list[str]]:
    expert, candidate = story.register_expert(), story.register_candidate()
    journey = story.enrol(candidate, Module.WC, expert)
    journey = story.step(journey, RecordToTResult(attended=True, completed=True), expert)
    firms = [story.register_enterprise(), story.register_enterprise()]
    for firm in firms:
        journey = story.step(journey, SelectEnterprise(firm), candidate)
    return journey, firms


def registered_name(services: Services, enterprise_id: str) -> str:
    return services.certification.enterprise(enterprise_id).details.name


def test_before_the_projector_reaches_them_the_names_come_from_the_event_store(
    services: Services,
) -> None:
    journey, firms = two_enterprises_selected(Story(services.certification))

    names = enterprise_names(services, journey)

    assert names == {firm: registered_name(services, firm) for firm in firms}


def test_once_projected_the_names_are_read_in_one_query_without_the_event_store(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    journey, firms = two_enterprises_selected(Story(services.certification))
    expected = {firm: registered_name(services, firm) for firm in firms}
    Projector(services.certification, services.read_models).catch_up()

    def not_asked(enterprise_id: str) -> None:
        raise AssertionError(f"the event store was asked for {enterprise_id}")

    monkeypatch.setattr(services.certification, "enterprise", not_asked)
    assert enterprise_names(services, journey) == expected
