"""`score audit …`: verify the hash chain, export history, seal a store older than the chain.

Every command here is an audit read too, so it is recorded in the audit read log under the
operating-system user who ran it (role `cli`).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import typer

from domain.errors import DomainError
from service.app.audit.export import ExportFormat
from service.settings import Settings
from service.storage.chain import chain_of

if TYPE_CHECKING:  # `score --help` should not load the event store
    from service.app.audit.verify import VerifyReport
    from service.app.certification import Certification

audit = typer.Typer(help="Audit: verify the hash chain, export history.", no_args_is_help=True)


@contextmanager
def _certification(command: str, **parameters: str | None) -> Iterator[Certification]:
    """The event store, with this command recorded as an audit read; refusals as messages."""
    from service.app.audit.access_log import AuditReadLog
    from service.bootstrap.parts import build_certification
    from service.storage.database import create_service_engine

    settings = Settings()
    engine = create_service_engine(settings)
    given = {k: [v] for k, v in parameters.items() if v is not None}
    AuditReadLog(engine).record(getpass.getuser(), "cli", command, given, datetime.now(UTC))
    engine.dispose()
    certification = build_certification(settings)
    try:
        yield certification
    except DomainError as refused:
        typer.echo(refused.reason, err=True)
        raise typer.Exit(2) from None
    finally:
        certification.close()


@audit.command("verify")
def verify(
    anchor: str | None = typer.Option(
        None, help="a store digest printed by an earlier verify, POSITION:DIGEST, to check"
    ),
    show: int = typer.Option(50, help="how many problems to print (the first of each chain)"),
) -> None:
    """Recompute every aggregate's hash chain; exit 1 on any altered, missing, unchained or
    reordered event, or an anchor that no longer holds."""
    from service.app.audit.verify import Anchor, verify_chains

    try:
        kept = Anchor.parse(anchor) if anchor else None
    except ValueError as bad:
        raise typer.BadParameter(str(bad), param_hint="--anchor") from None
    with _certification("score audit verify", anchor=anchor) as certification:
        report = verify_chains(chain_of(certification), kept)
    _print_report(report, show)
    if not report.intact:
        raise typer.Exit(1)


def _print_report(report: VerifyReport, show: int) -> None:
    typer.echo(
        f"checked {report.events_checked} events in {report.chains_checked} chains "
        f"up to position {report.position}: {len(report.problems)} chains broken"
    )
    digest = report.digest
    typer.echo(f"store digest {digest.position}:{digest.digest}")
    typer.echo("  (keep it outside the database; check it later with --anchor)")
    if (check := report.anchor_check) is not None:
        kept = f"{check.anchor.position}:{check.anchor.digest}"
        if check.holds:
            typer.echo(f"anchor {kept} holds")
        elif check.recomputed is None:
            typer.echo(f"anchor {kept} DOES NOT HOLD: the store ends before its position")
        else:
            typer.echo(
                f"anchor {kept} DOES NOT HOLD: the links up to it hash to {check.recomputed}"
            )
    for problem in report.problems[:show]:
        where = "" if problem.position is None else f" at position {problem.position}"
        typer.echo(
            f"  {problem.kind:<9} {problem.aggregate_id} v{problem.version}{where}: "
            f"{problem.detail}"
        )


@audit.command("export")
def export_history(
    trainer: str | None = typer.Option(None, help="one trainer and all their journeys"),
    journey: str | None = typer.Option(None, help="one journey"),
    form: ExportFormat = typer.Option(ExportFormat.NDJSON, "--format", help="ndjson or csv"),
    since: str | None = typer.Option(None, help="from this date or time (with its zone)"),
    until: str | None = typer.Option(None, help="up to this date (its end) or time"),
    types: list[str] | None = typer.Option(None, "--type", help="only this event type"),
    output: Path | None = typer.Option(None, help="write here; default: standard output"),
) -> None:
    """Export history, in order, as NDJSON or CSV (default: every event in the store)."""
    from service.app.audit import history
    from service.app.audit.export import export

    if trainer and journey:
        raise typer.BadParameter("give --trainer or --journey, not both")
    parameters = {"trainer": trainer, "journey": journey, "format": form.value}
    with _certification("score audit export", **parameters, since=since, until=until) as app:
        only = history.HistoryFilter.from_text(since, until, types)
        aggregates = (
            history.trainer_aggregates(app, trainer)
            if trainer
            else history.journey_aggregates(app, journey)
            if journey
            else None
        )
        chunks = export(history.entries(app, aggregates, only), form)
        with _opened(output) as out:
            for chunk in chunks:
                out.write(chunk)


@contextmanager
def _opened(output: Path | None) -> Iterator[BinaryIO]:
    if output is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with output.open("wb") as file:
        yield file


@audit.command("seal")
def seal(
    yes: bool = typer.Option(False, "--yes", help="confirm: the service is not writing now"),
) -> None:
    """Chain the events of a store that predates the hash chain (once, writers stopped).

    Sealing vouches for the events as they are now; aggregates chained in part are left
    for verify to report."""
    from service.app.audit.seal import seal_unchained

    if not yes:
        typer.echo("Stop the service first, then run: score audit seal --yes", err=True)
        raise typer.Exit(2)
    with _certification("score audit seal") as certification:
        report = seal_unchained(chain_of(certification))
    typer.echo(
        f"sealed {report.events_sealed} events of {report.aggregates_sealed} aggregates; "
        f"{report.aggregates_left} chained in part were left for verify to report"
    )
