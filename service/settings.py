"""All configuration, from environment variables (prefix SCORE_) or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCORE_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the event store and read models; "
        "default: a SQLite file in data_dir. PostgreSQL: postgresql+psycopg://user@host/db",
    )
    event_store: Literal["database", "memory"] = Field(
        default="database",
        description="memory: eventsourcing's in-process store (POPO), kept by no other "
        "process and lost on exit; for tests of the application alone",
    )
    aggregate_cache_size: int = 10_000
    schema_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        description="how long a process started beside `score migrate` waits for the "
        "database to reach the revision it needs before it gives up",
    )

    read_model_prefix: str = Field(
        default="rm_", description="name prefix of the read-model tables (beside the events)"
    )
    projector_batch_size: int = Field(
        default=1000, ge=1, description="notifications the projector commits per transaction"
    )
    projector_poll_seconds: float = Field(
        default=0.01,
        gt=0,
        description="how often an idle projector looks for new events on SQLite (on "
        "PostgreSQL it waits for the notification that events were stored)",
    )
    projector_safety_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="on PostgreSQL, how long an idle projector waits for a notification "
        "before it looks all the same (a safety net for a notification lost); keep it "
        "within the read-your-writes timeout, so that reads still see their writes in time "
        "without them",
    )
    read_your_writes_timeout_seconds: float = Field(
        default=5.0, gt=0, description="how long a read waits for the projector to see a write"
    )

    temporal_address: str | None = Field(
        default=None,
        description="host:port of an external Temporal; default: start the dev server locally",
    )
    temporal_namespace: str = "default"
    task_queue: str = "score-certification"
    worker_threads: int = Field(
        default=8, ge=1, description="threads for the worker's synchronous activities"
    )
    worker_cached_workflows: int = Field(
        default=1000,
        ge=1,
        description="workflows a worker keeps in memory (~0.3 MiB each); one that wakes "
        "outside the cache is rebuilt from its history",
    )

    stall_reminder_after_days: int = 60
    reminder_months: tuple[int, ...] = (9, 11)

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "score-certification@ilo.org"
    office_email: str | None = Field(
        default=None,
        description="the programme office's address: copied on stall reminders of journeys "
        "that wait on the office (a recommended candidate to certify)",
    )
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = 30.0

    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="the URL the public reaches this service at: credentials name their "
        "issuer, status lists and verification page under it (stable: it is in every "
        "credential issued)",
    )
    credential_key_dir: Path | None = Field(
        default=None,
        description="folder of the issuer's Ed25519 signing keys (one PEM per key id, 0600); "
        "default: data_dir/issuer-keys, with a first key generated on first start",
    )

    webhooks_allow_private: bool = Field(
        default=False,
        description="let webhooks go over plain http and to loopback, private and link-local "
        "addresses (a receiver on this machine, in development); never in production",
    )

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    jwt_secret: SecretStr | None = Field(
        default=None, description="at least 32 random bytes; default: generated once in data_dir"
    )
    token_minutes: int = 8 * 60
    # How long an invitation link to choose one's password holds (the office can send another).
    invitation_hours: int = Field(default=72, ge=1, le=24 * 30)
    secure_cookies: bool | None = Field(
        default=None,
        description="send the web pages' session cookie over HTTPS only; default: yes, "
        "unless api_host is a loopback address (local development over plain http)",
    )
    # argon2id cost; the defaults are pwdlib's recommendation (tests lower them for speed).
    argon2_memory_kib: int = 65536
    argon2_time_cost: int = 3
    login_account_limits: str = Field(
        default="5/minute;10/15 minutes;20/hour",
        description="failed logins one username may have in each moving window before it "
        "must wait (limits notation); each longer window makes the wait longer",
    )
    login_client_limits: str = Field(
        default="30/minute;300/hour",
        description="failed logins one client address may have in each moving window",
    )
    login_concurrent_hashes: int = Field(
        default=2,
        ge=1,
        description="password checks at once per API process; each holds argon2_memory_kib",
    )
    login_queue: int = Field(
        default=16,
        ge=0,
        description="logins that may wait for a password check; beyond them: 503, Retry-After",
    )

    admin_password: SecretStr | None = Field(
        default=None,
        description="`score first-admin`: the password of the first programme-office user "
        "`admin`, made once on an install without users (from the deploy's secret store)",
    )

    # -- what an operator sees: logs, metrics, traces (docs/operations.md) --------------------
    log_format: Literal["console", "json"] = Field(
        default="console",
        description="console: readable lines for a person; json: one JSON object per line, "
        "for a log collector (set it in production)",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="the worker's or projector's /metrics port (the API serves /metrics on "
        "its own port); unset: no metrics endpoint",
    )
    temporal_metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="the worker's port for the Temporal SDK's own metrics (Prometheus)",
    )
    otlp_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP collector base URL (e.g. http://otel-collector:4318) to export "
        "traces to; unset: no traces leave the process",
    )
    projector_leader_check_seconds: float = Field(
        default=1.0,
        gt=0,
        description="how often a standby projector tries to take over, and the active one "
        "checks that it still holds the lead",
    )
    projector_leader_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        description="how long the active projector may stay quiet (no check) before a "
        "standby takes over: on PostgreSQL by ending its lock session (this is also that "
        "session's keepalive, user and statement timeout, and how long a projector's batch "
        "may stay idle in its transaction), on SQLite once its lease has run out (a killed "
        "leader is seen at the standby's next check: its file lock is let go of). Several times "
        "the check interval",
    )

    @field_validator("login_account_limits", "login_client_limits")
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as error:
            raise ValueError(f"write limits like '5/minute;20/hour' ({error})") from None
        return value

    @model_validator(mode="after")
    def _leader_timeout_outlasts_checks(self) -> Settings:
        # The leader's checks are its heartbeat: a timeout within a few checks would have
        # standbys end a healthy leader's session.
        if self.projector_leader_timeout_seconds < 3 * self.projector_leader_check_seconds:
            raise ValueError(
                "SCORE_PROJECTOR_LEADER_TIMEOUT_SECONDS must be at least 3 times "
                "SCORE_PROJECTOR_LEADER_CHECK_SECONDS"
            )
        return self

    @property
    def issuer_key_dir(self) -> Path:
        return self.credential_key_dir or self.data_dir / "issuer-keys"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'score.sqlite'}"

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library reads its configuration from an env mapping."""
        # Steps re-read an aggregate on every command; the cache avoids replaying it.
        cache = {"AGGREGATE_CACHE_MAXSIZE": str(self.aggregate_cache_size)}
        if self.event_store == "memory":
            return {"PERSISTENCE_MODULE": "service.storage.event_store:ChainedPOPOFactory", **cache}
        return {
            # eventsourcing_sqlalchemy, with connections checked before use (a restart of
            # PostgreSQL must not fail the next request) and the audit's hash chain written
            # by its recorder (service/storage/event_store.py).
            "PERSISTENCE_MODULE": "service.storage.event_store:ChainedSQLAlchemyFactory",
            "SQLALCHEMY_URL": self.sqlalchemy_url,
            # The event store's tables are made by `score migrate`, not by each process.
            "CREATE_TABLE": "false",
            **cache,
        }
