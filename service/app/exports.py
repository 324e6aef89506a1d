"""Export trainers, certifications and training records in the shapes the import reads
(service/app/import_rows.py), from the event store: the system of record, not a read model.

Certifications earned through a journey of this service export like imported ones (their
date is the certification's), so an export imported into another store gives the same
trainers, certificates and records. A person whose personal data were erased is left out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from domain.personal import ERASED
from domain.trainer.aggregate import Trainer
from service.app.certification import Certification
from service.app.import_rows import COLUMNS, Kind

BATCH = 1000


def export_csv(app: Certification, kind: Kind) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind], lineterminator="\n")
    writer.writeheader()
    emails: dict[str, str] = {}
    for event in _trainer_events(app):
        trainer_id = str(event.originator_id)
        if isinstance(event, Trainer.Registered):
            emails[trainer_id] = event.email
        email = emails.get(trainer_id, "")
        if email == ERASED:
            continue  # erased on request (docs/personal-data.md): no row can name them
        row = _row(kind, event, email)
        if row is not None:
            writer.writerow(row)
    return out.getvalue()


def _row(kind: Kind, event: Trainer.Event, email: str) -> dict[str, Any] | None:
    day = event.timestamp.date().isoformat()
    match kind, event:
        case Kind.TRAINERS, Trainer.Registered():
            expert = "yes" if event.is_expert else "no"
            return {"name": event.name, "email": email, "country": event.country} | {
                "registered_on": day,
                "expert": expert,
            }
        case Kind.CERTIFICATIONS, Trainer.CertificateIssued():
            number = event.certificate_number
            return {"email": email, "module": event.module, "certified_on": day} | {
                "certificate_number": number
            }
        case Kind.CERTIFICATIONS, Trainer.ModuleCertified():
            return {"email": email, "module": event.module, "certified_on": day} | {
                "certificate_number": ""
            }
        case Kind.RECORDS, Trainer.TrainingRecordSubmitted():
            return {
                "email": email,
                "module": event.module,
                "delivered_on": event.delivered_on.isoformat(),
                "enterprises": event.enterprises,
                "participants": event.participants,
                "description": event.description,
            }
    return None


def _trainer_events(app: Certification) -> Iterator[Trainer.Event]:
    start = 1
    while True:
        batch = app.recorder.select_notifications(start=start, limit=BATCH)
        if not batch:
            return
        for notification in batch:
            if ":Trainer." in notification.topic:
                event = app.mapper.to_domain_event(notification)
                if isinstance(event, Trainer.Event):
                    yield event
        start = batch[-1].id + 1
