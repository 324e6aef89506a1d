"""Things registered by the office: enterprises and ToT workshops (with their corrections:
an enterprise's details edited, a workshop rescheduled or cancelled), certificate numbers."""

from __future__ import annotations

from domain.certificates import CertificateRegistry
from domain.enterprise import Enterprise
from domain.recorded import RecordedAggregate
from domain.workshop import ToTWorkshop
from projections.tables import ReadModelTables
from projections.writes import Changes


def record_registration(
    event: RecordedAggregate.Event, t: ReadModelTables, changes: Changes
) -> None:
    match event:
        case Enterprise.Registered():
            changes.put(
                t.enterprises,
                {
                    "enterprise_id": str(event.originator_id),
                    "name": event.name,
                    "country": event.country,
                    "sector": event.sector,
                    "employees": event.employees,
                    "women_employees": event.women_employees,
                    "size_warning": event.size_warning,
                    "registered_at": event.timestamp,
                },
            )
        case ToTWorkshop.Scheduled():
            changes.put(
                t.workshops,
                {
                    "workshop_id": str(event.originator_id),
                    "module": event.module,
                    "code": event.code,
                    "starts_on": event.starts_on,
                    "ends_on": event.ends_on,
                    "venue": event.venue,
                    "country": event.country,
                    "expert_id": event.expert_id,
                    "scheduled_at": event.timestamp,
                    "cancelled_reason": None,
                },
            )
        case Enterprise.DetailsEdited():
            changes.amend(
                t.enterprises,
                (str(event.originator_id),),
                {
                    "name": event.name,
                    "sector": event.sector,
                    "employees": event.employees,
                    "women_employees": event.women_employees,
                    "size_warning": event.size_warning,
                },
            )
        case ToTWorkshop.Rescheduled():
            changes.amend(
                t.workshops,
                (str(event.originator_id),),
                {"starts_on": event.starts_on, "ends_on": event.ends_on, "venue": event.venue},
            )
        case ToTWorkshop.Cancelled():
            changes.amend(
                t.workshops, (str(event.originator_id),), {"cancelled_reason": event.reason}
            )
        case CertificateRegistry.NumberIssued():
            changes.put(
                t.certificates,
                {
                    "certificate_number": event.number,
                    "trainer_id": event.trainer_id,
                    "issued_at": event.timestamp,
                },
            )
        case CertificateRegistry.PastNumberRegistered():
            changes.put(
                t.certificates,
                {
                    "certificate_number": event.number,
                    "trainer_id": event.trainer_id,
                    "issued_at": event.issued_at,
                },
            )
