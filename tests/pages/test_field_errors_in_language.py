"""A form's (and a request body's) field errors read in the person's language: the common kinds
from the `fields` catalogs, with their limits; English keeps pydantic's own words."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, EmailStr, Field, ValidationError

from service.http.deps import Services
from service.http.field_errors import field_problem
from tests.pages.conftest import PASSWORD
from tests.pages.test_office_and_auditor_pages import form_keys, logged_in


class Form(BaseModel):
    name: str = Field(min_length=2, max_length=5)
    email: EmailStr
    held_on: date
    managers: int = Field(ge=0, le=500)


def errors_of(**values: Any) -> dict[str, dict[str, Any]]:
    with pytest.raises(ValidationError) as refused:
        Form.model_validate(values)
    return {str(e["loc"][0]): dict(e) for e in refused.value.errors()}


def test_each_common_kind_of_field_error_reads_in_french_with_its_limit() -> None:
    wrong = errors_of(name="a", email="nope", held_on="2026-13-01", managers=501)
    said = {field: field_problem(error, "fr") for field, error in wrong.items()}
    assert said == {
        "name": "Tapez au moins 2 caractère(s).",
        "email": "Donnez une adresse e-mail valide, comme nom@example.org.",
        "held_on": ("Donnez une date valide, sous la forme AAAA-MM-JJ (par exemple 2026-03-01)."),
        "managers": "Donnez un nombre inférieur ou égal à 500.",
    }
    too_long = errors_of(name="abcdef", email="a@example.org", held_on="2026-01-01", managers=-1)
    assert field_problem(too_long["name"], "es") == "Escriba como máximo 5 carácter(es)."
    assert field_problem(too_long["managers"], "es") == "Indique un número mayor o igual que 0."
    missing = errors_of(name="", email="a@example.org")
    assert field_problem(missing["name"], "fr") == "Champ obligatoire : remplissez-le."
    assert field_problem(missing["held_on"], "fr") == "Champ obligatoire : remplissez-le."


def test_english_keeps_pydantics_words() -> None:
    wrong = errors_of(name="a", email="a@example.org", held_on="2026-01-01", managers=0)
    assert field_problem(wrong["name"], "en") == "String should have at least 2 characters"


def test_the_office_reads_a_forms_field_errors_in_french(site: TestClient) -> None:
    logged_in(site)
    french = {"Accept-Language": "fr"}
    form = site.get("/office/register", headers=french)
    person = {"name": "", "email": "pas-une-adresse", "country": "IN", "delivery": "invitation"}
    refused = site.post("/office/register", data={**form_keys(form.text), **person}, headers=french)
    assert refused.status_code == 422
    said = html.unescape(refused.text)
    assert "name: Champ obligatoire : remplissez-le." in said
    assert "email: Donnez une adresse e-mail valide, comme nom@example.org." in said


def test_the_apis_422_says_the_field_errors_in_the_language_the_request_accepts(
    site: TestClient, services: Services
) -> None:
    office = services.accounts.authenticate("office", PASSWORD)
    assert office is not None
    headers = {
        "Authorization": f"Bearer {services.accounts.issue_token(office)}",
        "Idempotency-Key": "register-1",
        "Accept-Language": "es-ES,es;q=0.9",
    }
    body = {"name": "Asha Verma", "email": "nope", "country": "IN"}
    reply = site.post("/trainers", json=body, headers=headers)
    assert reply.status_code == 422
    assert reply.json()["problems"] == [
        "email: Indique una dirección de correo electrónico válida, como nombre@example.org."
    ]
    english = site.post("/trainers", json=body, headers={**headers, "Accept-Language": "en"})
    assert english.json()["problems"][0].startswith("email: value is not a valid email address")
