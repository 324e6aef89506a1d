"""The journey's rules, pure: `check` refuses a step with a reason, `evolve` applies an allowed one.

The aggregate and the workflow's update validators call the same functions, so a step the
workflow accepts is one the domain accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from domain import policy
from domain.errors import (
    AlreadyCertified,
    DomainError,
    InvalidInput,
    JourneyClosed,
    NotRecommended,
    SecondProvisionalRefused,
    StepNotAllowed,
    StepOutOfOrder,
)
from domain.indicators import validate_indicators
from domain.journey.state import (
    DEFAULT_PARTICIPANT_LIMIT,
    PARTICIPANT_CEILING,
    EnterpriseProgress,
    JourneyState,
    ParticipantLimit,
    RecordedStep,
    Stage,
    ToECycle,
)
from domain.journey.steps import (
    CORRECTABLE,
    AmendStep,
    AssessCycle,
    Certify,
    Correction,
    DeliverClassroomWorkshop,
    JourneyStep,
    ReassignExpert,
    RecordBaselineAssessment,
    RecordCoachingVisit,
    RecordToTResult,
    ReportProgress,
    SelectEnterprise,
    VoidStep,
    Withdraw,
)
from domain.policy import About, Action
from domain.size_warnings import SizeWarning
from domain.text import FREE_TEXT, IDENTIFIER, INDICATOR_NAME, REASON, clean_field, clean_keys
from domain.values import Actor, Role

# The participant limit in force at a moment: the policy version's, as the application reads
# it (domain/policies.py). Asked only when a classroom workshop is judged (taken, or judged
# again by a correction), so that no other step reads the policy.
LimitAt = Callable[[datetime], ParticipantLimit]


def default_limit(moment: datetime) -> ParticipantLimit:  # noqa: ARG001 (a LimitAt)
    """Version 0's limit at any moment: for a caller that reads no policy."""
    return DEFAULT_PARTICIPANT_LIMIT


def limit_ceiling(moment: datetime) -> ParticipantLimit:  # noqa: ARG001 (a LimitAt)
    """The ceiling no version may exceed, for the workflows' validators, which cannot read
    the policy: a count above it is refused whatever applies, and one within it is left to
    the application, which judges the limit in force when it applies the step (a validator
    judging by an older limit would refuse a step the version in force allows)."""
    return PARTICIPANT_CEILING


# ---------------------------------------------------------------------------------------------
# Who may take which step


def check_actor(state: JourneyState, step: JourneyStep, actor: Actor) -> None:
    """Experts act only on their own candidates, trainers only on their own journey
    (domain/policy.py says who may take which step)."""
    about = About.journey(state.trainer_id, state.expert_id)
    if isinstance(step, Correction):  # whoever recorded it may correct it
        target = state.recorded_step(step.step_version)
        # No such step: the candidate, who records the ToE steps, is told it is not there.
        about = replace(about, recorded_by=target.recorded_by if target else state.trainer_id)
    policy.require(actor, Action(step.kind), about)


# ---------------------------------------------------------------------------------------------
# Whether the step is allowed now


def check(
    state: JourneyState,
    step: JourneyStep,
    actor: Actor,
    at: datetime | None = None,
    *,
    limit_at: LimitAt,
) -> None:
    """Raise a DomainError with the reason when `actor` may not take `step` now (`at`).

    A term of the programme's policy (the participant limit) is the one `limit_at` gives in
    force at the moment of the step it judges: `at` for this step, a recorded step's own
    moment when a correction judges it again, so that a later version never turns a step
    taken under an earlier one into a refusal. It is asked only for a classroom workshop."""
    check_actor(state, step, actor)
    step = clean_step(step)  # a withdrawal needs no more than an open journey and a reason
    if isinstance(step, Correction):
        _check_correction(state, step, limit_at)
    else:
        _check_rules(state, step, limit_at, state.last_step_at if at is None else at)


