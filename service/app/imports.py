"""Importing the programme's past: trainers, their certificates and their training records.

Each row is one command whose id comes from the row's content, so running the same file again
writes nothing twice. Trainers are registered through `Certification.register_trainer` like
any other; certificates and training records are decided by the trainer aggregate
(domain/trainer/past.py) and saved one row at a time. A dry run decides every row the same way
on aggregates held in memory, saves nothing, and reports each problem (row, column, reason).

The events carry when the fact happened (their timestamp: the registration, certification or
training date, at midday UTC) and when the import recorded it (`recorded_at`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain import policy
from domain.certificates import CertificateRegistry
from domain.errors import AlreadyExists, DomainError, InvalidInput, NotFound
from domain.ids import CERTIFICATE_REGISTRY_ID
from domain.policy import Action
from domain.recorded import RecordedAggregate
from domain.trainer import rules as trainer_rules
from domain.trainer.aggregate import Trainer
from domain.trainer.past import PastCertificate, clean_certificate_number, happened_at
from domain.trainer.steps import SubmitTrainingRecord
from domain.values import Actor
from service.app.certification import Certification
from service.app.import_rows import Kind, Row, RowProblem, read_rows

# The cell each kind of refusal is about, where the domain's message names no column.
BLAME: dict[Kind, str] = {
    Kind.TRAINERS: "email",
    Kind.CERTIFICATIONS: "module",
    Kind.RECORDS: "delivered_on",
}


@dataclass(frozen=True)
class ImportReport:
    kind: Kind
    dry_run: bool
    rows: int  # data rows read (the header not counted)
    written: int  # rows that wrote their fact now (a dry run: would write)
    already: int  # rows imported before: nothing written
    problems: tuple[RowProblem, ...]
    certified: tuple[str, ...] = ()  # trainers whose standing the rows concern


@dataclass
class _Run:
    """One import's progress: aggregates held between rows, what was written, what refused."""

    app: Certification
    actor: Actor
    dry_run: bool
    recorded_at: datetime
    trainers: dict[str, Trainer] = field(default_factory=dict)  # e-mail -> aggregate
    registry: CertificateRegistry | None = None
    written: int = 0
    already: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    certified: set[str] = field(default_factory=set)
    seen_emails: set[str] = field(default_factory=set)


def import_csv(
    app: Certification,
    kind: Kind,
    text: str,
    actor: Actor,
    recorded_at: datetime,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] = lambda _: None,
) -> ImportReport:
    """Import one file, all or nothing: every row is checked first (a dry run), and a file
    with a problem writes nothing. `progress` is told the rows done so far (1, 2, …)."""
    policy.require(actor, Action.IMPORT_PAST_RECORDS)
    rows, unreadable = read_rows(kind, text)
    checking = _Run(app, actor, True, recorded_at)
    checked = _take_rows(checking, kind, rows, unreadable, progress if dry_run else _quiet)
    if dry_run or checked.problems:
        return replace(checked, dry_run=dry_run, written=checked.written if dry_run else 0)
    if checked.written == 0:  # every row imported before: nothing to write
        return replace(checked, dry_run=False)
    return _take_rows(_Run(app, actor, False, recorded_at), kind, rows, [], progress)


def _quiet(_: int) -> None:
    """The check before a real import: the bar shows the writing."""


def _take_rows(
    run: _Run,
    kind: Kind,
    rows: list[Row],
    unreadable: list[RowProblem],
    progress: Callable[[int], None],
) -> ImportReport:
    take = {Kind.TRAINERS: _trainer, Kind.CERTIFICATIONS: _certificate, Kind.RECORDS: _record}
    run.problems.extend(unreadable)
    # A trainer's facts go in date order whatever the file's order.
    for done, row in enumerate(sorted(rows, key=_in_date_order), start=1):
        try:
            take[kind](run, row)
        except DomainError as refused:
            run.problems.append(RowProblem(row.number, _column(kind, refused), str(refused)))
        progress(done)
    return ImportReport(
        kind,
        run.dry_run,
        len(rows) + len({p.row for p in unreadable if p.row > 1}),
        run.written,
        run.already,
        tuple(sorted(run.problems, key=lambda p: (p.row, p.column or ""))),
        tuple(sorted(run.certified)),
    )


def _in_date_order(row: Row) -> tuple[str, str, int]:
    day = next((row.values[c] for c in ("certified_on", "delivered_on") if c in row.values), "")
    return (str(row.values.get("email", "")).lower(), str(day), row.number)


def _column(kind: Kind, refused: DomainError) -> str:
    """The column a refusal names ("email: …"), else the kind's usual suspect."""
    named, colon, _ = str(refused).partition(":")
    return named if colon and named.isidentifier() else BLAME[kind]


# -- trainers -----------------------------------------------------------------------------------


