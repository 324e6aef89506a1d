"""A programme that already has certified trainers brings them in: trainers, their
certificates with original dates and numbers, and their training records, from CSV files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from domain.calendar import add_months
from domain.errors import NotPermitted
from domain.trainer.aggregate import Trainer
from domain.trainer.state import Listing, TrainerState
from domain.values import Actor, Role
from service.app.certification import Certification
from service.app.exports import export_csv
from service.app.import_rows import Kind
from service.app.imports import ImportReport, import_csv
from service.bootstrap.parts import build_certification
from service.settings import Settings
from tests.migrated import migrated
from tests.stories import new_id
from workflows.clock import next_clock_event

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
OFFICE = Actor("office", Role.HQ)
TRAINERS = """name,email,country,registered_on,expert
Asha Rao,asha@example.org,IN,2019-03-01,no
Bilal Khan,bilal@example.org,PK,2019-04-02,no
Carolina Gómez,carolina@example.org,CO,2018-01-15,yes
"""
# Asha's last record is 11 months old, Bilal's 13: one is due her 11-month reminder, the
# other is past the 12-month delisting.
CERTIFICATIONS = """email,module,certified_on,certificate_number
asha@example.org,QUALITY,2021-02-10,
asha@example.org,WC,2019-09-30,IND-2019-017
bilal@example.org,BASICS,2020-05-05,PAK-2020-003
"""
ELEVEN_MONTHS_AGO = add_months(NOW, -11).date() - timedelta(days=3)
THIRTEEN_MONTHS_AGO = add_months(NOW, -13).date()
RECORDS = f"""email,module,delivered_on,enterprises,participants,description
asha@example.org,WC,{ELEVEN_MONTHS_AGO},3,41,Garment cluster
bilal@example.org,BASICS,{THIRTEEN_MONTHS_AGO},2,25,
"""


def events(app: Certification) -> int:
    return app.recorder.max_notification_id() or 0


TAG = {"now": "t0"}  # this test's own addresses and numbers: a PostgreSQL store is shared


@pytest.fixture(autouse=True)
def own_names() -> None:
    TAG["now"] = new_id()[:8]


def mine(text: str) -> str:
    """The text with this test's own e-mail domain and certificate numbers."""
    text = text.replace("@example.org", f"@{TAG['now']}.example.org")
    return re.sub(r"\b([A-Z]{1,3}-[0-9-]+)\b", rf"{TAG['now'].upper()}-\1", text)


def load(app: Certification, kind: Kind, text: str, dry_run: bool = False) -> ImportReport:
    return import_csv(app, kind, mine(text), OFFICE, NOW, dry_run=dry_run)


def trainer(app: Certification, name: str) -> TrainerState | None:
    return app.trainer_by_email(mine(f"{name}@example.org"))


@pytest.fixture
def in_memory(tmp_path: Path) -> Iterator[Certification]:
    """The in-memory store: the same application, without a database's ~25 ms per row on
    this shared machine (the stores' costs are measured by `bench import`)."""
    app = build_certification(Settings(data_dir=tmp_path / "data", event_store="memory"))
    yield app
    app.close()


def test_a_thousand_past_trainers_import_and_import_again_without_a_change(
    in_memory: Certification,
) -> None:
    app = in_memory
    rows = [f"Trainer {n},t{n}@example.org,GH,2020-01-{1 + n % 28:02d},no" for n in range(1000)]
    text = "name,email,country,registered_on,expert\n" + "\n".join(rows) + "\n"
    seen: list[int] = []

    first = import_csv(app, Kind.TRAINERS, text, OFFICE, NOW, progress=seen.append)
    written = events(app)
    again = import_csv(app, Kind.TRAINERS, text, OFFICE, NOW + timedelta(days=1))

    assert (first.rows, first.written, first.already, first.problems) == (1000, 1000, 0, ())
    assert seen[-1] == 1000 and written == 2 * 1000  # each trainer, and their e-mail's index
    assert (again.written, again.already, again.problems) == (0, 1000, ())
    assert events(app) == written, "the second run wrote nothing"


def test_imported_facts_carry_when_they_happened_and_when_they_were_recorded(
    app: Certification,
) -> None:
    load(app, Kind.TRAINERS, TRAINERS)
    load(app, Kind.CERTIFICATIONS, CERTIFICATIONS)
    load(app, Kind.RECORDS, RECORDS)
    asha = trainer(app, "asha")
    assert asha is not None
    stored = [
        app.mapper.to_domain_event(e) for e in app.recorder.select_events(UUID(asha.trainer_id))
    ]
    kinds = [type(e).__qualname__ for e in stored]
    assert kinds == [
        "Trainer.RegisteredFromPastRecords",
        "Trainer.CertificateImported",
        "Trainer.CredentialIssued",
        "Trainer.ModuleCertificationImported",
        "Trainer.CredentialIssued",  # reissued with the new module
        "Trainer.TrainingRecordImported",
    ]
    certificate = stored[1]
    assert isinstance(certificate, Trainer.CertificateImported)
    assert certificate.timestamp.date() == date(2019, 9, 30) and certificate.recorded_at == NOW
    assert certificate.certificate_number == mine("IND-2019-017")
    # The file listed QUALITY first; the trainer's facts went in date order.
    assert [m.value for m in asha.certified_modules] == ["WC", "QUALITY"]
    assert asha.certified_at is not None and asha.certified_at.date() == date(2019, 9, 30)