def _check_rules(state: JourneyState, step: JourneyStep, limit_at: LimitAt, at: datetime) -> None:
    """Whether the step may come now (`at`), whoever takes it; `limit_at` is asked only for
    a classroom workshop."""
    _check_open(state)
    match step:
        case RecordToTResult():
            _check_tot_result(state, step)
        case SelectEnterprise():
            _check_selection(_toe_cycle(state, step), step)
        case RecordBaselineAssessment():
            _check_baseline(_toe_cycle(state, step), step)
        case DeliverClassroomWorkshop():
            _check_classroom(_toe_cycle(state, step), step, limit_at(at))
        case RecordCoachingVisit():
            _check_visit(_toe_cycle(state, step), step.enterprise_id)
            _check_visit_date(_toe_cycle(state, step), step)
        case ReportProgress():
            _check_report(_toe_cycle(state, step), step)
        case AssessCycle():
            _check_assessment(state, step)
        case Certify():
            _check_certification(state)
        case ReassignExpert():
            _check_reassignment(state, step)


def clean_step(step: JourneyStep) -> JourneyStep:
    """The step with the text a person typed cleaned (domain/text.py); InvalidInput naming
    the field when a piece of it cannot be recorded. The journey records the cleaned step."""
    match step:
        case SelectEnterprise():
            return replace(step, enterprise_id=_enterprise_id(step.enterprise_id))
        case RecordBaselineAssessment() | ReportProgress():
            indicators = clean_keys("indicators", step.indicators, INDICATOR_NAME)
            enterprise_id = _enterprise_id(step.enterprise_id)
            return replace(step, enterprise_id=enterprise_id, indicators=indicators)
        case RecordCoachingVisit():
            notes = clean_field("notes", step.notes, FREE_TEXT)
            return replace(step, enterprise_id=_enterprise_id(step.enterprise_id), notes=notes)
        case AssessCycle():
            return replace(step, comments=clean_field("comments", step.comments, FREE_TEXT))
        case Withdraw():
            return replace(step, reason=clean_field("reason", step.reason, REASON))
        case AmendStep():
            return replace(
                step,
                notes=None if step.notes is None else clean_field("notes", step.notes, FREE_TEXT),
                indicators=None
                if step.indicators is None
                else clean_keys("indicators", step.indicators, INDICATOR_NAME),
                reason=clean_field("reason", step.reason, REASON),
            )
        case VoidStep():
            return replace(step, reason=clean_field("reason", step.reason, REASON))
        case ReassignExpert():
            expert_id = clean_field("expert_id", step.expert_id, IDENTIFIER)
            return replace(
                step, expert_id=expert_id, reason=clean_field("reason", step.reason, REASON)
            )
        case _:
            return step


def _enterprise_id(value: str) -> str:
    return clean_field("enterprise_id", value, IDENTIFIER)


def _check_open(state: JourneyState) -> None:
    if state.stage is Stage.CERTIFIED:
        raise AlreadyCertified(
            "This journey ended with certification; it can no longer be changed or withdrawn.",
            code="journey_certified",
        )
    if not state.is_open:
        raise JourneyClosed(
            f"This journey has ended ({state.stage.value}); "
            "enrol in a new ToT workshop to start again.",
            code="journey_ended",
        )


def _check_tot_result(state: JourneyState, step: RecordToTResult) -> None:
    if state.stage is not Stage.ENROLLED:
        raise StepNotAllowed(
            "The ToT workshop result has already been recorded for this journey.",
            code="tot_result_recorded",
        )
    if step.completed and not step.attended:
        raise InvalidInput(
            "A candidate who did not attend the ToT workshop cannot complete it.",
            code="tot_completed_without_attending",
        )


def _toe_cycle(state: JourneyState, step: JourneyStep) -> ToECycle:
    if state.stage is Stage.ENROLLED:
        raise StepOutOfOrder(
            f"The ToT workshop result must be recorded as completed before any ToE step "
            f"({step.kind.replace('_', ' ')})."
        )
    if state.stage is Stage.RECOMMENDED or state.cycle is None:
        raise StepNotAllowed(
            "The ToE cycle has been assessed and recommended; it now waits for certification."
        )
    return state.cycle


