"""A journey's timeline names every event the Journey aggregate records in the reader's words:
no class name ("ExpertReassigned") ever reaches the page. A new event class without a kind in
`timeline.KINDS`, or a kind without its label in `_labels.html`, fails here."""

from __future__ import annotations

import pytest

from domain.journey.aggregate import Journey
from domain.recorded import RecordedAggregate
from service.http.pages.rendering import environment
from service.http.pages.timeline import KINDS
from service.i18n import LANGUAGES

# Bases that record nothing themselves, their subclasses do: the step events' and the
# library's (eventsourcing gives each aggregate class its own `Event` and `Created`).
BASES = {Journey.StepTaken, Journey.Event, Journey.Created}


def recorded_event_classes() -> set[str]:
    return {
        name
        for name, member in vars(Journey).items()
        if isinstance(member, type)
        and issubclass(member, RecordedAggregate.Event)
        and member not in BASES
    }


def test_every_event_of_a_journey_has_a_kind_on_the_timeline() -> None:
    events = recorded_event_classes()
    assert "ExpertReassigned" in events and "Enrolled" in events  # the list is read, not empty
    assert events - KINDS.keys() == set(), "events the timeline would show by class name"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_on_the_timeline_has_its_label_in_every_language(language: str) -> None:
    labels = environment(language).get_template("_labels.html").make_module()
    happened: dict[str, str] = getattr(labels, "happened")  # noqa: B009 - a template's name
    assert set(KINDS.values()) - happened.keys() == set()
    assert all(happened[kind].strip() for kind in KINDS.values())
