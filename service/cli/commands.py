"""The command line: `score run`, `score worker`, `score projector`, `score users` …"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from domain.values import Role
from service.cli.audit import audit
from service.cli.credentials import credentials
from service.cli.importing import exporting, importing
from service.cli.people import people
from service.settings import Settings

if TYPE_CHECKING:
    from service.app.accounts import Accounts, User
    from service.app.people_logins import Delivery, LoginGiven, PeopleLogins

app = typer.Typer(help="SCORE trainer certification service.", no_args_is_help=True)
app.add_typer(audit, name="audit")
app.add_typer(credentials, name="credentials")
app.add_typer(importing, name="import")
app.add_typer(exporting, name="export")
app.add_typer(people, name="people")

# Commands that make the schema themselves rather than wait for it.
MIGRATING_COMMANDS = frozenset({"migrate", "run"})


@app.callback()
def schema_first(ctx: typer.Context) -> None:
    # Every process checks, before anything else, that the database is at the revision this
    # release needs (waiting for a `score migrate` that runs beside it); none makes tables.
    if ctx.resilient_parsing or ctx.invoked_subcommand in MIGRATING_COMMANDS:
        return
    if "--help" in sys.argv[1:]:
        return  # `score users --help` needs no database (a group's callback runs before)
    from service.migrations import SchemaAhead, SchemaBehind, require_schema

    try:
        require_schema(Settings())
    except (SchemaBehind, SchemaAhead) as wrong:
        typer.echo(str(wrong), err=True)
        raise typer.Exit(1) from None


@app.command()
def migrate() -> None:
    """Bring the database (event store, read models, users …) to this release's schema.

    Safe to run at every deploy and by several processes at once: one migrates, the others
    wait for it and find nothing left to do.
    """
    from service.migrations import SchemaAhead
    from service.migrations import migrate as upgrade

    try:
        revision = upgrade(Settings())
    except SchemaAhead as newer:
        typer.echo(str(newer), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"score migrate: database at revision {revision} (newest)")


@app.command()
def run(demo: bool = typer.Option(False, help="Load demo data once everything is up.")) -> None:
    """Run the whole service on its embedded default (SQLite + the Temporal dev server)."""
    import asyncio

    from service.adapters.temporal_dev import DevServerMissing
    from service.cli.launcher import run_everything

    try:
        outcome = asyncio.run(run_everything(Settings(), typer.echo, demo=demo))
    except DevServerMissing as missing:
        typer.echo(f"score run: {missing}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"score run: {outcome}; every process it started has been stopped")


@app.command()
def api() -> None:
    """Serve the HTTP API (needs a running Temporal, the worker and the projector)."""
    import uvicorn

    from service.bootstrap.api import PublicBaseUrlUnset, create_api
    from service.bootstrap.telemetry import observe

    settings = Settings()
    observe("api", settings)
    try:
        served = create_api(settings)
    except PublicBaseUrlUnset as unset:
        typer.echo(f"score api: {unset}", err=True)
        raise typer.Exit(1) from None
    # uvicorn's own lines go through the logging set up above (log_config=None); its access
    # log is replaced by ours (service/http/observe.py), which carries the request id.
    uvicorn.run(
        served,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
    )


@app.command("first-admin")
def first_admin_command() -> None:
    """Create the programme-office user `admin` with SCORE_ADMIN_PASSWORD, on an install
    without users; otherwise do nothing. Safe at every deploy (a one-shot job)."""
    from service.cli.welcome import ADMIN, first_admin

    settings = Settings()
    if settings.admin_password is None:
        typer.echo("Set SCORE_ADMIN_PASSWORD (from your secret store) first.", err=True)
        raise typer.Exit(2)
    try:
        made = first_admin(settings)
    except ValueError as refused:  # e.g. a password the accounts refuse
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"first-admin: created hq user {ADMIN}"
        if made
        else "first-admin: users exist already; nothing to do"
    )


@app.command("backfill-registers")
def backfill_registers_command() -> None:
    """Once, after `score migrate` on a store older than the enterprise-name register: claim
    every enterprise's present name for it, and move the logins of records merged before
    logins moved with a merge. Safe to repeat; a name another firm holds is reported, not
    claimed (exit 0 all the same)."""
    from domain.values import Actor
    from service.app.backfill import backfill_registers
    from service.bootstrap.parts import build_certification

    settings = Settings()
    certification = build_certification(settings)
    try:
        done = backfill_registers(
            certification,
            _accounts(settings),
            Actor("score-backfill-registers", Role.HQ),
            datetime.now(UTC),
        )
    finally:
        certification.close()
    typer.echo(
        f"backfill-registers: {done.names_claimed} enterprise names claimed, "
        f"{done.names_held} held already, {len(done.clashes)} held by another firm; "
        f"{done.merged_records} merged records, {done.logins_moved} logins moved"
    )
    for clash in done.clashes:
        typer.echo(
            f"  enterprise {clash.enterprise_id} is named {clash.name} ({clash.country}), a name "
            f"enterprise {clash.holder} holds: correct the name of one (PATCH /enterprises/{{id}})"
        )


users = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(users, name="users")


@users.command("create")
def create_user(
    username: str = typer.Argument(..., help="the login name"),
    role: Role = typer.Option(..., help="hq, expert, trainer or auditor"),
    email: str | None = typer.Option(
        None, help="experts and trainers: the e-mail they were registered with"
    ),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    countries: str | None = typer.Option(
        None,
        help="hq only: a country office's ISO 3166-1 alpha-2 codes, e.g. IN,LK; "
        "without it, headquarters (every country)",
    ),
) -> None:
    """Create a user who logs in with a password; experts and trainers act as themselves."""
    from service.app.accounts import UserExists

    settings = Settings()
    trainer_id = None
    if role in {Role.EXPERT, Role.TRAINER}:
        if email is None:
            raise typer.BadParameter("experts and trainers need --email", param_hint="--email")
        trainer_id = _registered_trainer(settings, email)
    try:
        user = _accounts(settings).create(username, password, role, trainer_id, countries)
    except (UserExists, ValueError) as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {role.value} user {username}{_office_of(user)}")


def _office_of(user: User) -> str:
    return f" for the country office of {', '.join(user.countries)}" if user.countries else ""


def _accounts(settings: Settings) -> Accounts:
    from service.bootstrap.parts import build_accounts
    from service.storage.database import create_service_engine

    return build_accounts(settings, create_service_engine(settings))


def _registered_trainer(settings: Settings, email: str) -> str:
    """The id of the trainer registered with `email`, or exit 1 saying so."""
    from domain.errors import InvalidInput
    from service.bootstrap.parts import build_certification

    certification = build_certification(settings)
    try:
        trainer_id = certification.trainer_id_for_email(email)
    except InvalidInput as refused:
        typer.echo(refused.reason, err=True)
        raise typer.Exit(1) from None
    finally:
        certification.close()
    if trainer_id is None:
        typer.echo(f"No trainer is registered with e-mail {email}; register them first.", err=True)
        raise typer.Exit(1)
    return str(trainer_id)


def _changing_user(change: Callable[[Accounts], str]) -> None:
    """Run a change to a user; say what it did, or why not (exit 1)."""
    from service.app.accounts import UnknownUser

    try:
        typer.echo(change(_accounts(Settings())))
    except (UnknownUser, ValueError) as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None


@users.command("deactivate")
def deactivate_user(username: str = typer.Argument(..., help="the login name")) -> None:
    """Refuse the user's logins and every token they hold, at once (their history stays)."""

    def deactivated(accounts: Accounts) -> str:
        accounts.deactivate(username)
        return f"deactivated user {username}: their logins and tokens are refused"

    _changing_user(deactivated)