def _selected(cycle: ToECycle, enterprise_id: str, what: str) -> EnterpriseProgress:
    progress = cycle.enterprise(enterprise_id)
    if progress is None:
        raise StepOutOfOrder(
            f"Enterprise {enterprise_id} is not selected in ToE cycle {cycle.number}; "
            f"select it before its {what}.",
            code="enterprise_not_selected",
            params={"enterprise": enterprise_id, "cycle": cycle.number},
        )
    return progress


def _check_selection(cycle: ToECycle, step: SelectEnterprise) -> None:
    if cycle.enterprise(step.enterprise_id) is not None:
        raise StepNotAllowed(
            f"Enterprise {step.enterprise_id} is already selected in ToE cycle {cycle.number}.",
            code="enterprise_already_selected",
            params={"enterprise": step.enterprise_id, "cycle": cycle.number},
        )
    if cycle.classroom_delivered:
        raise StepOutOfOrder(
            f"The classroom workshop of ToE cycle {cycle.number} has been delivered; "
            "enterprises must be selected before it.",
            code="selection_after_classroom",
            params={"cycle": cycle.number},
        )


def _check_baseline(cycle: ToECycle, step: RecordBaselineAssessment) -> None:
    progress = _selected(cycle, step.enterprise_id, "baseline assessment")
    if progress.assessed:
        raise StepNotAllowed(
            f"Enterprise {step.enterprise_id} already had its baseline assessment in this cycle.",
            code="baseline_recorded",
            params={"enterprise": step.enterprise_id},
        )
    validate_indicators(step.indicators)


def _check_classroom(
    cycle: ToECycle, step: DeliverClassroomWorkshop, limit: ParticipantLimit
) -> None:
    if cycle.classroom_delivered:
        raise StepNotAllowed(
            f"The classroom workshop of ToE cycle {cycle.number} has already been delivered.",
            code="classroom_delivered",
            params={"cycle": cycle.number},
        )
    if not cycle.enterprises:
        raise StepOutOfOrder(
            "Select at least one enterprise before the classroom workshop.",
            code="classroom_without_enterprise",
        )
    pending = [e.enterprise_id for e in cycle.enterprises if not e.assessed]
    if pending:
        raise StepOutOfOrder(
            f"Do the baseline assessment of {', '.join(pending)} before the classroom workshop."
        )
    later = [e for e in cycle.enterprises if e.baseline_on and e.baseline_on > step.held_on]
    if later:
        raise StepOutOfOrder(
            f"The classroom workshop dated {step.held_on} would come before the baseline "
            f"assessment of {later[0].enterprise_id} on {later[0].baseline_on}; the baseline "
            "comes first. Check the dates.",
            code="classroom_before_baseline",
            params={
                "held_on": step.held_on,
                "enterprise": later[0].enterprise_id,
                "baseline_on": later[0].baseline_on or step.held_on,
            },
        )
    _check_participants(step, limit)


