"""Enterprises (SMEs) that candidates train during their ToE cycles."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain import policy
from domain.countries import country_code, upcast_country
from domain.errors import InvalidInput
from domain.policy import About, Action
from domain.recorded import RecordedAggregate, created_fields
from domain.size_warnings import SizeWarning, recorded_fields, upcast_text
from domain.text import ORGANISATION_NAME, SECTOR, clean_field
from domain.values import Actor

MAX_EMPLOYEES = 10_000_000  # more than any employer has; an integer column holds it

# The SCORE target, by default; a policy version may set another range (domain/policies.py).
SME_MIN_EMPLOYEES, SME_MAX_EMPLOYEES = 50, 250


@dataclass(frozen=True)
class SmeSize:
    """The employee range of the SME target in force, and the policy version that set it (0:
    the default the service ran with before any version), so that a warning can name it."""

    min_employees: int = SME_MIN_EMPLOYEES
    max_employees: int = SME_MAX_EMPLOYEES
    policy_version: int = 0


DEFAULT_SME_SIZE = SmeSize()


@dataclass(frozen=True)
class EnterpriseDetails:
    name: str
    country: str
    sector: str
    employees: int
    women_employees: int


@dataclass(frozen=True)
class EnterpriseState:
    enterprise_id: str
    details: EnterpriseDetails
    size_warning: SizeWarning | None


def check_enterprise(
    details: EnterpriseDetails, actor: Actor, size: SmeSize = DEFAULT_SME_SIZE
) -> SizeWarning | None:
    """Refuse malformed details; return a warning (not a refusal) for a firm outside the SME
    `size` in force."""
    policy.require(actor, Action.REGISTER_ENTERPRISE)
    details = clean_details(details)
    where = About(countries=frozenset({details.country}))
    policy.require(actor, Action.REGISTER_ENTERPRISE, where)
    _check_counts(details)
    return size_warning(details.employees, size)


@dataclass(frozen=True)
class EnterpriseEdit:
    """What the office changes of an enterprise's details: None leaves that detail as it is.
    Not its country: that names where it is, which scopes the country offices."""

    name: str | None = None
    sector: str | None = None
    employees: int | None = None
    women_employees: int | None = None


def check_enterprise_edit(
    state: EnterpriseState, edit: EnterpriseEdit, actor: Actor
) -> EnterpriseDetails:
    """The details as the edit leaves them, checked as at registration; refused if the edit
    changes nothing."""
    before = state.details
    policy.require(actor, Action.EDIT_ENTERPRISE, About(countries=frozenset({before.country})))
    after = clean_details(
        EnterpriseDetails(
            name=before.name if edit.name is None else edit.name,
            country=before.country,
            sector=before.sector if edit.sector is None else edit.sector,
            employees=before.employees if edit.employees is None else edit.employees,
            women_employees=(
                before.women_employees if edit.women_employees is None else edit.women_employees
            ),
        )
    )
    _check_counts(after)
    if after == before:
        raise InvalidInput(
            f"Nothing to change: {before.name} already has these details; "
            "send the name, sector or employee counts as they should be."
        )
    return after


def _check_counts(details: EnterpriseDetails) -> None:
    if details.employees < 1 or not 0 <= details.women_employees <= details.employees:
        raise InvalidInput(
            "Employees must be at least 1, and women employees between 0 and that number."
        )
    if details.employees > MAX_EMPLOYEES:
        raise InvalidInput(
            f"{details.employees:,} employees looks like a typing error; "
            f"no employer has more than {MAX_EMPLOYEES:,}."
        )


def size_warning(employees: int, size: SmeSize = DEFAULT_SME_SIZE) -> SizeWarning | None:
    """The warning (not a refusal) for a firm outside the SME `size` in force, wherever it is
    chosen: at registration, and when a candidate selects it into a ToE cycle. It carries a
    code and its params (domain/size_warnings.py), among them the policy version whose range
    it applied, and is recorded as judged then: a later version never rewrites it."""
    if size.min_employees <= employees <= size.max_employees:
        return None
    return SizeWarning.outside(
        employees, size.min_employees, size.max_employees, size.policy_version
    )


def clean_details(details: EnterpriseDetails) -> EnterpriseDetails:
    """The details with their text cleaned (domain/text.py); InvalidInput naming the field
    otherwise. The enterprise's id comes from the cleaned country and name."""
    return replace(
        details,
        name=clean_field("name", details.name, ORGANISATION_NAME),
        country=country_code("country", details.country),
        sector=clean_field("sector", details.sector, SECTOR),
    )


