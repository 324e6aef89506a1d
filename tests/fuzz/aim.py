"""Aim generated requests at real records and at known weak spots: a path or query value
is kept as generated, or swapped for a real one of its name (an id of the cast, an event
type, a valid moment), or for a hostile text (a NUL byte, a bidi override, 2,000 bytes);
a body field of a known name is kept or swapped for a real value (bodies get hostile values
from schemathesis's own dictionaries, tests/fuzz/schema.py).

The swap happens inside Hypothesis's strategies (schemathesis `flatmap_*` hooks on this
schema only), so a failing request is reported and replayed exactly as it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from schemathesis import BaseSchema, HookContext

from tests.fuzz.hostile import HOSTILE_TEXT

LISTS = {"type"}  # query parameters that take several values
CHOICES = {"module", "material", "listing", "format"}  # enums: hostile text only meets a 422


@dataclass
class RealRecords:
    """Real values by the name of the parameter or body field that takes them; the service
    under test fills them in once its cast is registered."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def aim_at(self, real: Mapping[str, tuple[str, ...]]) -> None:
        self.values = dict(real)


def aim_at_real_records(schema: BaseSchema, real: RealRecords) -> None:
    """Register the swaps on `schema` for path parameters, query parameters and JSON bodies."""

    def real_or_generated(
        values: Mapping[str, Any] | None, hostile: bool = False
    ) -> st.SearchStrategy[Any]:
        if not values:
            return st.just(values)
        return st.fixed_dictionaries(
            {
                name: _aimed(name, value, real.values, hostile and name not in CHOICES)
                for name, value in values.items()
            }
        )

    def path_parameters(
        context: HookContext, values: dict[str, Any] | None
    ) -> st.SearchStrategy[Any]:
        return real_or_generated(values, hostile=True)

    def query(context: HookContext, values: dict[str, Any] | None) -> st.SearchStrategy[Any]:
        return real_or_generated(values, hostile=True)

    def body(context: HookContext, value: Any) -> st.SearchStrategy[Any]:
        return real_or_generated(value) if isinstance(value, dict) else st.just(value)

    schema.hook("flatmap_path_parameters")(path_parameters)
    schema.hook("flatmap_query")(query)
    schema.hook("flatmap_body")(body)


def _aimed(
    name: str, generated: Any, real: Mapping[str, tuple[str, ...]], hostile: bool
) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = [st.just(generated)]
    if pool := real.get(name):
        options.append(_one_or_several(name, pool))
    if hostile and isinstance(generated, str | list):
        options.append(_one_or_several(name, HOSTILE_TEXT))
    return st.one_of(options)


def _one_or_several(name: str, pool: Sequence[str]) -> st.SearchStrategy[Any]:
    if name in LISTS:
        return st.lists(st.sampled_from(pool), min_size=1, max_size=2)
    return st.sampled_from(pool)