@users.command("activate")
def activate_user(username: str = typer.Argument(..., help="the login name")) -> None:
    """Let a deactivated user log in again (tokens from before stay refused)."""

    def activated(accounts: Accounts) -> str:
        accounts.activate(username)
        return f"activated user {username}: they can log in again"

    _changing_user(activated)


@users.command("set-role")
def set_user_role(
    username: str = typer.Argument(..., help="the login name"),
    role: Role = typer.Argument(..., help="hq, expert, trainer or auditor"),
    email: str | None = typer.Option(
        None, help="becoming an expert or trainer: the e-mail they were registered with"
    ),
    countries: str | None = typer.Option(
        None,
        help="hq only: a country office's ISO 3166-1 alpha-2 codes, e.g. IN,LK; "
        "without it, headquarters (every country)",
    ),
) -> None:
    """Give a user another role; it applies from their next request, token or not. An
    office user given no --countries becomes headquarters."""
    settings = Settings()
    trainer_id = _registered_trainer(settings, email) if email is not None else None

    def changed(accounts: Accounts) -> str:
        user = accounts.set_role(username, role, trainer_id, countries)
        return f"user {username} is now {user.role.value}{_office_of(user)}"

    _changing_user(changed)


@users.command("invite")
def invite_user(
    email: str = typer.Argument(..., help="the e-mail the candidate or expert was registered with"),
    username: str | None = typer.Option(None, help="the login name; default: the e-mail"),
    one_time_password: bool = typer.Option(
        False, "--one-time-password", help="print a one-time password instead of a link"
    ),
    site: str | None = typer.Option(None, help="the pages' address; default: api host and port"),
) -> None:
    """Give a registered candidate or expert a login: an invitation link that expires, or a
    one-time password (printed once; neither is stored)."""
    settings = Settings()
    trainer_id = _registered_trainer(settings, email)
    _delivered(
        settings,
        site,
        lambda logins, delivery, command_id, now: logins.give(
            trainer_id, username, delivery, command_id, now
        ),
        one_time_password,
    )


