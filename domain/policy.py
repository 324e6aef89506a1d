"""Who may do or see what: the one place authorisation is decided.

An actor may take an action when one of its grants matches: the actor's role, and the
relation the action asks of it to what the action is about (the candidate's own record, the
candidate's supervising expert, the workshop's expert). The domain's rules, the API's doors
and its reads all ask `may` or `require` here, so a door lets in exactly the roles that a
grant names, and the domain then checks the relation.

A programme-office user may be scoped to countries (a country office; `Actor.countries`):
it then acts on and sees only what belongs to those countries (a trainer's, an enterprise's
or a workshop's country; a journey's is its trainer's), and the audit is left to
headquarters (the office with no scope) and auditors. What an action is about names its
countries in `About.countries` wherever they are known; entry points that find the record
first (the API's doors and reads) ask `may_see` and answer a record outside the scope as
not found, as they answer an unknown id.

The system's own steps (reminders, delisting for inactivity) are taken by the workflows'
timers, never asked for by a caller, so they are no action here: the system may take none.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import NotPermitted
from domain.values import Actor, Role


class Action(StrEnum):
    """What an actor asks to do or see. Steps are named by their `kind`."""

    REGISTER_TRAINER = "register_trainer"
    EDIT_TRAINER = "edit_trainer"  # correct a trainer's name or change their e-mail
    MERGE_TRAINERS = "merge_trainers"  # two records of one person become one
    ERASE_PERSONAL_DATA = "erase_personal_data"  # on the person's request (docs/personal-data.md)
    SCHEDULE_WORKSHOP = "schedule_workshop"
    CHANGE_WORKSHOP = "change_workshop"  # reschedule or cancel a ToT workshop
    REGISTER_ENTERPRISE = "register_enterprise"
    EDIT_ENTERPRISE = "edit_enterprise"  # correct an enterprise's name, sector or counts
    ENROL = "enrol"
    BACKDATE_ENROLMENT = "backdate_enrolment"  # enrol in a workshop that ended: past records
    # A journey's steps (domain/journey/steps.py)
    RECORD_TOT_RESULT = "tot_result"
    SELECT_ENTERPRISE = "select_enterprise"
    RECORD_BASELINE_ASSESSMENT = "baseline_assessment"
    DELIVER_CLASSROOM_WORKSHOP = "classroom_workshop"
    RECORD_COACHING_VISIT = "coaching_visit"
    REPORT_PROGRESS = "progress_report"
    ASSESS_CYCLE = "assessment"
    CERTIFY = "certification"
    WITHDRAW = "withdrawal"
    REASSIGN_EXPERT = "expert_reassignment"
    AMEND_STEP = "step_amendment"  # correct a recorded ToE step's values
    VOID_STEP = "step_voiding"  # strike a recorded ToE step out
    # A certified trainer's standing (domain/trainer/steps.py), and the materials
    SUBMIT_TRAINING_RECORD = "training_record"
    REMOVE_FOR_CAUSE = "removal"
    REINSTATE = "reinstatement"
    OPEN_MATERIALS = "open_materials"
    IMPORT_PAST_RECORDS = "import_past_records"  # trainers, certificates, training records
    CHANGE_POLICY = "change_policy"  # the reminder months, the stall period
    # Reads
    READ_RECORD = "read_record"  # a trainer, their journeys, standing and ToE cycles
    READ_STANDINGS = "read_standings"
    READ_WORKLIST = "read_worklist"
    READ_ANY_WORKLIST = "read_any_worklist"  # name whose worklist, or read the office's
    SEE_WORKSHOP_EXPERT = "see_workshop_expert"  # the expert's internal id on a workshop
    READ_AUDIT = "read_audit"
    DOWNLOAD_CREDENTIAL = "download_credential"  # a trainer's signed credential and PDF
    REISSUE_CREDENTIAL = "reissue_credential"  # after a correction of the holder's record
    MANAGE_WEBHOOKS = "manage_webhooks"  # subscriptions for integrations, and their deliveries
    # The programme office's desk: logins, searching people, messages sent, materials
    MANAGE_LOGINS = "manage_logins"
    SEARCH_PEOPLE = "search_people"
    LIST_JOURNEYS = "list_journeys"  # an expert lists only the journeys they supervise
    READ_MESSAGES = "read_messages"
    MANAGE_MATERIALS = "manage_materials"  # upload them, and see who downloaded what


class Relation(StrEnum):
    """What an actor must be to what the action is about, beyond their role."""

    ANY = "any"  # the role suffices
    OWN_RECORD = "own record"  # the actor is the trainer the record is of
    SUPERVISING_EXPERT = "supervising expert"  # the actor supervises the candidate
    WORKSHOP_EXPERT = "workshop's expert"  # the actor runs the workshop
    HEADQUARTERS = "headquarters"  # an office user scoped to no country: every country
    RECORDER = "who recorded it"  # the actor recorded the step the action is about


@dataclass(frozen=True)
class About:
    """What an action is about, as far as who may take it depends on it."""

    trainer_id: str | None = None  # whose record: the candidate's, the trainer's
    supervisors: frozenset[str] = frozenset()  # the expert(s) supervising that trainer
    workshop_expert: str | None = None  # who runs the workshop
    # The countries (ISO 3166-1 alpha-2) it belongs to, where known: a country office may act
    # only when all of them are its own.
    countries: frozenset[str] = frozenset()
    recorded_by: str | None = None  # who recorded the step (a correction is about)

    @classmethod
    def journey(cls, trainer_id: str, expert_id: str | None) -> About:
        """A candidate's journey (or one of its ToE cycles), supervised by its expert."""
        return cls(trainer_id, frozenset() if expert_id is None else frozenset({expert_id}))