def _check_participants(step: DeliverClassroomWorkshop, limit: ParticipantLimit) -> None:
    if min(step.managers, step.workers, step.women) < 0:
        raise InvalidInput("Participant counts cannot be negative.", code="negative_count")
    if step.managers + step.workers == 0:
        raise InvalidInput(
            "A classroom workshop needs at least one participant.", code="no_participants"
        )
    if step.women > step.managers + step.workers:
        raise InvalidInput(
            f"{step.women} women cannot be more than the {step.managers + step.workers} "
            "participants (managers + workers).",
            code="women_above_participants",
            params={"women": step.women, "participants": step.managers + step.workers},
        )
    participants = step.managers + step.workers
    if participants > limit.participants and limit.policy_version is None:
        raise InvalidInput(
            f"{participants} participants in one classroom workshop are more than any policy "
            f"version of the programme may allow: at most {limit.participants}. Check the "
            "counts.",
            code="participants_above_ceiling",
            params={"participants": participants, "limit": limit.participants},
        )
    if participants > limit.participants and limit.policy_version is not None:
        raise InvalidInput(
            f"{participants} participants in one classroom workshop are more than the "
            f"programme allows: at most {limit.participants} (policy version "
            f"{limit.policy_version}). Check the counts.",
            code="too_many_participants",
            params={
                "participants": participants,
                "limit": limit.participants,
                "policy_version": limit.policy_version,
            },
        )
    if step.satisfaction is not None and not 0 <= step.satisfaction <= 100:
        raise InvalidInput(
            f"Satisfaction is a percentage from 0 to 100, got {step.satisfaction}; leave it "
            "out if the participants were not asked."
        )


def _check_visit_date(cycle: ToECycle, step: RecordCoachingVisit) -> None:
    held_on = cycle.classroom_held_on
    if held_on is not None and step.visited_on < held_on:
        raise StepOutOfOrder(
            f"A coaching visit dated {step.visited_on} would come before the classroom workshop "
            f"of {held_on}; coaching follows the workshop. Check the dates.",
            code="visit_before_classroom",
            params={"visited_on": step.visited_on, "held_on": held_on},
        )


def _check_visit(cycle: ToECycle, enterprise_id: str) -> EnterpriseProgress:
    progress = _selected(cycle, enterprise_id, "coaching visits")
    if not progress.assessed:
        raise StepOutOfOrder(
            f"Enterprise {enterprise_id} needs its baseline assessment before coaching visits.",
            code="visit_before_baseline",
            params={"enterprise": enterprise_id},
        )
    if not cycle.classroom_delivered:
        raise StepOutOfOrder(
            f"Deliver the classroom workshop of ToE cycle {cycle.number} before coaching visits.",
            code="visit_before_classroom_delivered",
            params={"cycle": cycle.number},
        )
    return progress


def _check_report(cycle: ToECycle, step: ReportProgress) -> None:
    progress = _check_visit(cycle, step.enterprise_id)
    if progress.coaching_visits == 0:
        raise StepOutOfOrder(
            f"Record at least one coaching visit to enterprise {step.enterprise_id} "
            "before reporting its progress.",
            code="report_before_visit",
            params={"enterprise": step.enterprise_id},
        )
    validate_indicators(step.indicators)


def _check_assessment(state: JourneyState, step: AssessCycle) -> None:
    cycle = _toe_cycle(state, step)
    if not cycle.complete:
        raise StepOutOfOrder(
            f"ToE cycle {cycle.number} is not complete: {missing_in_cycle(cycle)}."
        )
    if step.outcome == "provisional" and state.provisional_given:
        raise SecondProvisionalRefused(
            "A provisional outcome was already given, and this is the extra ToE cycle it "
            "allowed; decide recommended or not_recommended.",
            code="second_provisional",
        )


def _check_certification(state: JourneyState) -> None:
    if state.stage is not Stage.RECOMMENDED:
        raise NotRecommended(
            "Certification needs a 'recommended' assessment by the expert trainer; "
            f"the journey is at stage {state.stage.value} (next: {next_action(state).what})."
        )


def missing_in_cycle(cycle: ToECycle, names: Mapping[str, str] | None = None) -> str:
    """What is still to do before the cycle can be assessed, in words; enterprises by their
    names where `names` knows them, else by id."""

    def listed(ids: list[str]) -> str:
        return ", ".join((names or {}).get(enterprise_id, enterprise_id) for enterprise_id in ids)

    if not cycle.enterprises:
        return "select at least one enterprise"
    if not cycle.classroom_delivered:
        pending = [e.enterprise_id for e in cycle.enterprises if not e.assessed]
        if pending:
            return f"baseline assessment of {listed(pending)}"
        return "deliver the classroom workshop"
    unvisited = [e.enterprise_id for e in cycle.enterprises if e.coaching_visits == 0]
    if unvisited:
        return f"coaching visit to {listed(unvisited)}"
    unreported = [e.enterprise_id for e in cycle.enterprises if e.reports == 0]
    if unreported:
        return f"progress report for {listed(unreported)}"
    return "nothing"


