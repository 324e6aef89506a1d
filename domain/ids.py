"""Deterministic ids: the same natural key always names the same aggregate, so retries collide.

Trainers and enterprises are the exceptions: their details change, so a new one's id is random
(given by the application) and only an index is named by the detail: the e-mail's
(`email_address_id`), the enterprise name's in its country (`enterprise_name_id`). Those
registered before kept the id the detail gave them (`legacy_trainer_id`, `enterprise_id`).
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.values import Module

_ROOT = "https://score.ilo.org/certification"


def _id(path: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"{_ROOT}/{path}")


def legacy_trainer_id(email: str) -> UUID:
    """The id a trainer registered before stable identities got from their first e-mail."""
    return _id(f"trainers/{email.strip().lower()}")


def email_address_id(email: str) -> UUID:
    """The e-mail's index: one per address, so two trainers can never claim it at once."""
    return _id(f"email-addresses/{email.strip().lower()}")


def journey_id(trainer: UUID | str, module: Module, attempt: int) -> UUID:
    return _id(f"journeys/{trainer}/{module.value}/{attempt}")


def workshop_id(module: Module, code: str) -> UUID:
    return _id(f"workshops/{module.value}/{code.strip().lower()}")


def enterprise_id(country: str, name: str) -> UUID:
    """The id an enterprise registered before the name register got from its first name."""
    return _id(f"enterprises/{enterprise_name_key(country, name)}")


def enterprise_name_id(country: str, name: str) -> UUID:
    """The name's index: one per name in a country, so two enterprises never hold it at once."""
    return _id(f"enterprise-names/{enterprise_name_key(country, name)}")


def enterprise_name_key(country: str, name: str) -> str:
    """One firm's name however it is cased or spaced."""
    return f"{country.strip().lower()}/{' '.join(name.lower().split())}"


CERTIFICATE_REGISTRY_ID = _id("certificate-registry")
POLICY_ID = _id("programme-policy")
