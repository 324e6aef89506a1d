"""Aim generated requests at real records: each value of a known name is, about half of the
time, swapped for a real one (an id of the cast, an event type, a valid moment).

The swap happens inside Hypothesis's strategies (schemathesis `flatmap_*` hooks on this
schema only), so a failing request is reported and replayed exactly as it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from schemathesis import BaseSchema, HookContext

LISTS = {"type"}  # query parameters that take several values


@dataclass
class RealRecords:
    """Real values by the name of the parameter or body field that takes them; the service
    under test fills them in once its cast is registered."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def aim_at(self, real: Mapping[str, tuple[str, ...]]) -> None:
        self.values = dict(real)


def aim_at_real_records(schema: BaseSchema, real: RealRecords) -> None:
    """Register the swaps on `schema` for path parameters, query parameters and JSON bodies."""

    def real_or_generated(values: Mapping[str, Any] | None) -> st.SearchStrategy[Any]:
        if not values:
            return st.just(values)
        return st.fixed_dictionaries(
            {name: _maybe_real(name, value, real.values) for name, value in values.items()}
        )

    def path_parameters(
        context: HookContext, values: dict[str, Any] | None
    ) -> st.SearchStrategy[Any]:
        return real_or_generated(values)

    def query(context: HookContext, values: dict[str, Any] | None) -> st.SearchStrategy[Any]:
        return real_or_generated(values)

    def body(context: HookContext, value: Any) -> st.SearchStrategy[Any]:
        return real_or_generated(value) if isinstance(value, dict) else st.just(value)

    schema.hook("flatmap_path_parameters")(path_parameters)
    schema.hook("flatmap_query")(query)
    schema.hook("flatmap_body")(body)


def _maybe_real(
    name: str, generated: Any, real: Mapping[str, tuple[str, ...]]
) -> st.SearchStrategy[Any]:
    pool = real.get(name)
    if not pool:
        return st.just(generated)
    chosen: st.SearchStrategy[Any] = (
        st.lists(st.sampled_from(pool), min_size=1, max_size=2)
        if name in LISTS
        else st.sampled_from(pool)
    )
    return st.one_of(st.just(generated), chosen)
