"""Names people read for what the domain records, written once in English: the catalogs
(`pages`) translate them. The pages read them through `_labels.html` (the Jinja global
`STEP_TITLES`, already in the page's language), the e-mails through `workflows/mail.py`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from service.i18n import translations

# The step a journey waits for or took (a step's `kind`), as a form's title and button name it.
STEP_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "tot_result": "Record the ToT workshop result",
        "select_enterprise": "Select an enterprise",
        "baseline_assessment": "Record a baseline assessment",
        "classroom_workshop": "Record the classroom workshop",
        "coaching_visit": "Record a coaching visit",
        "progress_report": "Report progress",
        "assessment": "Assess the ToE cycle",
        "certification": "Certify",
        "withdrawal": "Withdraw from the journey",
    }
)


def step_titles(language: str) -> dict[str, str]:
    """`STEP_TITLES` in a language (English where it has none)."""
    gettext = translations(language).gettext
    return {kind: gettext(title) for kind, title in STEP_TITLES.items()}