@users.command("reset")
def reset_user(
    username: str = typer.Argument(..., help="the login name of a candidate or expert"),
    one_time_password: bool = typer.Option(
        False, "--one-time-password", help="print a one-time password instead of a link"
    ),
    site: str | None = typer.Option(None, help="the pages' address; default: api host and port"),
) -> None:
    """A new invitation or one-time password: the old password and tokens stop working."""
    _delivered(
        Settings(),
        site,
        lambda logins, delivery, command_id, now: logins.reset(username, delivery, command_id, now),
        one_time_password,
    )


def _delivered(
    settings: Settings,
    site: str | None,
    give: Callable[[PeopleLogins, Delivery, str, datetime], LoginGiven],
    one_time_password: bool,
) -> None:
    """Give (or reset) the login and print its secret once; or why not (exit 1)."""
    from domain.errors import DomainError
    from service.app.people_logins import Delivery
    from service.bootstrap.parts import build_certification, build_people_logins
    from service.storage.database import create_service_engine

    delivery = Delivery.ONE_TIME_PASSWORD if one_time_password else Delivery.INVITATION
    engine = create_service_engine(settings)
    certification = build_certification(settings)
    logins = build_people_logins(settings, engine, _accounts(settings), certification)
    try:
        given = give(logins, delivery, uuid.uuid4().hex, datetime.now(UTC))
    except DomainError as refused:
        typer.echo(refused.reason, err=True)
        raise typer.Exit(1) from None
    finally:
        certification.close()
        engine.dispose()
    name = given.login.username
    if given.one_time_password is not None:
        typer.echo(f"{name} logs in with the one-time password {given.one_time_password}")
    elif given.invitation is not None:
        base = site or f"http://{settings.api_host}:{settings.api_port}"
        typer.echo(
            f"{name} chooses a password at {base.rstrip('/')}/invitation?token="
            f"{given.invitation.token} (until {given.invitation.expires_at:%Y-%m-%d %H:%M} UTC)"
        )


@app.command()
def check() -> None:
    """Open the event store and report how many events it holds."""
    from service.bootstrap.parts import build_certification

    certification = build_certification(Settings())
    try:
        typer.echo(f"event store ok: {certification.recorder.max_notification_id() or 0} events")
    finally:
        certification.close()


projector_commands = typer.Typer(
    help="The projector: follow the event store (no sub-command), its status, recorded skips.",
    invoke_without_command=True,
)
app.add_typer(projector_commands, name="projector")


@projector_commands.callback()
def projector(ctx: typer.Context) -> None:
    """Keep the read models up to date from the event store until stopped (Ctrl-C).

    At an event it cannot project, it stays up, records that it is stuck (see `score projector
    status` and /health/ready) and tries again every 10 s.
    """
    if ctx.invoked_subcommand is not None:
        return
    import signal
    import threading

    from service.bootstrap.projector import run_projector
    from service.bootstrap.telemetry import observe

    settings = Settings()
    observe("projector", settings)
    stopping = threading.Event()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: stopping.set())
    run_projector(settings, stopping, lambda said: typer.echo(said))


@projector_commands.command("skip")
def skip_event(
    position: int = typer.Argument(..., help="the notification id the projector is stuck at"),
    reason: str = typer.Option(
        ...,
        help=(
            "why the read models may leave this event out; kept for the audit and shown by "
            "/health/ready to anyone, so write no personal data"
        ),
    ),
    by: str | None = typer.Option(None, help="who decides it; default: the logged-in OS user"),
) -> None:
    """Leave out the event at POSITION, which the projector is stuck on (audited).

    Who, when and why are recorded beside the events; the live projector and every rebuild
    honour the skip, and the stored event stays as it is.
    """
    from datetime import UTC, datetime

    from projections.skips import SkipList, SkipRefused
    from projections.status import read_progress
    from projections.store import read_models_at
    from service.bootstrap.parts import build_certification

    settings = Settings()
    certification = build_certification(settings)
    read_models = read_models_at(settings.sqlalchemy_url, settings.read_model_prefix)
    try:
        found = certification.recorder.select_notifications(position, 1, stop=position)
        if not found:
            typer.echo(f"No event is stored at position {position}.", err=True)
            raise typer.Exit(1)
        progress = read_progress(read_models)
        skip = SkipList.of(certification).record(
            found[0],
            reason,
            by or _operator(),
            datetime.now(UTC),
            progress.stuck.position if progress.stuck else None,
            projected_to=progress.position,
        )
    except SkipRefused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(1) from None
    finally:
        read_models.engine.dispose()
        certification.close()
    typer.echo(
        f"skipped event {skip.position} ({skip.topic} v{skip.version} of {skip.aggregate_id}) "
        f"by {skip.skipped_by}: {skip.reason}. The projector moves on at its next attempt."
    )


