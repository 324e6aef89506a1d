"""Refusals keep their domain class and reason across Temporal, in both directions."""

from __future__ import annotations

from datetime import date

import pytest
from temporalio.api.failure.v1 import Failure
from temporalio.converter import DataConverter
from temporalio.exceptions import ActivityError, ApplicationError, RetryState

from domain.errors import AlreadyCertified, NotFound, StepOutOfOrder, TryAgain
from service.app.certification import ConcurrentChange
from workflows.gate import StepGate
from workflows.refusals import domain_error_in, refusal, refusal_behind


def failed_activity(cause: BaseException) -> ActivityError:
    error = ActivityError(
        "activity failed",
        scheduled_event_id=5,
        started_event_id=6,
        identity="worker",
        activity_type="take_journey_step",
        activity_id="1",
        retry_state=RetryState.NON_RETRYABLE_FAILURE,
    )
    error.__cause__ = cause
    return error


def test_a_refusal_is_named_after_the_domain_error_and_not_retried() -> None:
    failure = refusal(AlreadyCertified("This journey ended with certification."))
    assert (failure.type, failure.message) == (
        "AlreadyCertified",
        "This journey ended with certification.",
    )
    assert failure.non_retryable


def test_an_error_outside_the_domain_takes_the_name_of_its_nearest_domain_parent() -> None:
    assert refusal(ConcurrentChange("Someone else changed it.")).type == TryAgain.__name__


def test_the_client_raises_the_domain_class_again_from_a_failure_chain() -> None:
    chain = failed_activity(refusal(NotFound("No trainer with id t-9.")))
    raised = domain_error_in(chain)
    assert isinstance(raised, NotFound) and raised.reason == "No trainer with id t-9."
    assert raised.kind == "not_found"


def test_an_activity_that_failed_for_another_reason_is_no_refusal() -> None:
    crash = failed_activity(ApplicationError("disk full", type="OperationalError"))
    assert refusal_behind(crash) is None
    assert domain_error_in(crash) is None


def test_a_step_that_arrives_while_the_run_renews_is_asked_to_come_again() -> None:
    """A step accepted just before continue-as-new would be cut off; it is refused at once."""
    gate = StepGate()
    gate.check_free()
    gate.renewing = True
    with pytest.raises(ApplicationError, match="carried over to a new run") as refused:
        gate.check_free()
    assert refused.value.type == "TryAgain"


def test_a_refusals_code_and_parameters_cross_temporal_with_it() -> None:
    sent = StepOutOfOrder(
        "A coaching visit dated 2026-03-01 would come before the classroom workshop of ...",
        code="visit_before_classroom",
        params={"visited_on": date(2026, 3, 1), "held_on": date(2026, 3, 5)},
    )
    converter = DataConverter.default
    failure = Failure()
    converter.failure_converter.to_failure(refusal(sent), converter.payload_converter, failure)
    decoded = converter.failure_converter.from_failure(failure, converter.payload_converter)
    received = domain_error_in(decoded)
    assert isinstance(received, StepOutOfOrder)
    assert received.code == "visit_before_classroom"
    assert received.params == {"visited_on": "2026-03-01", "held_on": "2026-03-05"}
    assert received.reason == sent.reason
