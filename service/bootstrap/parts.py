"""The parts every process is built from: the application, read models and accounts."""

from __future__ import annotations

import secrets
from contextlib import suppress
from datetime import timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine

from projections.store import ReadModels, read_models_at
from service.app.accounts import Accounts
from service.app.certification import Certification
from service.app.credentials.documents import Issuer
from service.app.credentials.keys import IssuerKeys
from service.app.credentials.service import Credentials
from service.app.invitations import Invitations, SecretMaker
from service.app.people_logins import PeopleLogins
from service.settings import Settings
from service.storage.database import (
    prepare_storage,
    private_directory,
    write_private_file,
)
from service.telemetry.tracing import trace_engine


def build_certification(settings: Settings) -> Certification:
    prepare_storage(settings)
    certification = Certification(env=settings.eventsourcing_env())
    datastore = getattr(certification.factory, "datastore", None)  # none in memory
    if datastore is not None:
        trace_engine(datastore.engine)  # the events' INSERTs in the step's trace
    return certification


def build_read_models(settings: Settings, *, projecting: bool = False) -> ReadModels:
    """The read models; `projecting`: for the projector among several (`score projector`),
    whose batches a frozen leader cannot hold open for longer than the leader's timeout."""
    timeout = settings.projector_leader_timeout_seconds if projecting else None
    read_models = read_models_at(settings.sqlalchemy_url, settings.read_model_prefix, timeout)
    trace_engine(read_models.engine)
    return read_models


def jwt_secret(settings: Settings) -> str:
    """The configured secret; on the embedded default, one generated once and kept in data/."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    private_directory(settings.data_dir)
    kept = settings.data_dir / "jwt-secret"
    if not kept.exists():
        # FileExistsError: a process starting beside this one wrote it first; use theirs.
        with suppress(FileExistsError):
            write_private_file(kept, secrets.token_urlsafe(48))
    return kept.read_text().strip()


def build_people_logins(
    settings: Settings, engine: Engine, accounts: Accounts, certification: Certification
) -> PeopleLogins:
    secret = jwt_secret(settings)
    secrets_ = SecretMaker(secret)
    lifetime = timedelta(hours=settings.invitation_hours)
    invitations = Invitations(engine, secret, lifetime, secrets_)
    return PeopleLogins(accounts, invitations, secrets_, certification)


def build_accounts(settings: Settings, engine: Engine) -> Accounts:
    hasher = PasswordHash(
        (Argon2Hasher(memory_cost=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost),)
    )
    lifetime = timedelta(minutes=settings.token_minutes)
    return Accounts(engine, jwt_secret(settings), lifetime, hasher)


def build_credentials(settings: Settings, certification: Certification) -> Credentials:
    """The issuer: its keys (the first generated on first start) and its public URLs."""
    issuer = Issuer(settings.public_base_url.rstrip("/"))
    return Credentials(certification, IssuerKeys.at(settings.issuer_key_dir), issuer)
