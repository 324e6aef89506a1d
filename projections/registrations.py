"""Things registered by the office: enterprises and ToT workshops (with their corrections:
an enterprise's details edited, a workshop rescheduled or cancelled), certificate numbers."""

from __future__ import annotations

from domain.certificates import CertificateRegistry
from domain.enterprise import Enterprise
from domain.recorded import RecordedAggregate
from domain.size_warnings import SizeWarning
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
                    **_warning_columns(
                        SizeWarning.from_event(event.size_warning, event.size_warning_as_recorded)
                    ),
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
                    **_warning_columns(
                        SizeWarning.from_event(event.size_warning, event.size_warning_as_recorded)
                    ),
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


def _warning_columns(warning: SizeWarning | None) -> dict[str, object]:
    """The enterprise's size warning in its columns: its English sentence, code and params
    (a warning recorded before codes: its words as recorded, no code)."""
    if warning is None:
        return {"size_warning": None, "size_warning_code": None, "size_warning_params": None}
    return {
        "size_warning": warning.detail,
        "size_warning_code": warning.code,
        "size_warning_params": dict(warning.params) if warning.code is not None else None,
    }