class Enterprise(RecordedAggregate):
    if TYPE_CHECKING:  # declared for mypy only: eventsourcing turns annotations into __init__ args
        state: EnterpriseState

    class Registered(RecordedAggregate.Created):
        # v1 (release v0.1.0) recorded the country as free text; v1 and v2 the size warning
        # as English text
        class_version = 3
        name: str
        country: str  # ISO 3166-1 alpha-2 (domain/countries.py)
        sector: str
        employees: int
        women_employees: int
        size_warning: dict[str, Any] | None  # its code and params (SizeWarning.recorded)
        size_warning_as_recorded: str | None  # v1–v2's text, kept by the upcast; None since
        country_as_recorded: str | None  # v1's free text, kept by the upcast; None since

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_country(state)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            upcast_text(state)

        def apply_to(self, aggregate: Any) -> None:
            details = EnterpriseDetails(
                self.name, self.country, self.sector, self.employees, self.women_employees
            )
            warning = SizeWarning.from_event(self.size_warning, self.size_warning_as_recorded)
            aggregate.state = EnterpriseState(str(self.originator_id), details, warning)

    class DetailsEdited(RecordedAggregate.Event):
        """The office corrected the enterprise's details (all of them as they now stand); the
        size warning follows the employee count."""

        class_version = 2  # v1 recorded the size warning as English text
        name: str
        sector: str
        employees: int
        women_employees: int
        size_warning: dict[str, Any] | None  # its code and params (SizeWarning.recorded)
        size_warning_as_recorded: str | None  # v1's text, kept by the upcast; None since

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_text(state)

        def apply_to(self, aggregate: Any) -> None:
            details = replace(
                aggregate.state.details,
                name=self.name,
                sector=self.sector,
                employees=self.employees,
                women_employees=self.women_employees,
            )
            warning = SizeWarning.from_event(self.size_warning, self.size_warning_as_recorded)
            aggregate.state = replace(aggregate.state, details=details, size_warning=warning)

    @classmethod
    def register(
        cls,
        enterprise_id: UUID,
        details: EnterpriseDetails,
        actor: Actor,
        command_id: str,
        at: datetime,
        size: SmeSize = DEFAULT_SME_SIZE,
    ) -> Enterprise:
        """`size`: the SME range in force at `at` (the application reads the policy)."""
        warning = check_enterprise(details, actor, size)
        details = clean_details(details)
        return cls._create(
            cls.Registered,
            id=enterprise_id,
            name=details.name,
            country=details.country,
            sector=details.sector,
            employees=details.employees,
            women_employees=details.women_employees,
            **recorded_fields(warning),
            country_as_recorded=None,
            **created_fields(actor, command_id, at),
        )

    def edit_details(
        self,
        edit: EnterpriseEdit,
        actor: Actor,
        command_id: str,
        at: datetime,
        size: SmeSize = DEFAULT_SME_SIZE,
    ) -> None:
        after = check_enterprise_edit(self.state, edit, actor)
        self.record(
            self.DetailsEdited,
            actor,
            command_id,
            at,
            name=after.name,
            sector=after.sector,
            employees=after.employees,
            women_employees=after.women_employees,
            **recorded_fields(size_warning(after.employees, size)),
        )