# ---------------------------------------------------------------------------------------------
# What an allowed step changes


def evolve(state: JourneyState, step: JourneyStep, at: datetime) -> JourneyState:
    """The state after `step`, taken at `at`. Call `check` first: this does not validate.

    A correction is no progress: it leaves `last_step_at` (the stall clock) where it was."""
    if isinstance(step, Correction):
        return _refolded(state, corrected_log(state, step))
    state = replace(state, last_step_at=at)
    match step:
        case RecordToTResult(completed=True):
            return replace(state, stage=Stage.TOE_CYCLE, cycle=ToECycle(number=1))
        case RecordToTResult():
            return replace(state, stage=Stage.TOT_NOT_COMPLETED)
        case SelectEnterprise():
            return _with_progress(state, EnterpriseProgress(step.enterprise_id))
        case RecordBaselineAssessment():
            baseline = dict(step.indicators)
            return _update(
                state, step.enterprise_id, baseline=baseline, baseline_on=step.visited_on
            )
        case DeliverClassroomWorkshop():
            delivered = replace(
                _cycle(state), classroom_delivered=True, classroom_held_on=step.held_on
            )
            return replace(state, cycle=delivered)
        case RecordCoachingVisit():
            visits = _progress(state, step.enterprise_id).coaching_visits + 1
            return _update(state, step.enterprise_id, coaching_visits=visits)
        case ReportProgress():
            reports = _progress(state, step.enterprise_id).reports + 1
            return _update(state, step.enterprise_id, reports=reports, latest=dict(step.indicators))
        case AssessCycle():
            return _assessed(state, step)
        case Certify():
            return replace(state, stage=Stage.CERTIFIED)
        case Withdraw():
            return replace(state, stage=Stage.WITHDRAWN, withdrawal_reason=step.reason.strip())
        case ReassignExpert():
            return replace(state, expert_id=step.expert_id)


def record(
    state: JourneyState,
    step: JourneyStep,
    at: datetime,
    version: int,
    recorded_by: str,
    size_warning: SizeWarning | None = None,
) -> JourneyState:
    """The state after the event that recorded `step` as the journey's `version`: evolved,
    with the step kept in `recorded` (a correction changes an entry there instead)."""
    if isinstance(step, Correction):
        return evolve(state, step, at)
    entry = RecordedStep(version, step, at, recorded_by, size_warning)
    return replace(_fold(state, entry), recorded=(*state.recorded, entry))


def _fold(state: JourneyState, entry: RecordedStep) -> JourneyState:
    """The state after the recorded step, as first taken or when folded again: evolved, the
    enterprise it selected carrying the size warning given then."""
    after = evolve(state, entry.step, entry.at)
    if isinstance(entry.step, SelectEnterprise) and entry.size_warning is not None:
        after = evolve_size_warned(after, entry.step.enterprise_id, entry.size_warning)
    return after


def _check_reassignment(state: JourneyState, step: ReassignExpert) -> None:
    """Whether the named expert may take over (the application checks they are an expert)."""
    if step.expert_id == state.expert_id:
        raise StepNotAllowed(
            f"{step.expert_id} already supervises this journey.",
            code="expert_already_supervises",
            params={"expert": step.expert_id},
        )
    if step.expert_id == state.trainer_id:
        raise StepNotAllowed(
            "A candidate cannot supervise their own journey; name another expert trainer.",
            code="candidate_cannot_supervise",
        )


