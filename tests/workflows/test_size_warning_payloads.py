"""A journey's state carried by a run in flight from before size warnings had a code (its
warnings as English text) still decodes: each warning as recorded, with no code."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload

from domain.enterprise import size_warning
from domain.journey.state import EnterpriseProgress, JourneyState, Stage, ToECycle
from domain.size_warnings import SizeWarning
from domain.values import Module
from workflows.converter import data_converter
from workflows.messages import JourneyOutcome

WORDS = "300 employees is outside the SCORE target of 50–250 (small and medium enterprises)."
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _journey(warning: SizeWarning | None) -> JourneyState:
    progress = EnterpriseProgress("e-1", size_warning=warning)
    return JourneyState(
        "j-1", "t-1", Module.WC, "w-1", "x-1", NOW, NOW, Stage.TOE_CYCLE, ToECycle(1, (progress,))
    )


def _decoded(data: bytes) -> JourneyOutcome:
    payload = Payload(metadata={"encoding": b"json/plain"}, data=data)
    outcome: JourneyOutcome = data_converter.payload_converter.from_payload(payload, JourneyOutcome)
    return outcome


def test_a_state_with_a_warning_recorded_as_text_decodes_as_that_text_with_no_code() -> None:
    (payload,) = data_converter.payload_converter.to_payloads([JourneyOutcome(_journey(None))])
    earlier = json.loads(payload.data)
    earlier["journey"]["cycle"]["enterprises"][0]["size_warning"] = WORDS  # as before codes

    decoded = _decoded(json.dumps(earlier).encode())

    assert decoded.journey == _journey(SizeWarning.as_recorded(WORDS))


def test_a_state_with_a_coded_warning_goes_through_a_payload_and_back() -> None:
    outcome = JourneyOutcome(_journey(size_warning(300)))
    (payload,) = data_converter.payload_converter.to_payloads([outcome])
    assert _decoded(payload.data) == outcome


def test_a_payload_wrong_in_another_way_is_still_refused() -> None:
    (payload,) = data_converter.payload_converter.to_payloads([JourneyOutcome(_journey(None))])
    wrong = json.loads(payload.data)
    wrong["journey"]["stage"] = "nowhere"
    with pytest.raises(ValidationError):
        _decoded(json.dumps(wrong).encode())
