"""`score credentials …`: rotate the issuer's signing key; issue the credentials of trainers
certified before credentials existed."""

from __future__ import annotations

import typer

from service.settings import Settings

credentials = typer.Typer(help="Signed credentials: keys and issuance.", no_args_is_help=True)


@credentials.command("rotate")
def rotate_key() -> None:
    """Add a new signing key: it signs from now on; older keys stay published and verify."""
    from service.app.credentials.keys import IssuerKeys

    keys = IssuerKeys.at(Settings().issuer_key_dir)
    key = keys.rotate()
    typer.echo(f"New signing key {key.kid}; {len(keys.all())} keys published in the JWKS.")


@credentials.command("keys")
def list_keys() -> None:
    """The key ids in the JWKS, oldest first; the last one signs."""
    from service.app.credentials.keys import IssuerKeys

    for key in IssuerKeys.at(Settings().issuer_key_dir).all():
        typer.echo(key.kid)


@credentials.command("issue-missing")
def issue_missing() -> None:
    """Issue a credential to every certified trainer who has none (certified before 0.2).
    Safe to run again: a trainer whose credential is in line gets nothing new."""
    from service.bootstrap.parts import build_certification, build_credentials
    from service.storage.database import create_service_engine

    settings = Settings()
    app = build_certification(settings)
    engine = create_service_engine(settings)
    try:
        service = build_credentials(settings, app)
        issued = 0
        for trainer_id in _certified_trainers(engine, settings.read_model_prefix):
            state = app.trainer(trainer_id)
            if state.credential is None:
                service.issue_missing(trainer_id, f"issue-missing/{trainer_id}")
                issued += 1
        typer.echo(f"Issued {issued} credential(s).")
    finally:
        engine.dispose()
        app.close()


def _certified_trainers(engine: object, prefix: str) -> list[str]:
    """The certified trainers, from the trainers read model (run after the projector)."""
    from sqlalchemy import Engine, text

    assert isinstance(engine, Engine)
    query = text(f"SELECT trainer_id FROM {prefix}trainers WHERE certificate_number IS NOT NULL")
    with engine.connect() as conn:
        return [str(row[0]) for row in conn.execute(query)]