def _assessed(state: JourneyState, step: AssessCycle) -> JourneyState:
    if step.outcome == "recommended":
        return replace(state, stage=Stage.RECOMMENDED)
    if step.outcome == "not_recommended":
        return replace(state, stage=Stage.NOT_RECOMMENDED)
    extra_cycle = ToECycle(number=_cycle(state).number + 1)
    return replace(state, stage=Stage.TOE_CYCLE, cycle=extra_cycle, provisional_given=True)


def _cycle(state: JourneyState) -> ToECycle:
    assert state.cycle is not None, "evolve() called for a ToE step outside a ToE cycle"
    return state.cycle


def _progress(state: JourneyState, enterprise_id: str) -> EnterpriseProgress:
    progress = _cycle(state).enterprise(enterprise_id)
    assert progress is not None, "evolve() called for an enterprise that is not selected"
    return progress


def evolve_size_warned(
    state: JourneyState, enterprise_id: str, warning: SizeWarning
) -> JourneyState:
    """The selected enterprise carries the warning that it is outside SME size."""
    return _update(state, enterprise_id, size_warning=warning)


def _with_progress(state: JourneyState, progress: EnterpriseProgress) -> JourneyState:
    return replace(state, cycle=_cycle(state).with_enterprise(progress))


def _update(state: JourneyState, enterprise_id: str, **changes: object) -> JourneyState:
    return _with_progress(state, replace(_progress(state, enterprise_id), **changes))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Corrections: a recorded step amended or voided, the rules judged again
#
# The journey keeps every step it recorded (`JourneyState.recorded`). A correction changes
# one entry there (its values, or struck out) and the state is folded again from enrolment
# over the steps as corrected, judging each from the corrected one on by the rules of now: a
# correction that would leave a step breaking a rule (a baseline voided under coaching
# visits, a visit dated before the classroom workshop) is refused with that rule's words.
# The steps before it are left as they were, not judged again (one taken under an earlier
# rule would otherwise block every correction). Who took each step is not judged again:
# they were allowed to then.


def _check_correction(state: JourneyState, step: Correction, limit_at: LimitAt) -> None:
    if not state.is_open:  # its closing consequences (certificate, standing) are final
        raise StepNotAllowed(
            f"This journey has ended ({state.stage.value}); its records can no longer be "
            "corrected, as its outcome rests on them. If a mistake changes that outcome, the "
            "programme office acts on the trainer's record (a removal for cause).",
            code="correction_after_close",
            params={"stage": state.stage.value},
        )
    target = _target(state, step)
    if isinstance(step, AmendStep):
        _check_amendment(target, step, limit_at)
    log = corrected_log(state, step)
    try:
        _refolded(state, log, judge_from=target.version, limit_at=limit_at)
    except DomainError as broken:
        raise type(broken)(
            f"This correction of step {target.version} ({_what(target)}) would leave the "
            f"record breaking a rule: {broken.reason}",
            code=broken.code,
            params=broken.params,
        ) from broken


def _target(state: JourneyState, step: Correction) -> RecordedStep:
    target = state.recorded_step(step.step_version)
    if target is None:
        raise StepNotAllowed(
            f"Journey {state.journey_id} recorded no step at position {step.step_version}; "
            "its history (GET /audit/journeys/{id}) lists each step with its position.",
            code="no_such_step",
            params={"version": step.step_version},
        )
    if not isinstance(target.step, CORRECTABLE):
        raise StepNotAllowed(
            f"Step {target.version} is the {_what(target)}, a decision rather than a record "
            "of what happened; only ToE records (selections, baseline assessments, the "
            "classroom workshop, coaching visits, progress reports) are corrected.",
            code="step_not_correctable",
            params={"version": target.version},
        )
    if target.voided:
        raise StepNotAllowed(
            f"Step {target.version} ({_what(target)}) was voided already.",
            code="step_voided",
            params={"version": target.version},
        )
    return target


def _what(target: RecordedStep) -> str:
    return target.step.kind.replace("_", " ")


