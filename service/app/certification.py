"""The application layer: each command loads aggregates, lets the domain decide, and saves.

Commands are idempotent by command id: a command already applied appends nothing and returns
the state it produced the first time. Concurrent writers are resolved by optimistic
concurrency: the loser reloads and decides again (a retry may then be refused by the rules).
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

import structlog
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper
from eventsourcing.utils import get_topic
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random

from domain import ids, policy
from domain.calendar import earliest_local_date, latest_local_date
from domain.certificates import (
    CERTIFICATE_ALPHABET,
    CERTIFICATE_GROUP_LENGTH,
    CERTIFICATE_GROUPS,
    CertificateRegistry,
    certificate_number_from,
)
from domain.enterprise import (
    Enterprise,
    EnterpriseDetails,
    EnterpriseEdit,
    EnterpriseState,
    SmeSize,
    clean_details,
    size_warning,
)
from domain.enterprise_name import EnterpriseName
from domain.errors import AlreadyExists, InvalidInput, NotFound, TryAgain
from domain.journey import rules as journey_rules
from domain.journey.aggregate import Journey
from domain.journey.state import JourneyState, ParticipantLimit, Stage
from domain.journey.steps import (
    Certify,
    JourneyStep,
    ReassignExpert,
    RecordToTResult,
    SelectEnterprise,
)
from domain.personal import ERASED
from domain.policies import PolicyVersion, ProgrammePolicy, participant_limit_at, sme_size_at
from domain.policy import About, Action
from domain.recorded import RecordedAggregate
from domain.trainer import rules as trainer_rules
from domain.trainer.aggregate import Trainer
from domain.trainer.email_address import EmailAddress
from domain.trainer.rules import DetailsEdit
from domain.trainer.state import (
    DEFAULT_INACTIVITY,
    INACTIVE_AFTER_MONTHS,
    InactivityTerm,
    TrainerState,
)
from domain.trainer.steps import StandingStep
from domain.values import SYSTEM_ACTOR, Actor, Material, Module
from domain.workshop import (
    Attendance,
    Reschedule,
    ToTWorkshop,
    WorkshopPlan,
    WorkshopState,
    check_open_for_enrolment,
    clean_plan,
)
from service.storage.personal import Erased, PersonalDataMapper, person_keys_for
from service.storage.transcodings import DateAsISO

# One line per stored event; the workflow id and command id bound by the activity join it.
log = structlog.get_logger(__name__)

S = TypeVar("S")
A = TypeVar("A", bound=RecordedAggregate)

CONFLICT_RETRIES = 5
ENROLMENTS = (get_topic(Journey.Enrolled),)
ENROLMENT_BATCH = 1000
# The credential events a command causes carry this suffix on its command id, so that the
# command's own event stays the one its id names (mail and retries look it up by id).
CREDENTIAL_COMMAND_SUFFIX = "/credential"
NAMING = (Trainer.Registered, Trainer.Renamed, Trainer.EmailChanged)  # a name or e-mail held
MAX_CREDENTIAL_CHANGES = 3  # e.g. a new entry, then a reissue: never more per command


class ConcurrentChange(TryAgain):
    """Several people changed the same record at once, and retrying did not settle it."""


@dataclass(frozen=True)
class Result(Generic[S]):
    """What a command produced, and the log position a reader waits for to see it."""

    state: S
    position: int
    duplicate: bool = False


@dataclass(frozen=True)
class JourneyToOpen:
    """Where an enrolment goes: the candidate's stored id and the journey it opens."""

    trainer_id: str
    journey_id: str
    # If this enrolment opened its journey already: the journey as it left it, and now.
    enrolled: JourneyState | None = None
    now: JourneyState | None = None


