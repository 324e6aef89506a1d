"""Trainers the programme certified before this service hold their credential as soon as the
import records their certificate, as a certification here gives one: no backfill to run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from domain.trainer.aggregate import Trainer
from domain.values import Actor, Module, Role
from service.app.certification import Certification
from service.app.credentials.service import Credentials
from service.app.import_rows import Kind
from service.app.imports import import_csv
from tests.stories import new_id

OFFICE = Actor("office", Role.HQ)
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def past_files(tag: str) -> dict[Kind, str]:
    """Asha (WC in 2019, QUALITY in 2021, a record last month) and Bilal (BASICS in 2020,
    nothing since), under this test's own addresses and numbers."""
    return {
        Kind.TRAINERS: "name,email,country,registered_on,expert\n"
        f"Asha Rao,asha@{tag}.example.org,IN,2019-03-01,no\n"
        f"Bilal Khan,bilal@{tag}.example.org,PK,2019-04-02,no\n",
        Kind.CERTIFICATIONS: "email,module,certified_on,certificate_number\n"
        f"asha@{tag}.example.org,WC,2019-09-30,IND-{tag}-017\n"
        f"asha@{tag}.example.org,QUALITY,2021-02-10,\n"
        f"bilal@{tag}.example.org,BASICS,2020-05-05,PAK-{tag}-003\n",
        Kind.RECORDS: "email,module,delivered_on,enterprises,participants,description\n"
        f"asha@{tag}.example.org,WC,2026-10-20,3,41,Garment cluster\n",
    }


def imported(app: Certification, tag: str | None = None) -> tuple[str, str]:
    """The past files imported; Asha's and Bilal's ids."""
    tag = tag or new_id()[:8]
    for kind, text in past_files(tag).items():
        assert import_csv(app, kind, text, OFFICE, NOW).problems == ()
    asha, bilal = (app.trainer_by_email(f"{n}@{tag}.example.org") for n in ("asha", "bilal"))
    assert asha is not None and bilal is not None
    return asha.trainer_id, bilal.trainer_id


def test_an_imported_certificate_gives_its_holder_a_credential_that_verifies(
    app: Certification, credentials: Credentials
) -> None:
    asha, _ = imported(app)

    issued = credentials.current(asha)

    answer = credentials.verify(issued.jwt)
    assert answer.verified and answer.status == "valid"
    assert issued.credential.modules == (Module.WC, Module.QUALITY)
    assert issued.document["credentialSubject"]["licenseNumber"].endswith("-017")
    assert issued.credential.issued_at.date() == date(2021, 2, 10), "dated like the fact"


def test_the_import_records_the_credential_under_its_rows_in_date_order(
    app: Certification,
) -> None:
    asha, _ = imported(app)

    stored = [app.mapper.to_domain_event(e) for e in app.recorder.select_events(UUID(asha))]

    assert [type(e).__qualname__ for e in stored] == [
        "Trainer.RegisteredFromPastRecords",
        "Trainer.CertificateImported",
        "Trainer.CredentialIssued",  # issued with the certificate
        "Trainer.ModuleCertificationImported",
        "Trainer.CredentialIssued",  # reissued with QUALITY, on the same status entry
        "Trainer.TrainingRecordImported",
    ]
    issued = [e for e in stored if isinstance(e, Trainer.CredentialIssued)]
    assert issued[0].status_index == issued[1].status_index


def test_an_imported_trainer_past_the_delisting_has_the_credential_suspended(
    app: Certification, credentials: Credentials
) -> None:
    _, bilal = imported(app)
    issued = credentials.current(bilal)

    app.delist_inactive_trainer(bilal, new_id(), NOW)  # what their standing does first

    assert credentials.verify(issued.jwt).status == "suspended"


def test_importing_the_same_files_again_issues_nothing_twice(app: Certification) -> None:
    tag = new_id()[:8]
    asha, _ = imported(app, tag)
    before = app.recorder.max_notification_id()

    again = imported(app, tag)

    assert again[0] == asha
    assert app.recorder.max_notification_id() == before, "nothing written the second time"