Grant = tuple[Role, Relation]


@dataclass(frozen=True)
class Rule:
    grants: frozenset[Grant]
    refusal: str  # said to an actor no grant matches: who may, in words


def _rule(refusal: str, *grants: Grant) -> Rule:
    return Rule(frozenset(grants), refusal)


OFFICE: Grant = (Role.HQ, Relation.ANY)  # headquarters, or a country office in its countries
HEADQUARTERS: Grant = (Role.HQ, Relation.HEADQUARTERS)  # not a country office
AUDITOR: Grant = (Role.AUDITOR, Relation.ANY)
CANDIDATE: Grant = (Role.TRAINER, Relation.OWN_RECORD)
SUPERVISOR: Grant = (Role.EXPERT, Relation.SUPERVISING_EXPERT)


def _step(who: str, kind: str, *grants: Grant) -> Rule:
    return _rule(f"Only {who} may record a {kind.replace('_', ' ')} step.", *grants)


def _standing(who: str, kind: str, *grants: Grant) -> Rule:
    return _rule(f"Only {who} may record a {kind.replace('_', ' ')}.", *grants)


_TOE = "the candidate or their expert trainer"
_CORRECTORS = (
    "Only whoever recorded the step, the candidate's expert trainer or the programme office "
    "may {} a recorded step."
)
# Whoever recorded a step may correct it: the candidate, or an expert (who may since have
# handed the candidate on); the supervising expert and the office may too.
_RECORDERS: tuple[Grant, ...] = (
    (Role.TRAINER, Relation.RECORDER),
    (Role.EXPERT, Relation.RECORDER),
)
_READERS = "You may read only your own record, or your candidates' records."

