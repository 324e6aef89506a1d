"""Idempotency keys remember answers, except the ones that say "send it again"."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import StepNotAllowed, TryAgain
from service.app.idempotency import (
    IdempotencyStore,
    IdempotentRequest,
    StoredResponse,
    fingerprint,
    fingerprint_of_the_bytes,
)
from service.settings import Settings
from service.storage.database import create_service_engine
from tests.migrated import migrated


@pytest.fixture
def store(tmp_path: Path) -> IdempotencyStore:
    return IdempotencyStore(create_service_engine(migrated(Settings(data_dir=tmp_path))))


def request(store: IdempotencyStore, key: str) -> IdempotentRequest:
    return IdempotentRequest(store, "ann", key, "fingerprint", "fallback")


async def test_a_transient_refusal_is_not_remembered_but_a_final_one_is(
    store: IdempotencyStore,
) -> None:
    calls: list[str] = []

    async def busy(command_id: str) -> StoredResponse:
        calls.append(command_id)
        raise TryAgain("another step is being saved; send yours again")

    async def accepted(command_id: str) -> StoredResponse:
        calls.append(command_id)
        return StoredResponse(200, {"stage": "toe_cycle"})

    with pytest.raises(TryAgain):  # answered by the error handler: 503 and Retry-After
        await request(store, "k1").run(busy)
    assert store.find("ann", "k1", "fingerprint") is None
    second = await request(store, "k1").run(accepted)
    assert second.body == {"stage": "toe_cycle"} and calls == ["ann:k1", "ann:k1"]

    async def refused(command_id: str) -> StoredResponse:
        raise StepNotAllowed("already recorded")

    kept = await request(store, "k2").run(refused)
    assert kept.status_code == 409
    assert await request(store, "k2").run(accepted) == kept  # the refusal is the answer


async def test_without_a_key_a_transient_refusal_is_still_not_an_answer(
    store: IdempotencyStore,
) -> None:
    async def busy(command_id: str) -> StoredResponse:
        raise TryAgain("another step is being saved; send yours again")

    unkeyed = IdempotentRequest(store, "ann", None, "fingerprint", "fallback")
    with pytest.raises(TryAgain):
        await unkeyed.run(busy)


def test_a_concurrent_second_answer_yields_to_the_first_kept(store: IdempotencyStore) -> None:
    first = store.remember("ann", "k3", "fingerprint", StoredResponse(200, {"n": 1}))
    second = store.remember("ann", "k3", "fingerprint", StoredResponse(200, {"n": 2}))
    assert second == first


def test_a_retry_is_recognised_by_what_its_body_means_not_how_it_is_spelled() -> None:
    path = "/journeys/j/enterprises"
    first = fingerprint("POST", path, b'{"enterprise_id":"e1","note":"x"}')
    assert fingerprint("POST", path, b'{ "note": "x",\n  "enterprise_id": "e1" }') == first
    assert fingerprint("POST", path, b'{"enterprise_id":"e2","note":"x"}') != first
    assert fingerprint("POST", "/journeys/k/enterprises", b'{"enterprise_id":"e1"}') != first
    assert fingerprint("POST", path, b"not json") != fingerprint("POST", path, b"not  json")


async def test_a_key_stored_under_the_fingerprint_of_its_bytes_still_knows_its_retry(
    store: IdempotencyStore,
) -> None:
    """Keys kept before bodies were read for their meaning were fingerprinted on the bytes."""
    path, body = "/journeys/j/enterprises", b'{"enterprise_id": "e1"}'
    store.remember(
        "ann", "old", fingerprint_of_the_bytes("POST", path, body), StoredResponse(200, {"n": 1})
    )
    retry = IdempotentRequest(
        store,
        "ann",
        "old",
        fingerprint("POST", path, body),
        "fallback",
        fingerprint_of_the_bytes("POST", path, body),
    )

    async def must_not_run(command_id: str) -> StoredResponse:
        raise AssertionError("a retry must get the first answer")

    assert (await retry.run(must_not_run)).body == {"n": 1}