def _check_amendment(target: RecordedStep, step: AmendStep, limit_at: LimitAt) -> None:
    changes = step.changes()
    if not changes:
        raise InvalidInput(
            "An amendment names at least one value to change (visited_on, held_on, "
            "indicators, managers, workers, women, satisfaction, notes); to strike the "
            "step out, void it.",
            code="nothing_to_amend",
        )
    own = {f for f in vars(target.step) if f not in ("kind", "enterprise_id")}
    foreign = sorted(set(changes) - own)
    if foreign:
        raise InvalidInput(
            f"Step {target.version} is a {_what(target)}, which has no {', '.join(foreign)}; "
            f"it has {', '.join(sorted(own)) or 'no value to amend (void it instead)'}.",
            code="field_not_in_step",
            params={"fields": ", ".join(foreign), "version": target.version},
        )
    match amended := corrected_step(target.step, step):
        case RecordBaselineAssessment() | ReportProgress():
            validate_indicators(amended.indicators)
        case DeliverClassroomWorkshop():
            _check_participants(amended, limit_at(target.at))  # the limit of its own moment
        case _:
            pass


def corrected_step(recorded: JourneyStep, step: AmendStep) -> JourneyStep:
    """The recorded step with the amendment's values in place of its own."""
    return replace(recorded, **step.changes())  # type: ignore[arg-type]


def corrected_log(state: JourneyState, step: Correction) -> tuple[RecordedStep, ...]:
    """The journey's recorded steps with the correction applied to its step."""

    def corrected(entry: RecordedStep) -> RecordedStep:
        if entry.version != step.step_version:
            return entry
        if isinstance(step, VoidStep):
            return replace(entry, voided=True)
        return replace(entry, step=corrected_step(entry.step, step), amended=True)

    return tuple(corrected(entry) for entry in state.recorded)


def replayed(state: JourneyState) -> list[tuple[RecordedStep, JourneyState]]:
    """Each recorded step, as corrected, with the state just after it (a voided step: the
    state it was struck from): which ToE cycle it belongs to, and that cycle as it then
    stood. The read models rewrite a journey's cycles from this after a correction."""
    seen: list[tuple[RecordedStep, JourneyState]] = []
    _refolded(state, state.recorded, visit=lambda entry, after: seen.append((entry, after)))
    return seen


def _refolded(
    state: JourneyState,
    log: tuple[RecordedStep, ...],
    judge_from: int | None = None,
    visit: Callable[[RecordedStep, JourneyState], None] | None = None,
    limit_at: LimitAt = default_limit,
) -> JourneyState:
    """The state folded again from enrolment over `log` (voided steps left out); `judge_from`:
    each step from that version on is judged by the rules first (raises the rule's
    refusal). The steps before it fold as they did: a correction leaves them as they were,
    and one recorded under an earlier rule must not block it. What no step changes (the
    expert now, the stall clock) stays as it is."""
    folded = replace(
        state, stage=Stage.ENROLLED, cycle=None, provisional_given=False, withdrawal_reason=None
    )
    for entry in log:
        if entry.voided:
            if visit is not None:
                visit(entry, folded)
            continue
        judged = judge_from is not None and entry.version >= judge_from
        if judged and not isinstance(entry.step, ReassignExpert):  # who supervises: not a rule
            _check_rules(folded, entry.step, limit_at, entry.at)  # the limit of its moment
        folded = _fold(folded, entry)
        if visit is not None:
            visit(entry, folded)
    return replace(
        folded,
        expert_id=state.expert_id,
        last_step_at=state.last_step_at,
        stall_reminded_for=state.stall_reminded_for,
        recorded=log,
    )


# ---------------------------------------------------------------------------------------------
# Stall reminders


