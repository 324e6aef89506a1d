"""Domain refusals across Temporal: an `ApplicationError` whose type names the domain error.

The activity raises it (non-retryable: retrying a refusal cannot change the answer), the
workflow's validators and update handlers pass it on unchanged, and the client raises the
domain's own exception class again from `ERROR_TYPES`, so callers map it by its `kind`.
The refusal's code and parameters travel as the error's one detail, so the pages can say it
in the reader's language; a refusal without that detail (raised before it existed, kept in
a recorded history) gets its class's code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from temporalio.exceptions import ActivityError, ApplicationError, ApplicationErrorCategory

from domain.errors import ERROR_TYPES, DomainError


def refusal(error: DomainError) -> ApplicationError:
    said = {"code": error.code, "params": error.params}
    return _refusal(error.reason, _public_name(type(error)), (said,))


def _refusal(reason: str, error_type: str, details: Sequence[Any] = ()) -> ApplicationError:
    # Benign: a refusal is an answer, not a fault; the SDK logs it at debug level only.
    return ApplicationError(
        reason,
        *details,
        type=error_type,
        non_retryable=True,
        category=ApplicationErrorCategory.BENIGN,
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
        return _refusal(cause.message, cause.type, cause.details)
    return None


def domain_error_in(failure: BaseException) -> DomainError | None:
    """The domain error a Temporal failure carries (looking through its causes), if any."""
    current: BaseException | None = failure
    while current is not None:
        if isinstance(current, ApplicationError) and current.type in ERROR_TYPES:
            code, params = _code_and_params(current.details)
            return ERROR_TYPES[current.type](current.message, code=code, params=params)
        current = current.__cause__ or getattr(current, "cause", None)
    return None


def _code_and_params(details: Sequence[Any]) -> tuple[str | None, dict[str, Any] | None]:
    said = details[0] if details else None
    if not isinstance(said, dict):
        return None, None
    code, params = said.get("code"), said.get("params")
    return (
        code if isinstance(code, str) else None,
        params if isinstance(params, dict) else None,
    )


def _public_name(error_class: type[DomainError]) -> str:
    """The nearest class callers know by name: subclasses outside the domain map to a parent."""
    for cls in error_class.__mro__:
        if ERROR_TYPES.get(cls.__name__) is cls:
            return cls.__name__
    return DomainError.__name__
