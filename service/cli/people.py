"""`score people …`: what the programme office does to a person's record from the server."""

from __future__ import annotations

import getpass
import uuid
from datetime import UTC, datetime

import typer

from domain.errors import DomainError
from domain.values import Actor, Role
from service.settings import Settings

people = typer.Typer(help="People's records: erasure on request.", no_args_is_help=True)


@people.command("erase")
def erase(
    trainer_id: str = typer.Argument(..., help="the trainer id of the person"),
    reason: str = typer.Option(..., help="why: the person's request and its date"),
) -> None:
    """Erase a person's personal data (docs/personal-data.md): their name and e-mail read
    "[erased]" everywhere, they leave the public list, their credential is revoked and their
    login deleted; the history keeps its facts and `score audit verify` still says intact."""
    from service.app.erasure import Erasure
    from service.bootstrap.parts import build_certification
    from service.storage.database import create_service_engine

    settings = Settings()
    engine = create_service_engine(settings)
    certification = build_certification(settings)
    operator = Actor(f"cli:{_operator()}", Role.HQ)
    try:
        erased = Erasure(certification, engine).erase(
            trainer_id, reason, operator, f"cli-erasure:{uuid.uuid4()}", datetime.now(UTC)
        )
    except DomainError as refused:
        typer.echo(refused.reason, err=True)
        raise typer.Exit(1) from None
    finally:
        certification.close()
        engine.dispose()
    typer.echo(
        f"Erased the personal data of trainer {erased.state.trainer_id}; "
        "their records now read [erased]."
    )


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