def check_stall_reminder(state: JourneyState, now: datetime, stall_after: timedelta) -> None:
    """A reminder goes out once per stall: after `stall_after` without a step on an open journey."""
    _check_open(state)
    if state.stall_reminded_for == state.last_step_at:
        raise StepNotAllowed("A reminder for this stall has already been sent.")
    if now - state.last_step_at < stall_after:
        raise StepNotAllowed(
            f"The journey is not stalled: its last step was on {state.last_step_at:%Y-%m-%d}."
        )


def evolve_stall_reminded(state: JourneyState) -> JourneyState:
    return replace(state, stall_reminded_for=state.last_step_at)


# ---------------------------------------------------------------------------------------------
# What comes next


@dataclass(frozen=True)
class NextAction:
    who: Role | None  # None once the journey is closed
    what: str


def next_action(state: JourneyState, names: Mapping[str, str] | None = None) -> NextAction:
    match state.stage:
        case Stage.ENROLLED:
            return NextAction(Role.EXPERT, "record the ToT workshop result")
        case Stage.TOE_CYCLE:
            cycle = _cycle(state)
            if cycle.complete:
                return NextAction(Role.EXPERT, f"assess ToE cycle {cycle.number}")
            return NextAction(Role.TRAINER, missing_in_cycle(cycle, names))
        case Stage.RECOMMENDED:
            return NextAction(Role.HQ, "certify")
        case _:
            return NextAction(None, f"nothing: the journey ended ({state.stage.value})")


# ---------------------------------------------------------------------------------------------
# Enrolment


def check_enrolment_window(
    workshop_ends_on: date, today: date, backdated_reason: str | None, actor: Actor
) -> str | None:
    """Enrolment is before the workshop ends; the office may enrol later, with the reason,
    when it brings in past records. The reason, cleaned, if the enrolment is backdated.

    `today` is the earliest date anywhere on Earth: a workshop's last day ends last there.
    """
    if today <= workshop_ends_on:
        return None
    if backdated_reason is None:
        raise StepNotAllowed(
            f"The ToT workshop ended on {workshop_ends_on}; candidates are enrolled before it "
            "ends. To bring in a past record, the programme office enrols with the reason."
        )
    policy.require(actor, Action.BACKDATE_ENROLMENT)
    return clean_field("backdated_reason", backdated_reason, REASON)


def check_enrolment(
    actor: Actor,
    workshop_expert_id: str,
    trainer_id: str,
    countries: frozenset[str] = frozenset(),
) -> None:
    """The programme office enrols candidates; so may the expert who runs the workshop.
    A country office enrols only where the candidate's and the workshop's `countries` are
    its own.

    Nobody is enrolled in a workshop they run: their expert would assess themselves.
    """
    if trainer_id == workshop_expert_id:
        raise StepNotAllowed(
            "An expert trainer cannot be a candidate in a workshop they run: they would "
            "assess and recommend themselves. Enrol them in another expert's workshop."
        )
    policy.require(
        actor, Action.ENROL, About(workshop_expert=workshop_expert_id, countries=countries)
    )


def check_tot_result_timing(
    step: RecordToTResult, workshop_starts_on: date, workshop_ends_on: date, today: date
) -> None:
    """A result is recorded once the workshop has happened: completed once it has ended; a
    candidate who did not attend or complete it, once it has begun."""
    if step.completed and today < workshop_ends_on:
        raise StepNotAllowed(
            f"The ToT workshop runs until {workshop_ends_on}; record that the candidate "
            "completed it once it has ended."
        )
    if today < workshop_starts_on:
        raise StepNotAllowed(
            f"The ToT workshop starts on {workshop_starts_on}; record its result once it has begun."
        )


def check_dates(step: JourneyStep, today: date) -> None:
    """Visits and workshops are recorded once they happened, not before."""
    happened = getattr(step, "visited_on", None) or getattr(step, "held_on", None)
    if happened is not None and happened > today:
        raise InvalidInput(
            f"{step.kind.replace('_', ' ').capitalize()} dated {happened} is in the future; "
            "record it once it has taken place.",
            code="dated_in_the_future",
            params={"day": happened},
        )
