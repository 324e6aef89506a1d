"""Deterministic ids: the same natural key always names the same aggregate, so retries collide."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.values import Module

_ROOT = "https://score.ilo.org/certification"


def _id(path: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"{_ROOT}/{path}")


def trainer_id(email: str) -> UUID:
    return _id(f"trainers/{email.strip().lower()}")


def journey_id(trainer: UUID | str, module: Module, attempt: int) -> UUID:
    return _id(f"journeys/{trainer}/{module.value}/{attempt}")


def workshop_id(module: Module, code: str) -> UUID:
    return _id(f"workshops/{module.value}/{code.strip().lower()}")


def enterprise_id(country: str, name: str) -> UUID:
    return _id(f"enterprises/{country.strip().lower()}/{' '.join(name.lower().split())}")


CERTIFICATE_REGISTRY_ID = _id("certificate-registry")
POLICY_ID = _id("programme-policy")