RULES: dict[Action, Rule] = {
    Action.REGISTER_TRAINER: _rule(
        "Only the programme office registers candidates and experts.", OFFICE
    ),
    Action.EDIT_TRAINER: _rule(
        "Only the programme office edits a trainer's name or e-mail.", OFFICE
    ),
    Action.MERGE_TRAINERS: _rule("Only the programme office merges two trainer records.", OFFICE),
    Action.ERASE_PERSONAL_DATA: _rule(
        "Only headquarters erases a person's personal data.", HEADQUARTERS
    ),
    Action.SCHEDULE_WORKSHOP: _rule("Only the programme office schedules ToT workshops.", OFFICE),
    Action.CHANGE_WORKSHOP: _rule(
        "Only the programme office reschedules or cancels ToT workshops.", OFFICE
    ),
    Action.EDIT_ENTERPRISE: _rule(
        "Only the programme office edits an enterprise's details.", OFFICE
    ),
    Action.REGISTER_ENTERPRISE: _rule(
        "Enterprises are registered by hq, expert trainers or trainers.",
        OFFICE,
        (Role.EXPERT, Relation.ANY),
        (Role.TRAINER, Relation.ANY),
    ),
    Action.ENROL: _rule(
        "Only the programme office or the workshop's expert trainer may enrol.",
        OFFICE,
        (Role.EXPERT, Relation.WORKSHOP_EXPERT),
    ),
    Action.BACKDATE_ENROLMENT: _rule(
        "Only the programme office enrols in a workshop that has ended (bringing in past "
        "records, with the reason).",
        OFFICE,
    ),
    Action.RECORD_TOT_RESULT: _step("the candidate's expert trainer", "tot_result", SUPERVISOR),
    Action.SELECT_ENTERPRISE: _step(_TOE, "select_enterprise", CANDIDATE, SUPERVISOR),
    Action.RECORD_BASELINE_ASSESSMENT: _step(_TOE, "baseline_assessment", CANDIDATE, SUPERVISOR),
    Action.DELIVER_CLASSROOM_WORKSHOP: _step(_TOE, "classroom_workshop", CANDIDATE, SUPERVISOR),
    Action.RECORD_COACHING_VISIT: _step(_TOE, "coaching_visit", CANDIDATE, SUPERVISOR),
    Action.REPORT_PROGRESS: _step(_TOE, "progress_report", CANDIDATE, SUPERVISOR),
    Action.ASSESS_CYCLE: _step("the candidate's expert trainer", "assessment", SUPERVISOR),
    Action.CERTIFY: _step("the programme office", "certification", OFFICE),
    Action.WITHDRAW: _step(
        "the candidate, their expert or hq", "withdrawal", OFFICE, CANDIDATE, SUPERVISOR
    ),
    Action.REASSIGN_EXPERT: _rule(
        "Only the programme office moves a candidate to another expert trainer.", OFFICE
    ),
    Action.AMEND_STEP: _rule(_CORRECTORS.format("amend"), OFFICE, SUPERVISOR, *_RECORDERS),
    Action.VOID_STEP: _rule(_CORRECTORS.format("void"), OFFICE, SUPERVISOR, *_RECORDERS),
    Action.SUBMIT_TRAINING_RECORD: _standing(
        "the trainer or hq", "training_record", OFFICE, CANDIDATE
    ),
    Action.REMOVE_FOR_CAUSE: _standing("the programme office", "removal", OFFICE),
    Action.REINSTATE: _standing("the programme office", "reinstatement", OFFICE),
    # The programme's whole register and its thresholds: headquarters' alone.
    Action.IMPORT_PAST_RECORDS: _rule(
        "Only headquarters (an office user scoped to no country) imports or exports past "
        "trainers, certificates and training records.",
        HEADQUARTERS,
    ),
    Action.CHANGE_POLICY: _rule(
        "Only headquarters (an office user scoped to no country) changes the reminder months "
        "and the stall period.",
        HEADQUARTERS,
    ),
    Action.OPEN_MATERIALS: _rule(
        "Training materials are opened by the trainer themselves.", CANDIDATE
    ),
    Action.READ_RECORD: _rule(
        _READERS,
        OFFICE,
        AUDITOR,
        CANDIDATE,
        (Role.EXPERT, Relation.OWN_RECORD),  # an expert is a trainer too
        SUPERVISOR,
    ),
    Action.READ_STANDINGS: _rule(
        "Only the programme office and auditors read every trainer's standing.", OFFICE, AUDITOR
    ),
    Action.READ_WORKLIST: _rule(
        "Worklists are for expert trainers, the programme office and auditors.",
        OFFICE,
        AUDITOR,
        (Role.EXPERT, Relation.ANY),  # their own: the route reads it for them
    ),
    Action.READ_ANY_WORKLIST: _rule(
        "Only the programme office and auditors read another expert's worklist.", OFFICE, AUDITOR
    ),
    Action.SEE_WORKSHOP_EXPERT: _rule(
        "Only the office, auditors and the workshop's expert see who runs it by id.",
        OFFICE,
        AUDITOR,
        (Role.EXPERT, Relation.WORKSHOP_EXPERT),
    ),
    Action.READ_AUDIT: _rule(
        "Only auditors and headquarters (an office user scoped to no country) read the audit.",
        HEADQUARTERS,
        AUDITOR,
    ),
    Action.DOWNLOAD_CREDENTIAL: _rule(
        "A credential is downloaded by its holder, the programme office or an auditor.",
        OFFICE,
        AUDITOR,
        CANDIDATE,
        (Role.EXPERT, Relation.OWN_RECORD),  # an expert is a certified trainer too
    ),
    # Not scoped to countries: subscriptions hear every country's events, logins and messages
    # are found by username or address, materials serve every country. Headquarters' alone.
    Action.REISSUE_CREDENTIAL: _rule(
        "Only the programme office reissues a credential (after correcting the record).", OFFICE
    ),
    Action.MANAGE_WEBHOOKS: _rule(
        "Only headquarters (an office user scoped to no country) manages webhooks.", HEADQUARTERS
    ),
    Action.MANAGE_LOGINS: _rule(
        "Only headquarters (an office user scoped to no country) gives, resets and deactivates "
        "people's logins.",
        HEADQUARTERS,
    ),
    Action.SEARCH_PEOPLE: _rule(
        "Only the programme office and auditors search every trainer.", OFFICE, AUDITOR
    ),
    Action.LIST_JOURNEYS: _rule(
        "Journeys are listed for the programme office, auditors and expert trainers (theirs).",
        OFFICE,
        AUDITOR,
        (Role.EXPERT, Relation.ANY),  # their own: the route lists them for them
    ),
    Action.READ_MESSAGES: _rule(
        "Only headquarters (an office user scoped to no country) reads the messages that went out.",
        HEADQUARTERS,
    ),
    Action.MANAGE_MATERIALS: _rule(
        "Only headquarters (an office user scoped to no country) uploads training materials and "
        "sees their downloads.",
        HEADQUARTERS,
    ),
}


