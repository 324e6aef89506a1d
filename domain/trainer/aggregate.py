"""The trainer aggregate: registration, open journeys, certificates and standing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.countries import upcast_country
from domain.recorded import RecordedAggregate, created_fields
from domain.trainer import credentials, rules
from domain.trainer.credentials import CredentialChange
from domain.trainer.past import (
    PastCertificate,
    check_import,
    check_past_certificate,
    clean_certificate_number,
    happened_at,
)
from domain.trainer.state import (
    DEFAULT_INACTIVITY,
    INACTIVE_AFTER_MONTHS,
    Credential,
    CredentialStatus,
    InactivityTerm,
    IssuedSubject,
    TrainerState,
)
from domain.trainer.steps import Reinstate, RemoveForCause, StandingStep, SubmitTrainingRecord
from domain.values import SYSTEM_ACTOR, Actor, Module


class Trainer(RecordedAggregate):
    if TYPE_CHECKING:  # declared for mypy only: eventsourcing turns annotations into __init__ args
        state: TrainerState

    class Registered(RecordedAggregate.Created):
        class_version = 2  # v1 (release v0.1.0) recorded the country as free text
        personal_fields = ("name", "email")
        name: str
        email: str
        country: str  # ISO 3166-1 alpha-2 (domain/countries.py)
        is_expert: bool
        country_as_recorded: str | None  # v1's free text, kept by the upcast; None since

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_country(state)

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = TrainerState(
                trainer_id=str(self.originator_id),
                name=self.name,
                email=self.email,
                country=self.country,
                is_expert=self.is_expert,
            )

    class Renamed(RecordedAggregate.Event):
        """The office corrected the trainer's name (a spelling, a change of name)."""

        personal_fields = ("name", "previous_name")
        name: str
        previous_name: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = replace(aggregate.state, name=self.name)

    class EmailChanged(RecordedAggregate.Event):
        """The trainer's e-mail changed; the id, and so the history, stay theirs."""

        personal_fields = ("email", "previous_email")
        email: str
        previous_email: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = replace(aggregate.state, email=self.email)

    class MergedInto(RecordedAggregate.Event):
        """This record and another are one person: the other one stands for both from now."""

        surviving_id: str
        reason: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = replace(aggregate.state, merged_into=self.surviving_id)

    class Absorbed(RecordedAggregate.Event):
        """Another record of this person was merged into this one, with its open journeys."""

        merged_id: str
        open_journeys: dict[str, str]
        is_expert: bool
        reason: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = rules.evolve_absorbed(
                aggregate.state, self.merged_id, self.open_journeys, self.is_expert
            )

    class RegisteredFromPastRecords(Registered):
        """A trainer of the programme's past, registered by an import: `timestamp` is when
        they joined the programme, `recorded_at` when the import wrote it."""

        recorded_at: datetime

    class JourneyOpened(RecordedAggregate.Event):
        module: str
        journey_id: str

        def apply_to(self, aggregate: Any) -> None:
            state: TrainerState = aggregate.state
            started = dict(state.journeys_started)
            started[self.module] = started.get(self.module, 0) + 1
            opened = {**state.open_journeys, self.module: self.journey_id}
            aggregate.state = replace(state, open_journeys=opened, journeys_started=started)

    class JourneyEnded(RecordedAggregate.Event):
        module: str
        journey_id: str
        outcome: str

        def apply_to(self, aggregate: Any) -> None:
            state: TrainerState = aggregate.state
            opened = {m: j for m, j in state.open_journeys.items() if j != self.journey_id}
            aggregate.state = replace(state, open_journeys=opened)

    class CertificateIssued(RecordedAggregate.Event):
        """The first foundation certification: certificate of competence, public listing."""

        module: str
        journey_id: str
        certificate_number: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = rules.evolve_certified(
                aggregate.state, Module(self.module), self.certificate_number, self.timestamp
            )

    class ModuleCertified(RecordedAggregate.Event):
        """A later module added to a certified trainer's modules."""

        module: str
        journey_id: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = rules.evolve_certified(
                aggregate.state, Module(self.module), None, self.timestamp
            )

    class CertificateImported(CertificateIssued):
        """A certificate of competence issued before the service, with its original number
        and date (`timestamp`); no journey of this service led to it."""

        recorded_at: datetime

    class ModuleCertificationImported(ModuleCertified):
        recorded_at: datetime

    class TrainingRecordSubmitted(RecordedAggregate.Event):
        delivered_on: date
        module: str
        enterprises: int
        participants: int
        description: str

        def apply_to(self, aggregate: Any) -> None:
            step = SubmitTrainingRecord(
                self.delivered_on,
                self.module,
                self.enterprises,
                self.participants,
                self.description,
            )
            aggregate.state = rules.evolve_standing(aggregate.state, step, self.timestamp)

    class TrainingRecordImported(TrainingRecordSubmitted):
        recorded_at: datetime

    class ActivityReminderSent(RecordedAggregate.Event):
        class_version = 3  # v2 names the policy version applied; v3 the period it leads to
        personal_fields = ("recipient",)
        months: int
        clock_started_at: datetime
        recipient: str
        policy_version: int | None  # None: sent before policies were versioned
        inactive_after_months: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["policy_version"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["inactive_after_months"] = INACTIVE_AFTER_MONTHS  # the only period then

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = rules.evolve_reminded(aggregate.state, self.months)

    class DelistedForInactivity(RecordedAggregate.Event):
        class_version = 3  # v2 names the policy version applied; v3 its inactivity period
        clock_started_at: datetime
        policy_version: int | None  # None: delisted before policies were versioned
        inactive_after_months: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["policy_version"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["inactive_after_months"] = INACTIVE_AFTER_MONTHS  # the only period then

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = rules.evolve_inactive(aggregate.state, self.inactive_after_months)

    class RemovedForCause(RecordedAggregate.Event):
        personal_fields = ("reason",)  # what the person did, in the office's words
        ground: str
        reason: str

        def apply_to(self, aggregate: Any) -> None:
            step = RemoveForCause(ground=self.ground, reason=self.reason)  # type: ignore[arg-type]
            aggregate.state = rules.evolve_standing(aggregate.state, step, self.timestamp)

    class Reinstated(RecordedAggregate.Event):
        personal_fields = ("reason",)
        reason: str

        def apply_to(self, aggregate: Any) -> None:
            step = Reinstate(reason=self.reason)
            aggregate.state = rules.evolve_standing(aggregate.state, step, self.timestamp)

    class PersonalDataErased(RecordedAggregate.Event):
        """The person asked for their personal data to be erased: their key is destroyed
        (docs/personal-data.md), so their personal fields read "[erased]" everywhere; they
        leave the public list and their credential is revoked. It holds no personal data."""

        erases_personal_data = True
        reason: str

        def apply_to(self, aggregate: Any) -> None:
            aggregate.state = rules.evolve_erased(aggregate.state)

    class MaterialsOpened(RecordedAggregate.Event):
        module: str
        material: str

    # -- the signed credential (Open Badges 3.0) that follows the standing -----------------

    class CredentialIssued(RecordedAggregate.Event):
        """A credential for every module held; on a new status entry, or a reissue on the same.

        v2 records what the credential says of its holder (name, certificate number, hashed
        e-mail), so that it stays what was signed whatever the record says later."""

        class_version = 2  # v1 (0.2) recorded no subject: its document follows the record
        personal_fields = ("name", "identity_hash")  # the hash is of the e-mail: guessable
        credential_id: str
        status_index: int
        modules: list[str]
        name: str | None  # None: recorded by v1
        certificate_number: str | None
        identity_hash: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(name=None, certificate_number=None, identity_hash=None)

        def apply_to(self, aggregate: Any) -> None:
            subject = None
            if self.name is not None and self.certificate_number and self.identity_hash:
                subject = IssuedSubject(self.name, self.certificate_number, self.identity_hash)
            aggregate.state = credentials.evolve_issued(
                aggregate.state, self.credential_id, self.status_index, self.timestamp, subject
            )

    class CredentialStatusChanged(RecordedAggregate.Event):
        """Suspended (inactive), suspension lifted (active again) or revoked (removed, final)."""

        credential_id: str
        status_index: int
        status: str

        def apply_to(self, aggregate: Any) -> None:
            status = CredentialStatus(self.status)
            aggregate.state = credentials.evolve_status(aggregate.state, status, self.timestamp)

    @classmethod
    def register(
        cls,
        trainer_id: UUID,
        name: str,
        email: str,
        country: str,
        is_expert: bool,
        actor: Actor,
        command_id: str,
        at: datetime,
        recorded_at: datetime | None = None,
    ) -> Trainer:
        """`recorded_at`: an import of the programme's past records; `at` is then the day
        the trainer joined the programme."""
        registration = rules.clean_registration(name, email, country)
        past = {} if recorded_at is None else {"recorded_at": recorded_at}
        return cls._create(
            cls.Registered if recorded_at is None else cls.RegisteredFromPastRecords,
            id=trainer_id,
            name=registration.name,
            email=registration.email,
            country=registration.country,
            is_expert=is_expert,
            country_as_recorded=None,
            **past,
            **created_fields(actor, command_id, at),
        )

    def edit_details(
        self, edit: rules.DetailsEdit, actor: Actor, command_id: str, at: datetime
    ) -> rules.DetailsEdit:
        """Record what changes of the edit (checked and cleaned first) and return it."""
        changed = rules.check_details_edit(self.state, edit, actor)
        before = self.state
        if changed.name is not None:
            renamed = {"name": changed.name, "previous_name": before.name}
            self.record(self.Renamed, actor, command_id, at, **renamed)
        if changed.email is not None:
            moved = {"email": changed.email, "previous_email": before.email}
            self.record(self.EmailChanged, actor, command_id, at, **moved)
        return changed

    def erase_personal_data(self, reason: str, actor: Actor, command_id: str, at: datetime) -> None:
        reason = rules.check_erasure(self.state, reason, actor)
        self.record(self.PersonalDataErased, actor, command_id, at, reason=reason)

    def absorb(
        self, merged: Trainer, reason: str, actor: Actor, command_id: str, at: datetime
    ) -> None:
        """Merge `merged` into this record: an event on each, so both histories tell it."""
        reason = rules.check_merge(self.state, merged.state, reason, actor)
        other = merged.state
        self.record(
            self.Absorbed,
            actor,
            command_id,
            at,
            merged_id=other.trainer_id,
            open_journeys=dict(other.open_journeys),
            is_expert=other.is_expert,
            reason=reason,
        )
        merged.record(
            self.MergedInto,
            actor,
            command_id,
            at,
            surviving_id=self.state.trainer_id,
            reason=reason,
        )

    def open_journey(
        self, module: Module, journey_id: UUID, actor: Actor, command_id: str, at: datetime
    ) -> None:
        rules.check_can_open_journey(self.state, module)
        self.record(
            self.JourneyOpened,
            actor,
            command_id,
            at,
            module=module.value,
            journey_id=str(journey_id),
        )

    def end_journey(
        self,
        module: Module,
        journey_id: str,
        outcome: str,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> None:
        self.record(
            self.JourneyEnded,
            actor,
            command_id,
            at,
            module=module.value,
            journey_id=journey_id,
            outcome=outcome,
        )

    def certify(
        self,
        module: Module,
        journey_id: str,
        certificate_number: str | None,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> None:
        if certificate_number is None:
            self.record(
                self.ModuleCertified,
                actor,
                command_id,
                at,
                module=module.value,
                journey_id=journey_id,
            )
        else:
            self.record(
                self.CertificateIssued,
                actor,
                command_id,
                at,
                module=module.value,
                journey_id=journey_id,
                certificate_number=certificate_number,
            )

    def take(
        self,
        step: StandingStep,
        actor: Actor,
        command_id: str,
        at: datetime,
        term: InactivityTerm = DEFAULT_INACTIVITY,
    ) -> None:
        """A standing step; `term`, the inactivity period in force, bounds a record's age."""
        rules.check_standing_step(self.state, step, actor, at, term)
        step = rules.clean_standing_step(step)  # the text as checked, not as typed
        match step:
            case SubmitTrainingRecord():
                self.record(
                    self.TrainingRecordSubmitted,
                    actor,
                    command_id,
                    at,
                    delivered_on=step.delivered_on,
                    module=step.module,
                    enterprises=step.enterprises,
                    participants=step.participants,
                    description=step.description,
                )
            case RemoveForCause():
                self.record(
                    self.RemovedForCause,
                    actor,
                    command_id,
                    at,
                    ground=step.ground,
                    reason=step.reason,
                )
            case Reinstate():
                self.record(self.Reinstated, actor, command_id, at, reason=step.reason)

    def remind_inactive(
        self,
        months: int,
        command_id: str,
        at: datetime,
        policy_version: int | None = None,
        inactive_after_months: int = INACTIVE_AFTER_MONTHS,
    ) -> None:
        rules.check_activity_reminder(self.state, months, at, inactive_after_months)
        assert self.state.standing is not None
        self.record(
            self.ActivityReminderSent,
            SYSTEM_ACTOR,
            command_id,
            at,
            months=months,
            clock_started_at=self.state.standing.clock_started_at,
            recipient=self.state.email,
            policy_version=policy_version,
            inactive_after_months=inactive_after_months,
        )

    def delist_inactive(
        self, command_id: str, at: datetime, term: InactivityTerm = DEFAULT_INACTIVITY
    ) -> None:
        """Delist for inactivity under `term`, the period in force and its policy version."""
        rules.check_mark_inactive(self.state, at, term)
        assert self.state.standing is not None
        self.record(
            self.DelistedForInactivity,
            SYSTEM_ACTOR,
            command_id,
            at,
            clock_started_at=self.state.standing.clock_started_at,
            policy_version=term.policy_version,
            inactive_after_months=term.months,
        )

    def import_certificate(
        self, past: PastCertificate, actor: Actor, command_id: str, recorded_at: datetime
    ) -> str | None:
        """Record a certificate of the past; the number if it made the trainer certified."""
        at = happened_at(past.certified_on)
        check_import(actor, self.modified_on, at, recorded_at)
        check_past_certificate(self.state, past)
        fields = {"module": past.module.value, "journey_id": "", "recorded_at": recorded_at}
        if self.state.is_certified:
            self.record(self.ModuleCertificationImported, actor, command_id, at, **fields)
            return None
        number = clean_certificate_number(past.certificate_number)
        self.record(
            self.CertificateImported, actor, command_id, at, certificate_number=number, **fields
        )
        return number

    def import_training_record(
        self, step: SubmitTrainingRecord, actor: Actor, command_id: str, recorded_at: datetime
    ) -> None:
        """Record a training of the past: it restarts the clock from its own date."""
        at = happened_at(step.delivered_on)
        check_import(actor, self.modified_on, at, recorded_at)
        rules.check_standing_step(self.state, step, actor, at)
        cleaned = rules.clean_standing_step(step)
        assert isinstance(cleaned, SubmitTrainingRecord)
        self.record(
            self.TrainingRecordImported,
            actor,
            command_id,
            at,
            delivered_on=cleaned.delivered_on,
            module=cleaned.module,
            enterprises=cleaned.enterprises,
            participants=cleaned.participants,
            description=cleaned.description,
            recorded_at=recorded_at,
        )

    def credential_change_due(self) -> CredentialChange | None:
        return credentials.change_due(self.state)

    def change_credential(
        self,
        change: CredentialChange,
        actor: Actor,
        command_id: str,
        at: datetime,
        new_credential_id: str | None = None,
        new_status_index: int | None = None,
    ) -> None:
        """Record `change` (from `credential_change_due`): an issue needs a new credential id,
        and a new status entry's index when `change.needs_new_entry`."""
        current = self.state.credential
        if change.issues:
            if new_credential_id is None:
                raise ValueError("issuing a credential needs its id")
            index = new_status_index if change.needs_new_entry else None
            if index is None:
                assert current is not None, "a reissue keeps the current entry"
                index = current.status_index
            self._issue_credential(actor, command_id, at, new_credential_id, index)
            return
        assert current is not None, "a status change needs a credential"
        self._change_status(current, credentials.status_after(change), actor, command_id, at)

    def reissue_credential(
        self,
        actor: Actor,
        command_id: str,
        at: datetime,
        new_credential_id: str,
        new_status_index: int,
    ) -> None:
        """The office's reissue after a correction of the record (a name, an e-mail): the
        credential in force is revoked, and a new one saying what the record says now is
        issued on a new status entry (a revoked entry stays revoked)."""
        current = credentials.check_reissue(self.state, actor)
        self._change_status(current, CredentialStatus.REVOKED, actor, command_id, at)
        self._issue_credential(actor, command_id, at, new_credential_id, new_status_index)

    def _issue_credential(
        self, actor: Actor, command_id: str, at: datetime, credential_id: str, index: int
    ) -> None:
        subject = credentials.subject_now(self.state, credential_id)
        self.record(
            self.CredentialIssued,
            actor,
            command_id,
            at,
            credential_id=credential_id,
            status_index=index,
            modules=[m.value for m in self.state.certified_modules],
            name=subject.name,
            certificate_number=subject.certificate_number,
            identity_hash=subject.identity_hash,
        )

    def _change_status(
        self,
        current: Credential,
        status: CredentialStatus,
        actor: Actor,
        command_id: str,
        at: datetime,
    ) -> None:
        self.record(
            self.CredentialStatusChanged,
            actor,
            command_id,
            at,
            credential_id=current.credential_id,
            status_index=current.status_index,
            status=status.value,
        )

    def open_materials(
        self, module: Module, material: str, actor: Actor, command_id: str, at: datetime
    ) -> None:
        rules.check_materials_access(self.state, module, actor)
        self.record(
            self.MaterialsOpened, actor, command_id, at, module=module.value, material=material
        )
