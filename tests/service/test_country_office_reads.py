"""An enterprise of a country office's country may have been trained by a candidate of
another country: the office reads the firm, and only the cycles of its own countries' trainers."""

from __future__ import annotations

from domain.values import Module, Role
from projections.queries import Participation
from service.app.accounts import User
from service.http.routes.reads import _may_read_cycle

INDIA_OFFICE = User("office-in", Role.HQ, None, ("IN",))
HEADQUARTERS = User("hq", Role.HQ, None)


def _cycle(trainer_id: str) -> Participation:
    return Participation("j", 1, Module.WC, trainer_id, None, "exp", None, 0, 0, ())


def test_a_country_office_reads_only_the_cycles_of_its_countries_trainers() -> None:
    countries = {"asha": "IN", "nimal": "LK"}
    assert _may_read_cycle(INDIA_OFFICE, _cycle("asha"), countries)
    assert not _may_read_cycle(INDIA_OFFICE, _cycle("nimal"), countries)
    assert not _may_read_cycle(INDIA_OFFICE, _cycle("not-projected-yet"), countries)


def test_headquarters_reads_every_cycle() -> None:
    assert _may_read_cycle(HEADQUARTERS, _cycle("nimal"), None)
