"""The programme's figures as a page anyone may read: bar charts drawn on the server as SVG,
each beside a table of its figures, by country and year, in the reader's language."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import event

from domain.values import Module
from projections.projector import Projector
from service.http.deps import Services
from service.http.pages.charts import bar_chart
from tests.stories import Story


def one_certified_trainer_in_india(services: Services) -> Story:
    story = Story(services.certification)
    expert, candidate = story.register_expert(), story.register_candidate()
    story.certified_in(Module.WC, candidate, expert)
    Projector(services.certification, services.read_models).catch_up()
    return story


def table_of(chart_id: str, html: str) -> str:
    found = re.search(rf'<table id="{chart_id}-table">(.*?)</table>', html, re.S)
    assert found, f"no table for the chart {chart_id}"
    return found.group(1)


def test_a_visitor_reads_the_figures_as_charts_each_beside_its_table(
    site: TestClient, services: Services
) -> None:
    story = one_certified_trainer_in_india(services)
    reply = site.get("/statistics")
    assert reply.status_code == 200
    assert "<h1>Programme statistics</h1>" in reply.text
    assert reply.text.count('<svg role="img"') == 5
    assert "<script" not in reply.text
    by_year = table_of("by-year", reply.text)
    assert f'<th scope="row">{story.now.year}</th><td>1</td>' in by_year
    by_module = table_of("by-module", reply.text)
    assert '<th scope="row">WC · Module 1: Workplace Cooperation</th><td>1</td>' in by_module
    assert "<title>WC · Module 1: Workplace Cooperation</title>WC</text>" in reply.text
    trainers = table_of("trainers", reply.text)
    assert '<th scope="row">Certified trainers</th><td>1</td>' in trainers
    assert re.search(r'<th scope="row">Productivity</th><td>[\d.,-]+ %</td>', reply.text)


def test_the_figures_narrow_to_a_country_and_a_year(site: TestClient, services: Services) -> None:
    story = one_certified_trainer_in_india(services)
    year = story.now.year
    india = site.get(f"/statistics?country=IN&year={year}")
    assert '<option value="IN" selected>India</option>' in india.text
    assert f'<option value="{year}" selected>{year}</option>' in india.text
    assert '<th scope="row">Certified trainers</th><td>1</td>' in table_of("trainers", india.text)
    before = site.get(f"/statistics?country=IN&year={year - 1}")  # not a year with figures
    assert '<th scope="row">Certified trainers</th><td>1</td>' in table_of("trainers", before.text)
    for typed in ("country=Nowhere", "year=abc", "year=1999"):
        assert site.get(f"/statistics?{typed}").status_code == 200  # left out, not a 422


def test_a_year_that_only_looks_like_digits_gets_the_whole_page(
    site: TestClient, services: Services
) -> None:
    story = one_certified_trainer_in_india(services)
    year = story.now.year
    for typed in ("%C2%B2", "%D9%A2%D9%A0", "9" * 5000, f"0{year}", f"%20{year}"):
        reply = site.get(f"/statistics?year={typed}")
        assert reply.status_code == 200, typed  # "²".isdigit() is True; int("²") raises
        assert f'<option value="{year}" selected>' not in reply.text  # no year chosen


def test_the_page_reads_the_read_models_once_for_its_filters_and_every_chart(
    site: TestClient, services: Services
) -> None:
    one_certified_trainer_in_india(services)
    classrooms = services.read_models.tables.classroom_workshops.name
    statements: list[str] = []

    def executed(*args: object) -> None:
        statements.append(str(args[2]))  # (conn, cursor, statement, ...)

    engine = services.read_models.engine
    event.listen(engine, "before_cursor_execute", executed)
    try:
        assert site.get("/statistics?country=IN").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", executed)
    assert len([s for s in statements if f"FROM {classrooms}" in s]) == 1


def test_the_page_reads_in_french_and_is_linked_from_home(
    site: TestClient, services: Services
) -> None:
    one_certified_trainer_in_india(services)
    assert 'href="/statistics"' in site.get("/").text
    french = site.get("/statistics", headers={"Accept-Language": "fr"})
    assert "<h1>Statistiques du programme</h1>" in french.text
    assert "PME formées, par année" in french.text
    assert "Inde" in french.text


def test_an_empty_programme_says_nothing_was_counted(site: TestClient) -> None:
    reply = site.get("/statistics")
    assert reply.status_code == 200
    assert "Nothing counted yet." in reply.text


def test_a_bar_starts_at_zero_and_a_loss_is_drawn_left_of_it() -> None:
    chart = bar_chart("c", "Change", "%", [("up", 30.0), ("down", -10.0), ("unknown", None)], str)
    up, down = chart.bars
    assert [bar.label for bar in chart.bars] == ["up", "down"]  # an unknown value: no bar
    assert [bar.name for bar in chart.bars] == ["up", "down"]  # no names: the labels in full
    assert up.x == chart.zero_x and down.x + down.width == chart.zero_x
    assert up.width == 3 * down.width