def _operator() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        typer.echo("Cannot tell who you are; say it with --by.", err=True)
        raise typer.Exit(2) from None


@projector_commands.command("status")
def projector_status() -> None:
    """Where the read models are, whether the projector is stuck (where, why), and the skips."""
    from projections.skips import SkipList
    from projections.status import read_progress
    from projections.store import read_models_at
    from service.bootstrap.parts import build_certification

    settings = Settings()
    certification = build_certification(settings)
    read_models = read_models_at(settings.sqlalchemy_url, settings.read_model_prefix)
    try:
        events = certification.recorder.max_notification_id() or 0
        progress = read_progress(read_models)
        skips = SkipList.of(certification).load().skips
    finally:
        read_models.engine.dispose()
        certification.close()
    typer.echo(f"event store at {events}; read models at {progress.position}")
    if progress.stuck is not None:
        s = progress.stuck
        typer.echo(f"STUCK at {s.position} since {s.since.isoformat()}: {s.reason}")
    for skip in skips:
        typer.echo(
            f"skipped {skip.position} ({skip.topic} v{skip.version} of {skip.aggregate_id}) "
            f"by {skip.skipped_by} at {skip.skipped_at.isoformat()}: {skip.reason}"
        )
    if progress.stuck is not None:
        raise typer.Exit(1)


@app.command("rebuild-read-models")
def rebuild_read_models(
    beside: str | None = typer.Option(
        None,
        help="rebuild into tables with this prefix in the same database (kept afterwards); "
        "default: a throw-away in-memory SQLite database",
    ),
    show: int = typer.Option(20, help="how many differences to print"),
    database_url: str | None = typer.Option(
        None,
        help="rebuild into this database instead (e.g. a fresh PostgreSQL one); "
        "its read-model tables with the prefix (--beside, default rm_) are replaced",
    ),
) -> None:
    """Rebuild every read model from the events and report each difference from the live ones."""
    from projections.rebuild import rebuild_and_compare
    from projections.store import read_models_at
    from projections.tables import DEFAULT_PREFIX
    from service.bootstrap.parts import build_certification
    from service.cli.progress import progress_bar

    settings = Settings()
    certification = build_certification(settings)
    live = read_models_at(settings.sqlalchemy_url, settings.read_model_prefix)
    target = database_url or settings.sqlalchemy_url
    scratch = read_models_at(target, beside or DEFAULT_PREFIX) if beside or database_url else None
    last = certification.recorder.max_notification_id() or 0
    try:
        with progress_bar(certification, "rebuilding read models", last):
            report = rebuild_and_compare(certification, live, scratch)
    finally:
        for opened in (live, scratch):
            if opened is not None:
                opened.engine.dispose()
        certification.close()
    typer.echo(
        f"rebuilt up to position {report.position}: {report.rows_compared} rows compared, "
        f"{len(report.differences)} differ"
    )
    for difference in report.differences[:show]:
        typer.echo(f"  {difference.table} {difference.key}: {difference.kind} {difference.changes}")
    if not report.identical:
        raise typer.Exit(1)


@app.command()
def worker(
    address: str | None = typer.Option(
        None, help="host:port of the Temporal frontend; default: SCORE_TEMPORAL_ADDRESS"
    ),
) -> None:
    """Run the Temporal worker (journeys, standings and their activities) until stopped."""
    import asyncio

    from service.bootstrap.telemetry import leave_at_once, observe
    from service.bootstrap.worker import run_worker

    settings = Settings()
    observe("worker", settings)
    target = address or settings.temporal_address
    if target is None:
        typer.echo("No Temporal address: set SCORE_TEMPORAL_ADDRESS or pass --address.", err=True)
        raise typer.Exit(2)
    typer.echo(f"worker: Temporal at {target}, task queue {settings.task_queue}")
    asyncio.run(run_worker(settings, target))
    leave_at_once(0)  # stopped cleanly, everything closed: skip the interpreter's finalisation


if __name__ == "__main__":
    app()
