"""`score import trainers|certifications|records FILE.csv` and `score export …`: the
programme's past records in and out (service/app/imports.py, service/app/exports.py).

After a real import of certificates or training records, each trainer concerned has their
standing workflow started (or told) with the state the import left, so reminders and the
delisting for inactivity follow the real dates.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from tqdm import tqdm

from service.app.import_rows import Kind
from service.settings import Settings

importing = typer.Typer(help="Import past trainers, certificates and training records.")
exporting = typer.Typer(help="Export trainers, certificates and training records as CSV.")
OPERATOR = "score-import"


def _import(kind: Kind, file: Path, dry_run: bool, standings: bool) -> None:
    from domain.values import Actor, Role
    from service.app.imports import import_csv
    from service.bootstrap.parts import build_certification

    settings = Settings()
    text = file.read_text(encoding="utf-8")
    app = build_certification(settings)
    try:
        total = max(0, text.count("\n") - 1)
        with tqdm(total=total, desc=f"{kind.value}", unit="row", disable=None) as bar:
            report = import_csv(
                app,
                kind,
                text,
                Actor(OPERATOR, Role.HQ),
                datetime.now(UTC),
                dry_run=dry_run,
                progress=lambda done: _advance(bar, done),
            )
        for problem in report.problems:
            column = f", column {problem.column}" if problem.column else ""
            typer.echo(f"row {problem.row}{column}: {problem.reason}", err=True)
        verb = "would write" if dry_run else "wrote"
        typer.echo(
            f"score import {kind.value}: {report.rows} rows; {verb} {report.written}, "
            f"{report.already} imported before, {len(report.problems)} problems"
        )
        handed_over = False
        if standings and not dry_run and report.certified:
            handed_over = _start_standings(settings, app, report.certified)
    finally:
        app.close()
    if handed_over:
        from service.bootstrap.telemetry import leave_at_once

        # The Temporal client ran here: skip the interpreter's finalisation (leave_at_once).
        leave_at_once(1 if report.problems else 0)
    if report.problems:
        raise typer.Exit(1)


def _advance(bar: tqdm[Any], done: int) -> None:
    bar.update(done - bar.n)


def _start_standings(settings: Settings, app: object, trainer_ids: tuple[str, ...]) -> bool:
    if settings.temporal_address is None:
        typer.echo(
            "No Temporal address (SCORE_TEMPORAL_ADDRESS): the standing workflows were not "
            "started. Run the same import again once it is set: imported rows are skipped "
            "and the standings start.",
            err=True,
        )
        return False
    asyncio.run(_hand_over(settings, settings.temporal_address, app, trainer_ids))
    typer.echo(f"standing workflows started or told: {len(trainer_ids)}")
    return True


async def _hand_over(
    settings: Settings, address: str, app: object, trainer_ids: tuple[str, ...]
) -> None:
    from service.app.certification import Certification
    from workflows.client import JourneyGateway
    from workflows.messages import TrainerOutcome
    from workflows.worker import connect

    assert isinstance(app, Certification)
    client = await connect(address, settings.temporal_namespace)
    gateway = JourneyGateway.from_settings(client, settings)
    position = app.recorder.max_notification_id() or 0
    for trainer_id in trainer_ids:
        await gateway.hand_over_standing(TrainerOutcome(app.trainer(trainer_id), position))


DRY_RUN = typer.Option(False, "--dry-run", help="Check every row and report; write nothing.")
STANDINGS = typer.Option(
    True, help="Start (or tell) the standing workflows of the trainers concerned (Temporal)."
)
FILE = typer.Argument(..., exists=True, dir_okay=False, help="the CSV file")


@importing.command("trainers")
def import_trainers(file: Path = FILE, dry_run: bool = DRY_RUN) -> None:
    """Columns: name, email, country, registered_on (YYYY-MM-DD), expert (yes/no)."""
    _import(Kind.TRAINERS, file, dry_run, standings=False)


@importing.command("certifications")
def import_certifications(
    file: Path = FILE, dry_run: bool = DRY_RUN, standings: bool = STANDINGS
) -> None:
    """Columns: email, module, certified_on, certificate_number (the first certificate's)."""
    _import(Kind.CERTIFICATIONS, file, dry_run, standings)


@importing.command("records")
def import_records(file: Path = FILE, dry_run: bool = DRY_RUN, standings: bool = STANDINGS) -> None:
    """Columns: email, module, delivered_on, enterprises, participants, description."""
    _import(Kind.RECORDS, file, dry_run, standings)


@exporting.command("trainers")
def export_trainers() -> None:
    """Every trainer, in the shape `score import trainers` reads."""
    _export(Kind.TRAINERS)


@exporting.command("certifications")
def export_certifications() -> None:
    """Every certification, in the shape `score import certifications` reads."""
    _export(Kind.CERTIFICATIONS)


@exporting.command("records")
def export_records() -> None:
    """Every training record, in the shape `score import records` reads."""
    _export(Kind.RECORDS)


def _export(kind: Kind) -> None:
    from service.app.exports import export_csv
    from service.bootstrap.parts import build_certification

    app = build_certification(Settings())
    try:
        typer.echo(export_csv(app, kind), nl=False)
    finally:
        app.close()