def test_imported_trainers_stand_on_the_clock_of_their_real_dates(app: Certification) -> None:
    for kind, text in [
        (Kind.TRAINERS, TRAINERS),
        (Kind.CERTIFICATIONS, CERTIFICATIONS),
        (Kind.RECORDS, RECORDS),
    ]:
        assert load(app, kind, text).problems == ()
    asha, bilal = trainer(app, "asha"), trainer(app, "bilal")
    assert asha is not None and bilal is not None
    assert asha.standing is not None and asha.standing.listing is Listing.LISTED

    # What their standing workflows do on their first wake-up, with the 9- and 11-month
    # reminders: Asha is reminded at 11 months (not at 9 as well), Bilal is delisted.
    reminder = next_clock_event(asha, (9, 11), NOW)
    assert reminder is not None and reminder.months == 11 and reminder.at <= NOW
    delisting = next_clock_event(bilal, (9, 11), NOW)
    assert delisting is not None and delisting.months is None and delisting.at <= NOW
    app.delist_inactive_trainer(bilal.trainer_id, "delist-bilal", NOW)
    assert app.trainer(bilal.trainer_id).listed is False


def test_a_dry_run_reports_every_row_s_problem_and_writes_nothing(app: Certification) -> None:
    load(app, Kind.TRAINERS, TRAINERS)
    before = events(app)
    wrong = """email,module,certified_on,certificate_number
asha@example.org,WC,2019-09-30,IND-2019-017
nobody@example.org,WC,2019-09-30,X-1
bilal@example.org,OSH,2020-05-05,PAK-2020-003
carolina@example.org,GARDENING,2020-05-05,COL-1
carolina@example.org,WC,30/05/2020,COL-1
carolina@example.org,WC,2031-01-01,COL-2
"""
    report = load(app, Kind.CERTIFICATIONS, wrong, dry_run=True)

    assert report.dry_run and report.written == 1
    problems = report.problems
    assert [(p.row, p.column) for p in problems] == [
        (3, "email"),
        (4, "module"),
        (5, "module"),
        (6, "certified_on"),
        (7, "module"),
    ]
    assert "no trainer is registered with nobody@" in problems[0].reason
    assert "foundation module" in problems[1].reason
    assert "GARDENING" in problems[2].reason and "YYYY-MM-DD" in problems[3].reason
    assert "in the future" in problems[4].reason
    assert events(app) == before, "a dry run writes nothing"


def test_a_file_with_one_bad_row_writes_nothing_at_all(app: Certification) -> None:
    before = events(app)
    report = load(app, Kind.TRAINERS, TRAINERS + "Dung Nguyen,dung@example.org,VN,,no\n")
    assert not report.dry_run and report.written == 0
    assert [(p.row, p.column) for p in report.problems] == [(5, "registered_on")]
    assert events(app) == before


def test_a_file_with_a_wrong_header_is_refused_before_any_row(app: Certification) -> None:
    before = events(app)
    report = load(app, Kind.TRAINERS, "name,mail,country\nAsha,a@example.org,IN\n")
    assert [(p.row, p.column) for p in report.problems] == [
        (1, "email"),
        (1, "mail"),
        (1, "registered_on"),
    ]
    assert events(app) == before


def test_only_the_programme_office_imports(app: Certification) -> None:
    with pytest.raises(NotPermitted):
        import_csv(app, Kind.TRAINERS, TRAINERS, Actor("t", Role.TRAINER), NOW)


def test_an_export_imports_into_another_store_as_the_same_records(
    in_memory: Certification, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app = in_memory  # a store of this test's own: the export holds every trainer in it
    for kind, text in [
        (Kind.TRAINERS, TRAINERS),
        (Kind.CERTIFICATIONS, CERTIFICATIONS),
        (Kind.RECORDS, RECORDS),
    ]:
        load(app, kind, text)
    exported = {kind: export_csv(app, kind) for kind in Kind}
    assert mine("asha@example.org,WC,2019-09-30,IND-2019-017") in exported[Kind.CERTIFICATIONS]

    other_dir = tmp_path_factory.mktemp("other") / "data"
    other = build_certification(migrated(Settings(data_dir=other_dir)))
    try:
        for kind in Kind:
            imported = import_csv(other, kind, exported[kind], OFFICE, NOW)
            assert imported.problems == ()
        assert {kind: export_csv(other, kind) for kind in Kind} == exported
    finally:
        other.close()


def test_a_nul_byte_is_a_problem_of_its_row_and_column_and_nothing_is_written(
    app: Certification,
) -> None:
    before = events(app)
    report = load(app, Kind.TRAINERS, TRAINERS + "Eve\x00,eve@example.org,GH,2020-01-01,no\n")
    assert [(p.row, p.column) for p in report.problems] == [(5, "name")]
    header = load(app, Kind.TRAINERS, "name,\x00email\n")
    assert {p.row for p in header.problems} == {1}
    assert events(app) == before