def relations(actor: Actor, about: About) -> frozenset[Relation]:
    """Every relation `actor` has to what `about` describes."""
    held = {Relation.ANY}
    if about.trainer_id is not None and actor.user_id == about.trainer_id:
        held.add(Relation.OWN_RECORD)
    if actor.user_id in about.supervisors:
        held.add(Relation.SUPERVISING_EXPERT)
    if about.workshop_expert is not None and actor.user_id == about.workshop_expert:
        held.add(Relation.WORKSHOP_EXPERT)
    if actor.role is Role.HQ and not actor.countries:
        held.add(Relation.HEADQUARTERS)
    if about.recorded_by is not None and actor.user_id == about.recorded_by:
        held.add(Relation.RECORDER)
    return frozenset(held)


def may(actor: Actor, action: Action, about: About | None = None) -> bool:
    """Whether `actor` may take `action` on what `about` describes."""
    about = about or About()
    held = relations(actor, about)
    granted = any(
        role is actor.role and relation in held for role, relation in RULES[action].grants
    )
    return granted and may_see(actor, about.countries)


def require(actor: Actor, action: Action, about: About | None = None) -> None:
    """Raise NotPermitted, saying who may, unless `actor` may take `action`."""
    if not may(actor, action, about):
        raise NotPermitted(_refusal(actor, action, about or About()))


def _refusal(actor: Actor, action: Action, about: About) -> str:
    if not may_see(actor, about.countries):
        outside = ", ".join(sorted(about.countries - set(actor.countries)))
        return (
            f"Your office works in {', '.join(actor.countries)}; {outside} is another "
            "country office's (or headquarters')."
        )
    return RULES[action].refusal


def may_see(actor: Actor, countries: frozenset[str] | set[str]) -> bool:
    """Whether what belongs to `countries` is within the actor's reach: a country office
    reaches only its own countries; everyone else is limited by their grants alone."""
    return not actor.countries or set(countries) <= set(actor.countries)


def countries_seen(actor: Actor) -> frozenset[str] | None:
    """The countries whose records the actor's lists show; None: every country."""
    return frozenset(actor.countries) if actor.countries else None


def may_pass_door(actor: Actor, action: Action) -> bool:
    """Whether the actor passes the door of `action` before its record is read: some grant
    names their role, through a relation that needs the record or that they hold anyway
    (a country office holds no `HEADQUARTERS`)."""
    held = relations(actor, About())
    return any(
        role is actor.role and (relation in RECORD_RELATIONS or relation in held)
        for role, relation in RULES[action].grants
    )


# The relations only the record can tell (whose it is, who supervises, who runs it).
RECORD_RELATIONS = frozenset(
    {
        Relation.OWN_RECORD,
        Relation.SUPERVISING_EXPERT,
        Relation.WORKSHOP_EXPERT,
        Relation.RECORDER,
    }
)


def roles_for(action: Action) -> frozenset[Role]:
    """The roles some grant of `action` names: whom an entry point lets through its door
    before the relation (which needs the record) is checked."""
    return frozenset(role for role, _ in RULES[action].grants)


def relations_granting(role: Role, action: Action) -> frozenset[Relation]:
    """The relations through which `role` may take `action` (none: never)."""
    return frozenset(relation for granted, relation in RULES[action].grants if granted is role)
