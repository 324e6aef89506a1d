"""The programme's figures for the office and the public: `/statistics`, by country and year,
as bar charts drawn on the server (`charts.py`) beside tables of the same figures.

The figures are `GET /public/statistics`'s (projections/queries/statistics.py), read from the
read models as they are, like the directory: a visitor wrote nothing to wait for.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from domain.indicators import Indicator
from domain.values import Module
from projections import queries
from projections.queries import ProgrammeStatistics, StatisticsScope
from service.http.pages.charts import BarChart, bar_chart
from service.http.pages.kit import AnyPage
from service.http.pages.rendering import local_number
from service.http.reading import CurrentReads
from service.i18n.countries import country_name

router = APIRouter(include_in_schema=False)

INDICATOR_TITLES = {
    Indicator.PRODUCTIVITY: "Productivity",
    Indicator.DEFECTS: "Defects",
    Indicator.ON_TIME_DELIVERY: "On-time delivery",
    Indicator.ABSENTEEISM: "Absenteeism",
    Indicator.STAFF_TURNOVER: "Staff turnover",
    Indicator.ACCIDENTS: "Accidents",
}

# Charts of one scope's figures: id, title, the figures' heading, (bar, field of the figures).
FIGURE_CHARTS = (
    (
        "participants",
        "Participants in the classroom workshops",
        "Participants",
        (("Managers", "managers"), ("Workers", "workers"), ("Women", "women")),
    ),
    (
        "trainers",
        "Certified and active trainers",
        "Trainers",
        (("Certified trainers", "certified_trainers"), ("Active trainers", "active_trainers")),
    ),
)


@router.get("/statistics")
def statistics(page: AnyPage, read: CurrentReads, country: str = "", year: str = "") -> Response:
    """SMEs trained by year and by module, the participants, the trainers, and how the
    enterprises' indicators improved; for one country and one year, or all of them. A filter
    that names nothing offered is left out (a typed URL gets the page, not a 422), as on the
    directory; a year is matched as the text of an offered one, never parsed."""
    recorded = queries.statistics_records(read)  # one reading for the choices and every chart
    choices = recorded.choices()
    chosen_country = country if country in choices.countries else None
    chosen_year = next((y for y in choices.years if str(y) == year), None)
    scope = StatisticsScope(chosen_country, None, chosen_year)
    by_year = [StatisticsScope(chosen_country, None, y) for y in choices.years]
    by_module = [StatisticsScope(chosen_country, m, chosen_year) for m in Module]
    found = recorded.counted([scope, *by_year, *by_module])
    figures, years, modules = found[0], found[1 : 1 + len(by_year)], found[1 + len(by_year) :]
    return page.render(
        "statistics.html",
        title=page.gettext("Programme statistics"),
        figures=figures,
        charts=_charts(page, figures, years, modules),
        countries=choices.countries,
        country_names={code: country_name(code, page.language) for code in choices.countries},
        years=choices.years,
        country=chosen_country or "",
        year=chosen_year or "",
    )


def _charts(
    page: AnyPage,
    figures: ProgrammeStatistics,
    years: list[ProgrammeStatistics],
    modules: list[ProgrammeStatistics],
) -> list[BarChart]:
    def number(value: float) -> str:
        return local_number(value, page.language)

    def percent(value: float) -> str:
        return f"{local_number(value, page.language)} %"

    smes = page.gettext("SMEs trained")
    return [
        bar_chart(
            "by-year",
            page.gettext("SMEs trained, by year"),
            smes,
            [(str(f.scope.year), f.smes_trained) for f in years],
            number,
        ),
        bar_chart(
            "by-module",
            page.gettext("SMEs trained, by module"),
            smes,
            [(f.scope.module.value, f.smes_trained) for f in modules if f.scope.module],
            number,
            {m.value: f"{m.value} · {m.full_name}" for m in Module},  # as the other pages
        ),
        *(_figure_chart(page, figures, *chart) for chart in FIGURE_CHARTS),
        bar_chart(
            "improvement",
            page.gettext("Median improvement by indicator"),
            page.gettext("Median"),
            [(page.gettext(INDICATOR_TITLES[r.indicator]), r.median) for r in figures.improvement],
            percent,
        ),
    ]


def _figure_chart(
    page: AnyPage,
    figures: ProgrammeStatistics,
    chart_id: str,
    title: str,
    heading: str,
    bars: tuple[tuple[str, str], ...],
) -> BarChart:
    """A chart of the scope's own figures, named by catalog messages (`statistics.po`)."""
    values = [(page.gettext(label), float(getattr(figures, name))) for label, name in bars]
    return bar_chart(
        chart_id,
        page.gettext(title),
        page.gettext(heading),
        values,
        lambda value: local_number(value, page.language),
    )