def _trainer(run: _Run, row: Row) -> None:
    v = row.values
    registration = trainer_rules.clean_registration(v["name"], v["email"], v["country"])
    if registration.email in run.seen_emails:
        raise AlreadyExists(f"email: {registration.email} is on an earlier row of this file.")
    run.seen_emails.add(registration.email)
    at = happened_at(v["registered_on"])
    if at > run.recorded_at:
        raise InvalidInput(f"registered_on: {v['registered_on']} is in the future.")
    if run.dry_run:
        existing = run.app.trainer_by_email(registration.email)
        if existing is None:
            run.written += 1
        elif _registered_by(run.app, existing.trainer_id, row.command_id):
            run.already += 1
        else:
            raise AlreadyExists(f"email: {registration.email} is already registered.")
        return
    result = run.app.register_trainer(
        v["name"],
        v["email"],
        v["country"],
        run.actor,
        row.command_id,
        at,
        is_expert=v["expert"],
        recorded_at=run.recorded_at,
    )
    if result.duplicate:
        run.already += 1
    else:
        run.written += 1


def _registered_by(app: Certification, trainer_id: str, command_id: str) -> bool:
    trainer: Trainer = app.repository.get(UUID(trainer_id))
    return trainer.version_after(command_id) is not None


# -- certificates and training records -----------------------------------------------------------


def _certificate(run: _Run, row: Row) -> None:
    v = row.values
    past = PastCertificate(v["module"], v["certified_on"], v["certificate_number"])

    def decide(trainer: Trainer) -> list[RecordedAggregate]:
        registry = _registry(run)
        if not trainer.state.is_certified:  # checked first: a refusal leaves both untouched
            original = clean_certificate_number(past.certificate_number)
            holder = registry.holders.get(original)
            if holder not in (None, str(trainer.id)):
                raise AlreadyExists(f"certificate_number: {original} is another trainer's.")
        number = trainer.import_certificate(past, run.actor, row.command_id, run.recorded_at)
        at = happened_at(past.certified_on)
        touched: list[RecordedAggregate] = [trainer]
        if number is not None:
            registry.register_past(
                number, str(trainer.id), at, run.actor, row.command_id, run.recorded_at
            )
            touched.append(registry)
        return touched + _credential_in_line(run, trainer, row, at, touched)

    _on_trainer(run, row, decide)


def _record(run: _Run, row: Row) -> None:
    v = row.values
    step = SubmitTrainingRecord(
        v["delivered_on"], v["module"].value, v["enterprises"], v["participants"], v["description"]
    )

    def decide(trainer: Trainer) -> list[RecordedAggregate]:
        trainer.import_training_record(step, run.actor, row.command_id, run.recorded_at)
        at = happened_at(step.delivered_on)
        return [trainer, *_credential_in_line(run, trainer, row, at, [trainer])]

    _on_trainer(run, row, decide)


def _credential_in_line(
    run: _Run, trainer: Trainer, row: Row, at: datetime, touched: list[RecordedAggregate]
) -> list[RecordedAggregate]:
    """The credential a certification calls for (issued, reissued with the new module, a
    suspension lifted by a record), as a normal step records it: under the row's command,
    dated like the fact (an import's facts go in date order), a status entry allocated by
    the registry this run holds. What else is to be saved with the row."""
    allocated = run.app.credential_in_line(trainer, row.command_id, at, _registry(run))
    return [allocated] if allocated is not None and allocated not in touched else []


def _on_trainer(run: _Run, row: Row, decide: Callable[[Trainer], list[RecordedAggregate]]) -> None:
    """Load (or hold) the row's trainer, decide, save unless dry; a row done before is skipped."""
    trainer = _trainer_of(run, row)
    if trainer.version_after(row.command_id) is not None:
        run.already += 1
        run.certified.add(str(trainer.id))  # a re-run starts the standings a first run could not
        return
    changed = decide(trainer)
    if not run.dry_run:
        try:
            run.app.save(*changed)
        except IntegrityError:
            # Someone changed this trainer meanwhile: forget what we hold, and say so.
            run.trainers.pop(row.email.lower(), None)
            run.registry = None
            raise DomainError(
                "email: the trainer's record changed during the import; run it again (rows "
                "already imported are skipped)."
            ) from None
    run.written += 1
    run.certified.add(str(trainer.id))


def _trainer_of(run: _Run, row: Row) -> Trainer:
    key = row.email.lower()
    if key not in run.trainers:
        found = run.app.trainer_by_email(row.email)
        if found is None:
            raise NotFound(
                f"email: no trainer is registered with {row.email}; import the trainers first."
            )
        run.trainers[key] = run.app.repository.get(UUID(found.trainer_id))
    return run.trainers[key]


def _registry(run: _Run) -> CertificateRegistry:
    if run.registry is None:
        if CERTIFICATE_REGISTRY_ID in run.app.repository:
            run.registry = run.app.repository.get(CERTIFICATE_REGISTRY_ID)
        else:
            run.registry = CertificateRegistry.open(run.recorded_at)
    assert run.registry is not None
    return run.registry
