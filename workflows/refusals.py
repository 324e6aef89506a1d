"""Domain refusals across Temporal: an `ApplicationError` whose type names the domain error.

The activity raises it (non-retryable: retrying a refusal cannot change the answer), the
workflow's validators and update handlers pass it on unchanged, and the client raises the
domain's own exception class again from `ERROR_TYPES`, so callers map it by its `kind`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.exceptions import ActivityError, ApplicationError, ApplicationErrorCategory

from domain.errors import ERROR_TYPES, DomainError


def refusal(error: DomainError) -> ApplicationError:
    return _refusal(error.reason, _public_name(type(error)))


def _refusal(reason: str, error_type: str) -> ApplicationError:
    # Benign: a refusal is an answer, not a fault; the SDK logs it at debug level only.
    return ApplicationError(
        reason, type=error_type, non_retryable=True, category=ApplicationErrorCategory.BENIGN
    )


@contextmanager
def refusing() -> Iterator[None]:
    """Turn a domain refusal raised inside the block into its Temporal form."""
    try:
        yield
    except DomainError as error:
        raise refusal(error) from None


def refusal_behind(error: ActivityError) -> ApplicationError | None:
    """The domain refusal that failed an activity, or None when it failed for another reason."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type in ERROR_TYPES:
        return _refusal(cause.message, cause.type)
    return None


def domain_error_in(failure: BaseException) -> DomainError | None:
    """The domain error a Temporal failure carries (looking through its causes), if any."""
    current: BaseException | None = failure
    while current is not None:
        if isinstance(current, ApplicationError) and current.type in ERROR_TYPES:
            return ERROR_TYPES[current.type](current.message)
        current = current.__cause__ or getattr(current, "cause", None)
    return None


def _public_name(error_class: type[DomainError]) -> str:
    """The nearest class callers know by name: subclasses outside the domain map to a parent."""
    for cls in error_class.__mro__:
        if ERROR_TYPES.get(cls.__name__) is cls:
            return cls.__name__
    return DomainError.__name__
