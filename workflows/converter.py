"""The data converter: Temporal's pydantic converter, with its type adapters shared.

The SDK builds a new payload converter for every workflow instance it creates (a new
journey's first task, and every workflow rebuilt after leaving the worker's cache), and each
converter starts with an empty cache of pydantic `TypeAdapter`s, so every instance built the
schemas of the journey's state, steps and outcomes again: ~6–8 ms of worker CPU per instance
(docs/benchmarks.md, "The reminder storm"). A type adapter depends on the type alone, so one
cache for the process gives the same payloads, built once.

Payloads recorded by an earlier release are read as this one's types where they differ: a
journey's state from before size warnings carried a code held each warning as English text,
which now reads as a warning recorded as text (`SizeWarning.as_recorded`), so that runs in
flight and their histories replay (`_upcast`).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from pydantic import TypeAdapter, ValidationError
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

_adapter = functools.lru_cache(maxsize=1024)(TypeAdapter)


class _SharedAdaptersJSON(PydanticJSONPlainPayloadConverter):
    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        hint = type_hint if type_hint is not None else Any
        try:
            adapter: TypeAdapter[Any] = _adapter(hint)
        except TypeError:  # an unhashable hint: the SDK's own path
            return super().from_payload(payload, type_hint)
        try:
            return adapter.validate_json(payload.data)
        except ValidationError:
            try:
                upcast = _upcast(json.loads(payload.data))
            except ValueError:
                upcast = None  # not JSON at all: the error as the adapter said it
            if upcast is None:
                raise
            return adapter.validate_json(json.dumps(upcast))


def _upcast(value: Any) -> Any | None:
    """`value` with the shapes of earlier releases in this one's (None if it has none of
    them): a size warning recorded as text becomes a warning with no code (its words as
    recorded)."""
    changed = False

    def walk(item: Any) -> Any:
        nonlocal changed
        if isinstance(item, list):
            return [walk(v) for v in item]
        if not isinstance(item, dict):
            return item
        found = {key: walk(v) for key, v in item.items()}
        if isinstance(found.get("size_warning"), str):
            found["size_warning"] = {"detail": found["size_warning"], "code": None, "params": {}}
            changed = True
        return found

    upcast = walk(value)
    return upcast if changed else None


class SharedPydanticPayloadConverter(CompositePayloadConverter):
    """`PydanticPayloadConverter`, with the JSON converter above in place of the SDK's."""

    def __init__(self) -> None:
        json_converter = _SharedAdaptersJSON()
        super().__init__(
            *(
                json_converter if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


data_converter = DataConverter(payload_converter_class=SharedPydanticPayloadConverter)