class Certification(Application[UUID]):
    """The system of record for trainers, workshops, enterprises and journeys.

    Plain eventsourcing: the audit's hash chain is written by the event store's recorder
    (service/storage/event_store.py), so this runs on any store the environment names.
    """

    name = "certification"
    personal_data: PersonalDataMapper  # seals personal fields (service/storage/personal.py)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def construct_mapper(self) -> Mapper[UUID]:
        """eventsourcing's mapper, with the personal fields of events sealed by a key per
        person, kept beside the events (docs/personal-data.md)."""
        plain = super().construct_mapper()
        keys = person_keys_for(self.factory)
        self.personal_data = PersonalDataMapper(
            plain.transcoder, plain.compressor, plain.cipher, keys=keys
        )
        return self.personal_data

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
        recorded_at: datetime | None = None,
    ) -> Result[TrainerState]:
        """Register a candidate (or, with `is_expert`, an expert trainer). hq only; a country
        office in its countries.

        The trainer gets a random id; the e-mail's index is claimed in the same atomic write,
        so two registrations of one address (in any process) cannot both succeed.
        `recorded_at`: a trainer of the programme's past, imported; `at` is then the day they
        joined the programme.
        """
        policy.require(actor, Action.REGISTER_TRAINER)
        # Cleaned before the register is asked, so that the same address typed twice, once
        # with a stray space or in another Unicode form, is one address.
        details = trainer_rules.clean_registration(name, email, country)
        where = About(countries=frozenset({details.country}))
        policy.require(actor, Action.REGISTER_TRAINER, where)
        registered: dict[str, UUID] = {}

        def decide() -> list[RecordedAggregate]:
            address = self._email_address(details.email)
            claimed = None if address is None else address.claimed_by(command_id)
            if claimed is not None:  # a retry of this very registration
                registered["id"] = UUID(claimed)
                return []
            if self._holder_of(details.email, address) is not None:
                raise AlreadyExists(f"A trainer with e-mail {details.email} is already registered.")
            trainer_id = uuid4()
            registered["id"] = trainer_id
            trainer = Trainer.register(
                trainer_id,
                details.name,
                details.email,
                details.country,
                is_expert,
                actor,
                command_id,
                at,
                recorded_at,
            )
            return [trainer, self._claim(address, details.email, trainer_id, actor, command_id, at)]

        return self._retrying(
            lambda: self._save_or_replay(decide, lambda: registered["id"], command_id, self.trainer)
        )

    def edit_trainer(
        self, trainer_id: str, edit: DetailsEdit, actor: Actor, command_id: str, at: datetime
    ) -> Result[TrainerState]:
        """Correct a trainer's name or change their e-mail; the id and history stay theirs.

        A new e-mail is claimed in the register and the old one released in the same write,
        so the new one cannot be taken meanwhile and the old one is free for anyone after.
        """

        def decide() -> list[RecordedAggregate]:
            trainer = self._find(Trainer, trainer_id, "trainer")
            if command_id in trainer.applied:
                return []
            previous_email = trainer.state.email
            changed = trainer.edit_details(edit, actor, command_id, at)
            if changed.email is None:
                return [trainer]
            address = self._email_address(changed.email)
            if self._holder_of(changed.email, address) is not None:
                raise AlreadyExists(
                    f"The e-mail {changed.email} belongs to another trainer; if both records "
                    "are one person, merge them instead."
                )
            touched: list[RecordedAggregate] = [
                trainer,
                self._claim(address, changed.email, trainer.id, actor, command_id, at),
            ]
            released = self._email_address(previous_email)
            # a trainer registered before the register has no index; one it does not hold
            # (another's since) is not its to give up
            if released is not None and released.release(trainer.id, actor, command_id, at):
                touched.append(released)
            return touched

        return self._run(_aggregate_id(trainer_id, "trainer"), command_id, decide, self.trainer)

    def trainer_id_for_email(self, email: str) -> UUID | None:
        """The trainer who holds the e-mail now, if anyone does (a merged record's e-mail
        leads to the record it was merged into)."""
        cleaned = trainer_rules.clean_email(email)
        holder = self._holder_of(cleaned, self._email_address(cleaned))
        return None if holder is None else self._person(holder).id

    def _email_address(self, email: str) -> EmailAddress | None:
        try:
            address: EmailAddress = self.repository.get(ids.email_address_id(email))
        except AggregateNotFoundError:
            return None
        return address

    def _holder_of(self, email: str, address: EmailAddress | None) -> UUID | None:
        """Who holds the cleaned e-mail: its index says so; failing one, a trainer registered
        before the register existed holds it if the e-mail is still theirs."""
        if address is not None:
            return None if address.holder is None else UUID(address.holder)
        legacy = ids.legacy_trainer_id(email)
        try:
            trainer: object = self.repository.get(legacy)
        except AggregateNotFoundError:
            return None
        if isinstance(trainer, Trainer) and trainer.state.email == email:
            return legacy
        return None

    @staticmethod
    def _claim(
        address: EmailAddress | None,
        email: str,
        trainer_id: UUID,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> EmailAddress:
        if address is None:
            return EmailAddress.claim(email, trainer_id, actor, command_id, at)
        address.claim_again(trainer_id, actor, command_id, at)
        return address

    def trainer_by_email(self, email: str) -> TrainerState | None:
        """The trainer registered with this e-mail address, if any."""
        try:
            trainer_id = self.trainer_id_for_email(email)
        except InvalidInput:
            return None
        return None if trainer_id is None else self.trainer(str(trainer_id))

    def schedule_workshop(
        self, plan: WorkshopPlan, actor: Actor, command_id: str, at: datetime
    ) -> Result[WorkshopState]:
        plan = clean_plan(plan)  # before the id: the code as recorded names the workshop
        workshop_id = ids.workshop_id(plan.module, plan.code)
        # Before the expert is looked up: a country office scheduling elsewhere learns
        # nothing of which experts exist.
        where = About(countries=frozenset({plan.country}))
        policy.require(actor, Action.SCHEDULE_WORKSHOP, where)

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
        """Register an enterprise under a random id; its name's index in its country is
        claimed in the same atomic write, so one firm is not registered twice."""
        details = clean_details(details)  # before the register: the name as recorded
        # Before the register is looked up: a country office learns nothing of elsewhere.
        where = About(countries=frozenset({details.country}))
        policy.require(actor, Action.REGISTER_ENTERPRISE, where)
        registered: dict[str, UUID] = {}

        def decide() -> list[RecordedAggregate]:
            name = self._enterprise_name(details.country, details.name)
            claimed = None if name is None else name.claimed_by(command_id)
            if claimed is not None:  # a retry of this very registration
                registered["id"] = UUID(claimed)
                return []
            self._require_name_free(details.country, details.name, name, None)
            enterprise_id = registered["id"] = uuid4()
            size = self.sme_size_at(at)
            enterprise = Enterprise.register(enterprise_id, details, actor, command_id, at, size)
            return [
                enterprise,
                EnterpriseName.claim(
                    name, details.country, details.name, enterprise_id, actor, command_id, at
                ),
            ]

        return self._retrying(
            lambda: self._save_or_replay(
                decide, lambda: registered["id"], command_id, self.enterprise
            )
        )

    def _enterprise_name(self, country: str, name: str) -> EnterpriseName | None:
        try:
            found: EnterpriseName = self.repository.get(ids.enterprise_name_id(country, name))
        except AggregateNotFoundError:
            return None
        return found

    def _require_name_free(
        self, country: str, name: str, index: EnterpriseName | None, renamed: UUID | None
    ) -> None:
        """AlreadyExists if another enterprise holds the name in the country: its index says
        so; failing one, an enterprise registered before the register whose name it still is."""
        holder = None if index is None or index.holder is None else UUID(index.holder)
        if index is None:
            legacy = ids.enterprise_id(country, name)
            try:
                firm: object = self.repository.get(legacy)
            except AggregateNotFoundError:
                firm = None
            if isinstance(firm, Enterprise) and ids.enterprise_name_key(
                country, firm.state.details.name
            ) == ids.enterprise_name_key(country, name):
                holder = legacy
        if holder is not None and holder != renamed:
            hint = "; if both are one firm, keep that one" if renamed else ""
            raise AlreadyExists(
                f"Enterprise {name} ({country}) is already registered as {holder}{hint}."
            )

    def reschedule_workshop(
        self, workshop_id: str, change: Reschedule, actor: Actor, command_id: str, at: datetime
    ) -> Result[WorkshopState]:
        """New dates or venue for a workshop, with the reason (domain/workshop.py says when)."""

        def decide() -> list[RecordedAggregate]:
            workshop = self._find(ToTWorkshop, workshop_id, "ToT workshop")
            if command_id in workshop.applied:
                return []
            attendance = self._attendance(workshop.id)
            workshop.reschedule(change, attendance, actor, command_id, at)
            return [workshop]

        return self._run(
            _aggregate_id(workshop_id, "ToT workshop"), command_id, decide, self.workshop
        )

    def cancel_workshop(
        self, workshop_id: str, reason: str, actor: Actor, command_id: str, at: datetime
    ) -> Result[WorkshopState]:
        """Cancel a workshop no candidate is enrolled in; no one enrols in it after."""

        def decide() -> list[RecordedAggregate]:
            workshop = self._find(ToTWorkshop, workshop_id, "ToT workshop")
            if command_id in workshop.applied:
                return []
            workshop.cancel(reason, self._attendance(workshop.id), actor, command_id, at)
            return [workshop]

        return self._run(
            _aggregate_id(workshop_id, "ToT workshop"), command_id, decide, self.workshop
        )

    def _attendance(self, workshop_id: UUID) -> Attendance:
        """The journeys enrolled in the workshop, found from the enrolments in the log (read
        by topic; rescheduling and cancelling are rare office acts) and counted as they stand."""
        waiting = with_result = 0
        for journey_id in self._journeys_enrolled_in(str(workshop_id)):
            state = self.journey(journey_id)
            if state.stage is Stage.ENROLLED:
                waiting += 1
            elif state.stage is not Stage.WITHDRAWN:  # a withdrawn candidate left it
                with_result += 1
        return Attendance(waiting=waiting, with_result=with_result)

    def _journeys_enrolled_in(self, workshop_id: str) -> list[UUID]:
        found: list[UUID] = []
        position = 1
        while True:
            batch = self.recorder.select_notifications(
                start=position, limit=ENROLMENT_BATCH, topics=ENROLMENTS
            )
            for notification in batch:
                event = self.mapper.to_domain_event(notification)
                if getattr(event, "workshop_id", None) == workshop_id:
                    found.append(event.originator_id)
            if len(batch) < ENROLMENT_BATCH:
                return found
            position = batch[-1].id + 1

    def claim_present_name(
        self, enterprise_id: UUID, actor: Actor, command_id: str, at: datetime
    ) -> tuple[UUID, bool]:
        """The enterprise's present name claimed for it in the register, unless someone holds
        it already: for enterprises registered before the register (`score
        backfill-registers`). The holder of the name after (this enterprise, or the one it
        clashes with) and whether this call claimed it. Repeating it changes nothing."""

        def attempt() -> tuple[UUID, bool]:
            enterprise = self._find(Enterprise, enterprise_id, "enterprise")
            details = enterprise.state.details
            index = self._enterprise_name(details.country, details.name)
            if index is not None and index.holder is not None:
                return UUID(index.holder), False
            self.save(
                EnterpriseName.claim(
                    index, details.country, details.name, enterprise.id, actor, command_id, at
                )
            )
            return enterprise.id, True

        retrying = Retrying(  # another process claimed the name meanwhile: read its holder
            retry=retry_if_exception_type(IntegrityError),
            stop=stop_after_attempt(CONFLICT_RETRIES),
            reraise=True,
        )
        held: tuple[UUID, bool] = retrying(attempt)
        return held

    def edit_enterprise(
        self, enterprise_id: str, edit: EnterpriseEdit, actor: Actor, command_id: str, at: datetime
    ) -> Result[EnterpriseState]:
        """Correct an enterprise's name, sector or employee counts; its id, country and
        history stay. The size warning follows the new count. A new name is claimed in the
        register and the old one released in the same write."""

        def decide() -> list[RecordedAggregate]:
            enterprise = self._find(Enterprise, enterprise_id, "enterprise")
            if command_id in enterprise.applied:
                return []
            before = enterprise.state.details
            enterprise.edit_details(edit, actor, command_id, at, self.sme_size_at(at))
            after = enterprise.state.details
            country = after.country
            if ids.enterprise_name_key(country, after.name) == ids.enterprise_name_key(
                country, before.name
            ):
                return [enterprise]
            name = self._enterprise_name(country, after.name)
            self._require_name_free(country, after.name, name, enterprise.id)
            touched: list[RecordedAggregate] = [
                enterprise,
                EnterpriseName.claim(
                    name, country, after.name, enterprise.id, actor, command_id, at
                ),
            ]
            released = self._enterprise_name(country, before.name)
            # an enterprise registered before the register has no index; one it does not
            # hold (claimed since by another firm of that name) is not its to give up
            if released is not None and released.release(enterprise.id, actor, command_id, at):
                touched.append(released)
            return touched

        return self._run(
            _aggregate_id(enterprise_id, "enterprise"), command_id, decide, self.enterprise
        )

    # -- journeys --------------------------------------------------------------------------

    def enrol(
        self,
        trainer_id: str,
        workshop_id: str,
        actor: Actor,
        command_id: str,
        at: datetime,
        expected_journey_id: str | None = None,
        *,
        backdated_reason: str | None = None,
    ) -> Result[JourneyState]:
        """Open a journey for the candidate in the workshop's module, before the workshop
        ends (or, by the office with `backdated_reason`, after: a past record brought in);
        with `expected_journey_id` (the id its workflow was named after), only that journey."""
        opened: dict[str, UUID] = {}

        def decide() -> list[RecordedAggregate]:
            trainer = self._person(trainer_id)
            workshop = self._find(ToTWorkshop, workshop_id, "ToT workshop")
            if command_id in trainer.applied:
                opened["id"] = self._journey_opened_by(trainer, command_id)
                return []
            plan = workshop.state.plan
            countries = frozenset({trainer.state.country, plan.country})
            journey_rules.check_enrolment(actor, plan.expert_id, str(trainer.id), countries)
            check_open_for_enrolment(workshop.state)  # refused before anything else is judged
            today = earliest_local_date(at)
            backdated = journey_rules.check_enrolment_window(
                plan.ends_on, today, backdated_reason, actor
            )
            journey_id = UUID(trainer_rules.next_journey_id(trainer.state, plan.module))
            if expected_journey_id not in (None, str(journey_id)):
                trainer_rules.check_can_open_journey(trainer.state, plan.module)
                raise TryAgain(
                    f"Another {plan.module.value} journey of this candidate was opened just "
                    "now; send the enrolment again."
                )
            trainer.open_journey(plan.module, journey_id, actor, command_id, at)
            # The workshop is written too: an enrolment and a cancellation (or a reschedule)
            # of the workshop cannot both be saved on what the other has not seen.
            workshop.enrol(journey_id, actor, command_id, at)
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
            if backdated is not None:
                journey.backdate(plan.ends_on, backdated, actor, command_id, at)
            opened["id"] = journey_id
            return [trainer, journey, workshop]

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
            self._require_reach(journey.state, step, actor)
            terms = _PolicyRead(self.policy_versions)  # read once, if a rule asks
            warning = None
            if isinstance(step, SelectEnterprise):  # only registered enterprises are trained
                firm = self._find(Enterprise, step.enterprise_id, "registered enterprise")
                # warned where chosen, by the range in force then
                warning = size_warning(firm.state.details.employees, terms.sme_size_at(at))
            taken = step
            limit_at = terms.limit_at
            if isinstance(step, ReassignExpert):  # to a registered expert, by their record
                taken = self._expert_named(journey.state, step, actor)
            if isinstance(step, Certify):  # not while the trainer is removed for cause
                journey_rules.check(journey.state, step, actor, limit_at=limit_at)  # may it now
                trainer_rules.check_can_be_certified(self._person(journey.state.trainer_id).state)
            if isinstance(step, RecordToTResult):  # only a workshop that has taken place
                journey_rules.check(journey.state, step, actor, limit_at=limit_at)  # may it now
                self._check_workshop_happened(journey.state.workshop_id, step, at)
            was_open = journey.state.is_open
            journey.take(taken, actor, command_id, at, size_warning=warning, limit_at=limit_at)
            if not was_open or journey.state.is_open:  # only the step that ends it closes it
                return [journey]
            return [journey, *self._consequences(journey, actor, command_id, at)]

        return self._run(_aggregate_id(journey_id, "journey"), command_id, decide, self.journey)

    def _expert_named(
        self, journey: JourneyState, step: ReassignExpert, actor: Actor
    ) -> ReassignExpert:
        # Who may, and whether now (a reassignment asks no term of the policy).
        journey_rules.check(journey, step, actor, limit_at=journey_rules.default_limit)
        # A country office names experts of its countries only (else: as if unknown).
        self.require_within_reach(actor, trainer_id=step.expert_id)
        expert = self._person(step.expert_id).state
        if not expert.is_expert:
            raise InvalidInput(
                f"{expert.name} ({expert.trainer_id}) is not an expert trainer; name one."
            )
        return replace(step, expert_id=expert.trainer_id)

    def _require_reach(self, journey: JourneyState, step: JourneyStep, actor: Actor) -> None:
        """A country office acts on a journey only in its countries: the trainer's (the
        journey's own state does not hold it, so it is read only for a country office)."""
        if policy.countries_seen(actor) is None:
            return
        country = self.trainer(journey.trainer_id).country
        about = About.journey(journey.trainer_id, journey.expert_id)
        policy.require(actor, Action(step.kind), replace(about, countries=frozenset({country})))

    def require_within_reach(
        self,
        actor: Actor,
        *,
        trainer_id: str | None = None,
        journey_id: str | None = None,
        workshop_id: str | None = None,
        enterprise_id: str | None = None,
    ) -> None:
        """NotFound, as for an unknown id, for a record outside a country office's countries
        (domain/policy.py: `may_see`); a trainer's, a workshop's or an enterprise's country,
        a journey's trainer's. Everyone else reaches every record their grants allow."""
        if policy.countries_seen(actor) is None:
            return
        found: list[tuple[str, str, str]] = []  # (what, id, country)
        if journey_id is not None:
            journey = self.journey(journey_id)
            found.append(("journey", journey_id, self.trainer(journey.trainer_id).country))
        if trainer_id is not None:
            found.append(("trainer", trainer_id, self.trainer(trainer_id).country))
        if workshop_id is not None:
            found.append(("ToT workshop", workshop_id, self.workshop(workshop_id).plan.country))
        if enterprise_id is not None:
            enterprise = self.enterprise(enterprise_id)
            found.append(("enterprise", enterprise_id, enterprise.details.country))
        for what, aggregate_id, country in found:
            if not policy.may_see(actor, {country}):
                raise NotFound(f"No {what} with id {aggregate_id}.")

    def _check_workshop_happened(
        self, workshop_id: str, step: RecordToTResult, at: datetime
    ) -> None:
        plan = self._find(ToTWorkshop, workshop_id, "ToT workshop").state.plan
        today = latest_local_date(at)
        journey_rules.check_tot_result_timing(step, plan.starts_on, plan.ends_on, today)

    def _consequences(
        self, journey: Journey, actor: Actor, command_id: str, at: datetime
    ) -> list[RecordedAggregate]:
        """The journey just ended closes on the trainer; a certified one adds the certificate."""
        state = journey.state
        trainer = self._person(state.trainer_id)  # a merged record's journey ends on the person
        touched: list[RecordedAggregate] = [trainer]
        registry = None
        if state.stage is Stage.CERTIFIED:
            number = None
            if trainer_rules.needs_certificate(trainer.state, state.module):
                registry = self._certificate_registry(at)
                number = registry.issue(
                    state.trainer_id, _new_certificate_number(registry), actor, command_id, at
                )
                touched.append(registry)
            trainer.certify(state.module, state.journey_id, number, actor, command_id, at)
        trainer.end_journey(
            state.module, state.journey_id, state.stage.value, actor, command_id, at
        )
        allocated = self.credential_in_line(trainer, command_id, at, registry)
        if allocated is not None and allocated is not registry:
            touched.append(allocated)
        return touched

    def credential_in_line(
        self,
        trainer: Trainer,
        command_id: str,
        at: datetime,
        registry: CertificateRegistry | None = None,
    ) -> CertificateRegistry | None:
        """Bring the trainer's signed credential in line with their standing, recorded as
        consequences of `command_id` (on the aggregate held, unsaved: the caller saves it);
        returns the registry if it allocated a status entry. Imports call it too."""
        credential_command = command_id + CREDENTIAL_COMMAND_SUFFIX
        allocated = None
        for _ in range(MAX_CREDENTIAL_CHANGES):
            change = trainer.credential_change_due()
            if change is None:
                break
            index = None
            if change.needs_new_entry:
                allocated = registry = registry or self._certificate_registry(at)
                index = registry.allocate_status_entry(
                    str(trainer.id), SYSTEM_ACTOR, credential_command, at
                )
            new_id = f"urn:uuid:{uuid.uuid4()}" if change.issues else None
            trainer.change_credential(change, SYSTEM_ACTOR, credential_command, at, new_id, index)
        return allocated

    def settle_credential(
        self, trainer_id: str, command_id: str, at: datetime
    ) -> Result[TrainerState]:
        """Issue the credential of a trainer certified before credentials existed, or bring
        it in line with the standing; appends nothing when it is in line already."""

        def attempt() -> Result[TrainerState]:
            trainer = self._find(Trainer, trainer_id, "trainer")
            if trainer.credential_change_due() is None:
                return Result(trainer.state, self.recorder.max_notification_id() or 0, True)
            registry = self.credential_in_line(trainer, command_id, at)
            recordings = self.save(trainer, *([registry] if registry else []))
            return Result(trainer.state, recordings[-1].notification.id)

        return self._retrying(attempt)

    def reissue_credential(
        self, number: str, actor: Actor, command_id: str, at: datetime
    ) -> Result[TrainerState]:
        """The office's reissue of the holder of certificate `number`, after a correction of
        their record: the credential in force is revoked (its status list entry set for
        good) and one saying what the record says now is issued on a new entry."""
        holder = self.certificate_holder(number)
        try:
            self.require_within_reach(actor, trainer_id=holder)
        except NotFound:  # outside a country office's countries: as if it did not exist
            raise NotFound(f"No certificate {number.strip().upper()} was ever issued.") from None

        def decide() -> list[RecordedAggregate]:
            trainer = self._find(Trainer, holder, "trainer")
            if command_id in trainer.applied:
                return []
            registry = self._certificate_registry(at)
            index = registry.allocate_status_entry(holder, actor, command_id, at)
            trainer.reissue_credential(actor, command_id, at, f"urn:uuid:{uuid.uuid4()}", index)
            return [trainer, registry]

        return self._run(_aggregate_id(holder, "trainer"), command_id, decide, self.trainer)

    def certificate_holder(self, number: str) -> str:
        """The trainer id certificate `number` was issued to (any release's numbers), else
        NotFound."""
        cleaned = number.strip().upper()
        holder = None
        if ids.CERTIFICATE_REGISTRY_ID in self.repository:
            registry: CertificateRegistry = self.repository.get(ids.CERTIFICATE_REGISTRY_ID)
            holder = registry.holders.get(cleaned)
        if holder is None:
            raise NotFound(f"No certificate {cleaned} was ever issued.")
        return holder

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
        policy_version: int | None = None,
    ) -> Result[JourneyState]:
        def decide() -> list[RecordedAggregate]:
            journey = self._find(Journey, journey_id, "journey")
            if command_id in journey.applied:
                return []
            journey.remind_stalled(recipients, command_id, at, stall_after, policy_version)
            return [journey]

        return self._run(_aggregate_id(journey_id, "journey"), command_id, decide, self.journey)

    # -- standing --------------------------------------------------------------------------

    def take_standing_step(
        self,
        trainer_id: str,
        step: StandingStep,
        actor: Actor,
        command_id: str,
        at: datetime,
        term: InactivityTerm = DEFAULT_INACTIVITY,
    ) -> Result[TrainerState]:
        return self._on_trainer(
            trainer_id, command_id, at, lambda t: t.take(step, actor, command_id, at, term)
        )

    def remind_inactive_trainer(
        self,
        trainer_id: str,
        months: int,
        command_id: str,
        at: datetime,
        policy_version: int | None = None,
        inactive_after_months: int = INACTIVE_AFTER_MONTHS,
    ) -> Result[TrainerState]:
        return self._on_trainer(
            trainer_id,
            command_id,
            at,
            lambda t: t.remind_inactive(
                months, command_id, at, policy_version, inactive_after_months
            ),
        )

    def delist_inactive_trainer(
        self,
        trainer_id: str,
        command_id: str,
        at: datetime,
        term: InactivityTerm = DEFAULT_INACTIVITY,
    ) -> Result[TrainerState]:
        return self._on_trainer(
            trainer_id, command_id, at, lambda t: t.delist_inactive(command_id, at, term)
        )

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
            at,
            lambda t: t.open_materials(module, material.value, actor, command_id, at),
        )

    def _on_trainer(
        self,
        trainer_id: str,
        command_id: str,
        at: datetime,
        command: Callable[[Trainer], None],
    ) -> Result[TrainerState]:
        person: dict[str, UUID] = {}

        def decide() -> list[RecordedAggregate]:
            trainer = self._person(trainer_id)
            person["id"] = trainer.id
            if command_id in trainer.applied:
                return []
            command(trainer)
            registry = self.credential_in_line(trainer, command_id, at)
            return [trainer, *([registry] if registry else [])]

        return self._retrying(
            lambda: self._save_or_replay(decide, lambda: person["id"], command_id, self.trainer)
        )

    # -- personal data erased on request (docs/personal-data.md) ----------------------------

    def erase_personal_data(
        self, trainer_id: str, reason: str, actor: Actor, command_id: str, at: datetime
    ) -> Result[TrainerState]:
        """Erase the person's personal data: an event on each of their records (no personal
        data in it), their e-mail given up, their credential revoked, then their keys and
        their journeys' keys destroyed, so their personal fields read "[erased]" wherever
        they are read. Headquarters only. A retry destroys the keys again, harmlessly."""
        result, records = self.record_erasure(trainer_id, reason, actor, command_id, at)
        self.destroy_personal_keys(records, at)
        return result

    def record_erasure(
        self, trainer_id: str, reason: str, actor: Actor, command_id: str, at: datetime
    ) -> tuple[Result[TrainerState], list[UUID]]:
        """The erasure recorded (keys untouched), with every record whose key then goes:
        the person's, their merged records' and their journeys'. An erased person some of
        whose records are not marked erased in the key store (an erasure cut short) is
        answered as erased now, so that the erasure can be completed; erased through and
        through, it is refused."""
        policy.require(actor, Action.ERASE_PERSONAL_DATA)
        records = self.personal_records(trainer_id)
        state = self.trainer(trainer_id)
        keys = self.personal_data.keys
        if state.erased and not all(isinstance(keys.key_of(str(r)), Erased) for r in records):
            position = self.recorder.max_notification_id() or 0
            return Result(state, position), records

        def decide() -> list[RecordedAggregate]:
            person = self._person(trainer_id)
            merged = [self._find(Trainer, m, "trainer") for m in person.state.merged_records]
            if command_id in person.applied:
                return []
            erasing = [t for t in (person, *merged) if not t.state.erased]
            if not erasing:
                person.erase_personal_data(reason, actor, command_id, at)  # refused: erased
            touched: list[RecordedAggregate] = [person]
            for trainer in erasing:
                address = self._email_address(trainer.state.email)
                trainer.erase_personal_data(reason, actor, command_id, at)
                if address is not None and address.release(trainer.id, actor, command_id, at):
                    touched.append(address)
                registry = self.credential_in_line(trainer, command_id, at)
                touched += [t for t in (trainer, registry) if t is not None and t not in touched]
            return touched

        result = self._retrying(
            lambda: self._save_or_replay(decide, lambda: records[0], command_id, self.trainer)
        )
        return result, records

    def personal_records(self, trainer_id: str) -> list[UUID]:
        """The person's record, their merged records, then the journeys these opened."""
        person = self._person(trainer_id)
        people = [person.id, *(_aggregate_id(m, "trainer") for m in person.state.merged_records)]
        return [*people, *(j for r in people for j in self._journeys_opened_by(r))]

    def names_and_emails(self, trainer_ids: Sequence[UUID]) -> list[str]:
        """Every name and e-mail these records ever held (read with the keys stored now,
        whatever this process remembers): what the service's tables may hold of them."""
        for record in trainer_ids:
            self.personal_data.recall(str(record))
        words: list[str] = []
        naming = [e for r in trainer_ids for e in self.events.get(r) if isinstance(e, NAMING)]
        for event in naming:
            for field in ("name", "previous_name", "email", "previous_email"):
                value = getattr(event, field, None)
                if isinstance(value, str) and value != ERASED and value not in words:
                    words.append(value)
        return words

    def destroy_personal_keys(self, records: Sequence[UUID], at: datetime) -> None:
        """Destroy the keys of these records, and drop their states this process keeps
        (a cached journey holds its personal fields in plain text)."""
        for record in records:
            self.personal_data.erase(str(record), at)
        cache = self.repository.cache
        for record in records:
            if cache is not None:
                with contextlib.suppress(KeyError):
                    cache.get(record, evict=True)

    def _journeys_opened_by(self, trainer_id: UUID) -> list[UUID]:
        events = self.events.get(trainer_id)
        return [UUID(e.journey_id) for e in events if isinstance(e, Trainer.JourneyOpened)]

    # -- two records of one person ---------------------------------------------------------

    def merge_trainers(
        self,
        surviving_id: str,
        merged_id: str,
        reason: str,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> Result[TrainerState]:
        """Merge two records of one person: the surviving one stands for both from now on.

        Both records get an event (their histories stay whole); the merged one's journeys and
        e-mail lead to the surviving record, and so do reads of its id.
        """

        # Both records within a country office's reach (the route checks the one it names).
        self.require_within_reach(actor, trainer_id=surviving_id)
        self.require_within_reach(actor, trainer_id=merged_id)

        def decide() -> list[RecordedAggregate]:
            survivor = self._find(Trainer, surviving_id, "trainer")
            if command_id in survivor.applied:
                return []
            merged = self._find(Trainer, merged_id, "trainer")
            survivor.absorb(merged, reason, actor, command_id, at)
            return [survivor, merged]

        return self._run(_aggregate_id(surviving_id, "trainer"), command_id, decide, self.trainer)

    def _person(self, trainer_id: str | UUID) -> Trainer:
        """The trainer record that stands for the person now: a merged record leads to the
        record it was merged into."""
        trainer = self._find(Trainer, trainer_id, "trainer")
        seen = {trainer.id}
        while trainer.state.merged_into is not None:
            trainer = self._find(Trainer, trainer.state.merged_into, "trainer")
            if trainer.id in seen:  # the rules refuse a merge into a merged record; be safe
                raise NotFound(f"The records merged with {trainer_id} lead in a circle.")
            seen.add(trainer.id)
        return trainer

    # -- the programme's policy (domain/policies.py) ---------------------------------------

    def policy_versions(self) -> tuple[PolicyVersion, ...]:
        """Every recorded version of the programme's policy, in the order recorded."""
        try:
            found: ProgrammePolicy = self.repository.get(ids.POLICY_ID)
        except AggregateNotFoundError:
            return ()
        return found.versions

    def sme_size_at(self, moment: datetime) -> SmeSize:
        """The SME range in force at `moment`, naming its version (0: the default)."""
        return sme_size_at(self.policy_versions(), moment)

    # -- queries ---------------------------------------------------------------------------

    def journey(self, journey_id: str | UUID, version: int | None = None) -> JourneyState:
        return self._find(Journey, journey_id, "journey", version).state

    def trainer(self, trainer_id: str | UUID, version: int | None = None) -> TrainerState:
        """The person's record now (a merged record reads as the one it was merged into), or
        the very record at a version."""
        if version is None:
            return self._person(trainer_id).state
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

    def journey_to_open(self, trainer_id: str, module: Module, command_id: str) -> JourneyToOpen:
        """The candidate's stored id, and the journey this enrolment opens: the one it opened
        already (a retry, answered with the journey as the enrolment left it), else the
        candidate's next one in the module, refused here when the domain would refuse to open
        it (no workflow is started for it)."""
        trainer = self._find(Trainer, trainer_id, "trainer")
        if command_id in trainer.applied:
            journey_id = str(self._journey_opened_by(trainer, command_id))
            now, enrolled = self.journey_for(journey_id, command_id)
            return JourneyToOpen(trainer.state.trainer_id, journey_id, enrolled, now)
        trainer_rules.check_can_open_journey(trainer.state, module)
        journey_id = trainer_rules.next_journey_id(trainer.state, module)
        return JourneyToOpen(trainer.state.trainer_id, journey_id)

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
            for recording in recordings:
                log.info(
                    "event stored",
                    event_type=type(recording.domain_event).__qualname__,
                    aggregate_id=str(recording.domain_event.originator_id),
                    version=recording.domain_event.originator_version,
                    position=recording.notification.id,
                )
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


def _new_certificate_number(registry: CertificateRegistry) -> str:
    """Random, so that no one can walk the register; drawn again in the unlikely clash."""
    size = CERTIFICATE_GROUPS * CERTIFICATE_GROUP_LENGTH
    while True:
        digits = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(size))
        number = certificate_number_from(digits)
        if number not in registry.holders:
            return number


class _PolicyRead:
    """The programme's policy for one decision: read from the store at most once, and only
    when a rule asks for a term of it (a selection's SME range, a classroom workshop's
    participant limit, also when a correction judges one again)."""

    def __init__(self, read: Callable[[], tuple[PolicyVersion, ...]]) -> None:
        self._read = read
        self._versions: tuple[PolicyVersion, ...] | None = None

    def _read_once(self) -> tuple[PolicyVersion, ...]:
        if self._versions is None:
            self._versions = self._read()
        return self._versions

    def sme_size_at(self, moment: datetime) -> SmeSize:
        return sme_size_at(self._read_once(), moment)

    def limit_at(self, moment: datetime) -> ParticipantLimit:
        return participant_limit_at(self._read_once(), moment)


def _aggregate_id(value: str | UUID, what: str) -> UUID:
    """An id from outside: one that is no UUID names nothing here (404, not a crash)."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(f"No {what} with id {value}.") from None
