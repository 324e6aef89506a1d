"""The application layer: each command loads aggregates, lets the domain decide, and saves.

Commands are idempotent by command id: a command already applied appends nothing and returns
the state it produced the first time. Concurrent writers are resolved by optimistic
concurrency: the loser reloads and decides again (a retry may then be refused by the rules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random

from domain import ids, policy
from domain.calendar import latest_local_date
from domain.certificates import CertificateRegistry
from domain.enterprise import Enterprise, EnterpriseDetails, EnterpriseState, clean_details
from domain.errors import AlreadyExists, NotFound, TryAgain
from domain.journey import rules as journey_rules
from domain.journey.aggregate import Journey
from domain.journey.state import JourneyState, Stage
from domain.journey.steps import JourneyStep, RecordToTResult, SelectEnterprise
from domain.policy import Action
from domain.recorded import RecordedAggregate
from domain.trainer import rules as trainer_rules
from domain.trainer.aggregate import Trainer
from domain.trainer.state import TrainerState
from domain.trainer.steps import StandingStep
from domain.values import Actor, Material, Module
from domain.workshop import ToTWorkshop, WorkshopPlan, WorkshopState, clean_plan
from service.storage.transcodings import DateAsISO

S = TypeVar("S")
A = TypeVar("A", bound=RecordedAggregate)

CONFLICT_RETRIES = 5


class ConcurrentChange(TryAgain):
    """Several people changed the same record at once, and retrying did not settle it."""


@dataclass(frozen=True)
class Result(Generic[S]):
    """What a command produced, and the log position a reader waits for to see it."""

    state: S
    position: int
    duplicate: bool = False


class Certification(Application[UUID]):
    """The system of record for trainers, workshops, enterprises and journeys.

    Plain eventsourcing: the audit's hash chain is written by the event store's recorder
    (service/storage/event_store.py), so this runs on any store the environment names.
    """

    name = "certification"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # -- registration ----------------------------------------------------------------------

    def register_trainer(
        self,
        name: str,
        email: str,
        country: str,
        actor: Actor,
        command_id: str,
        at: datetime,
        *,
        is_expert: bool = False,
    ) -> Result[TrainerState]:
        """Register a candidate (or, with `is_expert`, an expert trainer). hq only."""
        policy.require(actor, Action.REGISTER_TRAINER)
        # Cleaned before the id is derived, so that the same address typed twice, once with
        # a stray space or in another Unicode form, names the same trainer.
        details = trainer_rules.clean_registration(name, email, country)
        trainer_id = ids.trainer_id(details.email)

        def decide() -> list[RecordedAggregate]:
            if self._created_by(trainer_id, command_id):
                return []
            if trainer_id in self.repository:
                raise AlreadyExists(f"A trainer with e-mail {details.email} is already registered.")
            return [
                Trainer.register(
                    trainer_id,
                    details.name,
                    details.email,
                    details.country,
                    is_expert,
                    actor,
                    command_id,
                    at,
                )
            ]

        return self._run(trainer_id, command_id, decide, self.trainer)

    def schedule_workshop(
        self, plan: WorkshopPlan, actor: Actor, command_id: str, at: datetime
    ) -> Result[WorkshopState]:
        plan = clean_plan(plan)  # before the id: the code as recorded names the workshop
        workshop_id = ids.workshop_id(plan.module, plan.code)

        def decide() -> list[RecordedAggregate]:
            if self._created_by(workshop_id, command_id):
                return []
            expert = self._find(Trainer, plan.expert_id, "expert trainer")
            if workshop_id in self.repository:
                raise AlreadyExists(f"A {plan.module.value} workshop {plan.code} already exists.")
            is_expert = expert.state.is_expert
            return [ToTWorkshop.schedule(workshop_id, plan, is_expert, actor, command_id, at)]

        return self._run(workshop_id, command_id, decide, self.workshop)

    def register_enterprise(
        self, details: EnterpriseDetails, actor: Actor, command_id: str, at: datetime
    ) -> Result[EnterpriseState]:
        details = clean_details(details)  # before the id: the name as recorded names it
        enterprise_id = ids.enterprise_id(details.country, details.name)

        def decide() -> list[RecordedAggregate]:
            if self._created_by(enterprise_id, command_id):
                return []
            if enterprise_id in self.repository:
                raise AlreadyExists(
                    f"Enterprise {details.name} ({details.country}) is already registered "
                    f"as {enterprise_id}."
                )
            return [Enterprise.register(enterprise_id, details, actor, command_id, at)]

        return self._run(enterprise_id, command_id, decide, self.enterprise)

    # -- journeys --------------------------------------------------------------------------

    def enrol(
        self,
        trainer_id: str,
        workshop_id: str,
        actor: Actor,
        command_id: str,
        at: datetime,
        expected_journey_id: str | None = None,
    ) -> Result[JourneyState]:
        """Open a journey for the candidate in the workshop's module; with
        `expected_journey_id` (the id its workflow was named after), only that journey."""
        opened: dict[str, UUID] = {}

        def decide() -> list[RecordedAggregate]:
            trainer = self._find(Trainer, trainer_id, "trainer")
            workshop = self._find(ToTWorkshop, workshop_id, "ToT workshop")
            if command_id in trainer.applied:
                opened["id"] = self._journey_opened_by(trainer, command_id)
                return []
            plan = workshop.state.plan
            journey_rules.check_enrolment(actor, plan.expert_id, str(trainer.id))
            journey_id = UUID(trainer_rules.next_journey_id(trainer.state, plan.module))
            if expected_journey_id not in (None, str(journey_id)):
                trainer_rules.check_can_open_journey(trainer.state, plan.module)
                raise TryAgain(
                    f"Another {plan.module.value} journey of this candidate was opened just "
                    "now; send the enrolment again."
                )
            trainer.open_journey(plan.module, journey_id, actor, command_id, at)
            journey = Journey.enrol(
                journey_id,
                str(trainer.id),
                plan.module,
                workshop_id,
                plan.expert_id,
                actor,
                command_id,
                at,
            )
            opened["id"] = journey_id
            return [trainer, journey]

        return self._retrying(
            lambda: self._save_or_replay(decide, lambda: opened["id"], command_id, self.journey)
        )

    def take_step(
        self, journey_id: str, step: JourneyStep, actor: Actor, command_id: str, at: datetime
    ) -> Result[JourneyState]:
        def decide() -> list[RecordedAggregate]:
            journey = self._find(Journey, journey_id, "journey")
            if command_id in journey.applied:
                return []
            if isinstance(step, SelectEnterprise):  # only registered enterprises are trained
                self._find(Enterprise, step.enterprise_id, "registered enterprise")
            if isinstance(step, RecordToTResult):  # only a workshop that has taken place
                journey_rules.check(journey.state, step, actor)  # who may, and whether now
                self._check_workshop_happened(journey.state.workshop_id, step, at)
            journey.take(step, actor, command_id, at)
            return [journey, *self._consequences(journey, actor, command_id, at)]

        return self._run(_aggregate_id(journey_id, "journey"), command_id, decide, self.journey)

    def _check_workshop_happened(
        self, workshop_id: str, step: RecordToTResult, at: datetime
    ) -> None:
        plan = self._find(ToTWorkshop, workshop_id, "ToT workshop").state.plan
        today = latest_local_date(at)
        journey_rules.check_tot_result_timing(step, plan.starts_on, plan.ends_on, today)

    def _consequences(
        self, journey: Journey, actor: Actor, command_id: str, at: datetime
    ) -> list[RecordedAggregate]:
        """A journey that ends closes on the trainer; a certified one adds the certificate."""
        state = journey.state
        if state.is_open:
            return []
        trainer = self._find(Trainer, state.trainer_id, "trainer")
        touched: list[RecordedAggregate] = [trainer]
        if state.stage is Stage.CERTIFIED:
            number = None
            if trainer_rules.needs_certificate(trainer.state, state.module):
                registry = self._certificate_registry(at)
                number = registry.issue(state.trainer_id, actor, command_id, at)
                touched.append(registry)
            trainer.certify(state.module, state.journey_id, number, actor, command_id, at)
        trainer.end_journey(
            state.module, state.journey_id, state.stage.value, actor, command_id, at
        )
        return touched

    def _certificate_registry(self, at: datetime) -> CertificateRegistry:
        try:
            registry: CertificateRegistry = self.repository.get(ids.CERTIFICATE_REGISTRY_ID)
        except AggregateNotFoundError:
            registry = CertificateRegistry.open(at)
        return registry

    def remind_stalled_journey(
        self,
        journey_id: str,
        recipients: list[str],
        command_id: str,
        at: datetime,
        stall_after: timedelta,
    ) -> Result[JourneyState]:
        def decide() -> list[RecordedAggregate]:
            journey = self._find(Journey, journey_id, "journey")
            if command_id in journey.applied:
                return []
            journey.remind_stalled(recipients, command_id, at, stall_after)
            return [journey]

        return self._run(_aggregate_id(journey_id, "journey"), command_id, decide, self.journey)

    # -- standing --------------------------------------------------------------------------

    def take_standing_step(
        self, trainer_id: str, step: StandingStep, actor: Actor, command_id: str, at: datetime
    ) -> Result[TrainerState]:
        return self._on_trainer(
            trainer_id, command_id, lambda t: t.take(step, actor, command_id, at)
        )

    def remind_inactive_trainer(
        self, trainer_id: str, months: int, command_id: str, at: datetime
    ) -> Result[TrainerState]:
        return self._on_trainer(
            trainer_id, command_id, lambda t: t.remind_inactive(months, command_id, at)
        )

    def delist_inactive_trainer(
        self, trainer_id: str, command_id: str, at: datetime
    ) -> Result[TrainerState]:
        return self._on_trainer(trainer_id, command_id, lambda t: t.delist_inactive(command_id, at))

    def open_materials(
        self,
        trainer_id: str,
        module: Module,
        material: Material,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> Result[TrainerState]:
        return self._on_trainer(
            trainer_id,
            command_id,
            lambda t: t.open_materials(module, material.value, actor, command_id, at),
        )

    def _on_trainer(
        self, trainer_id: str, command_id: str, command: Callable[[Trainer], None]
    ) -> Result[TrainerState]:
        def decide() -> list[RecordedAggregate]:
            trainer = self._find(Trainer, trainer_id, "trainer")
            if command_id in trainer.applied:
                return []
            command(trainer)
            return [trainer]

        return self._run(_aggregate_id(trainer_id, "trainer"), command_id, decide, self.trainer)

    # -- queries ---------------------------------------------------------------------------

    def journey(self, journey_id: str | UUID, version: int | None = None) -> JourneyState:
        return self._find(Journey, journey_id, "journey", version).state

    def trainer(self, trainer_id: str | UUID, version: int | None = None) -> TrainerState:
        return self._find(Trainer, trainer_id, "trainer", version).state

    def workshop(self, workshop_id: str | UUID, version: int | None = None) -> WorkshopState:
        return self._find(ToTWorkshop, workshop_id, "ToT workshop", version).state

    def enterprise(self, enterprise_id: str | UUID, version: int | None = None) -> EnterpriseState:
        return self._find(Enterprise, enterprise_id, "enterprise", version).state

    # -- machinery -------------------------------------------------------------------------

    def _find(
        self, kind: type[A], aggregate_id: str | UUID, what: str, version: int | None = None
    ) -> A:
        uuid = _aggregate_id(aggregate_id, what)
        try:
            aggregate: object = self.repository.get(uuid, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"No {what} with id {aggregate_id}.") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"{aggregate_id} is not a {what}.")
        return aggregate

    def _created_by(self, aggregate_id: UUID, command_id: str) -> bool:
        """Whether this very command created the aggregate (a retried registration)."""
        try:
            aggregate: RecordedAggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return aggregate.version_after(command_id) is not None

    def journey_for(
        self, journey_id: str, command_id: str
    ) -> tuple[JourneyState, JourneyState | None]:
        """The journey now, and as the command left it if the command was applied already.

        One load serves both: a step needs the journey to route it, and its answer if retried.
        """
        journey = self._find(Journey, journey_id, "journey")
        version = journey.version_after(command_id)
        answered = None if version is None else self.journey(journey_id, version)
        return journey.state, answered

    def journey_to_open(self, trainer_id: str, module: Module, command_id: str) -> tuple[str, str]:
        """The candidate's stored id, and the journey this enrolment opens: the one it opened
        already (a retry), else the candidate's next one in the module, refused here when
        the domain would refuse to open it (no workflow is started for it)."""
        trainer = self._find(Trainer, trainer_id, "trainer")
        if command_id in trainer.applied:
            return trainer.state.trainer_id, str(self._journey_opened_by(trainer, command_id))
        trainer_rules.check_can_open_journey(trainer.state, module)
        return trainer.state.trainer_id, trainer_rules.next_journey_id(trainer.state, module)

    def _journey_opened_by(self, trainer: Trainer, command_id: str) -> UUID:
        version = trainer.applied[command_id]
        (event,) = self.events.get(trainer.id, gt=version - 1, lte=version)
        return UUID(event.journey_id)  # type: ignore[attr-defined]

    def _run(
        self,
        aggregate_id: UUID,
        command_id: str,
        decide: Callable[[], list[RecordedAggregate]],
        read: Callable[[UUID, int], S],
    ) -> Result[S]:
        return self._retrying(
            lambda: self._save_or_replay(decide, lambda: aggregate_id, command_id, read)
        )

    def _save_or_replay(
        self,
        decide: Callable[[], list[RecordedAggregate]],
        primary: Callable[[], UUID],
        command_id: str,
        read: Callable[[UUID, int], Any],
    ) -> Result[Any]:
        """Save what `decide` changed; if it changed nothing, the command was applied before."""
        aggregates = decide()
        aggregate_id = primary()
        if aggregates:
            recordings = self.save(*aggregates)
            (target,) = (a for a in aggregates if a.id == aggregate_id)
            # The saved aggregate already holds the new state: no need to replay its history.
            state = target.state  # type: ignore[attr-defined]
            return Result(state, recordings[-1].notification.id)
        aggregate: RecordedAggregate = self.repository.get(aggregate_id)
        version = aggregate.applied[command_id]
        position = self.recorder.max_notification_id() or 0
        return Result(read(aggregate_id, version), position, duplicate=True)

    def _retrying(self, attempt: Callable[[], Result[S]]) -> Result[S]:
        retrying = Retrying(
            retry=retry_if_exception_type(IntegrityError),
            stop=stop_after_attempt(CONFLICT_RETRIES),
            wait=wait_random(0, 0.05),
            reraise=True,
        )
        try:
            return retrying(attempt)
        except IntegrityError:
            raise ConcurrentChange(
                "Someone else changed this record at the same moment; please try again."
            ) from None


def _aggregate_id(value: str | UUID, what: str) -> UUID:
    """An id from outside: one that is no UUID names nothing here (404, not a crash)."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(f"No {what} with id {value}.") from None
