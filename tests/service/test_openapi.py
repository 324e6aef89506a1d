"""The OpenAPI document describes every endpoint, its answers and its errors, as they are sent:
a client (or schemathesis) that follows it is neither refused nor surprised."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from pydantic import BaseModel

from service.app.audit.history import EVENT_TOPICS
from service.http.main import create_app

SPEC = create_app().openapi()
OPERATIONS = [
    (path, method, op) for path, methods in SPEC["paths"].items() for method, op in methods.items()
]
ERROR_SCHEMAS = {"#/components/schemas/Problem", "#/components/schemas/InvalidRequest"}


def _operation_id(case: tuple[str, str, dict[str, Any]]) -> str:
    return f"{case[1].upper()} {case[0]}"


def conforms(body: Any, schema: dict[str, Any]) -> bool:
    """Whether `body` matches `schema`, its references resolved within the document."""
    return jsonschema_rs.validator_for({**schema, "components": SPEC["components"]}).is_valid(body)


def test_every_endpoint_is_documented_with_its_answer_and_errors() -> None:
    assert len(OPERATIONS) >= 30
    for path, method, op in OPERATIONS:
        assert op.get("summary") and op.get("description"), f"{method} {path} lacks a description"
        if method == "post" and path != "/auth/token":
            answered = {code for code in op["responses"] if code.startswith("2")}
            schema = op["responses"][answered.pop()]["content"]["application/json"]["schema"]
            assert "$ref" in schema, f"{method} {path}: its answer has no schema"


@pytest.mark.parametrize("case", OPERATIONS, ids=_operation_id)
def test_every_error_an_operation_can_answer_is_documented_with_the_body_sent(
    case: tuple[str, str, dict[str, Any]],
) -> None:
    path, _, op = case
    responses = op["responses"]
    expected = {"400", "422", "500"}  # a bad URL, a malformed request, our own failure
    if op.get("security"):
        expected |= {"401", "403"}
    if "{" in path:
        expected.add("404")
    if "requestBody" in op:
        expected.add("413")
    assert expected <= responses.keys()
    for status, response in responses.items():
        if status[0] in "45":
            schema = response["content"]["application/json"]["schema"]
            assert schema["$ref"] in ERROR_SCHEMAS, f"{status}: {schema}"
    invalid = responses["422"]["content"]["application/json"]["schema"]["$ref"]
    assert invalid == "#/components/schemas/InvalidRequest"


def test_fastapis_own_422_body_which_is_never_sent_is_not_documented() -> None:
    schemas = SPEC["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    invalid = schemas["InvalidRequest"]
    assert invalid["properties"]["detail"]["type"] == "string"
    assert invalid["properties"]["problems"]["type"] == "array"
    assert set(invalid["required"]) == {"detail", "error"}


def test_steps_document_wait_and_resend_with_retry_after_and_login_its_throttling() -> None:
    for path, method, op in OPERATIONS:
        if method == "post" and path != "/auth/token":
            assert "Retry-After" in op["responses"]["503"]["headers"], path
    assert "Retry-After" in SPEC["paths"]["/auth/token"]["post"]["responses"]["429"]["headers"]


def _parameters() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, parameter["name"]): parameter["schema"]
        for path, _, op in OPERATIONS
        for parameter in op.get("parameters", [])
    }


def test_ids_in_paths_are_documented_as_uuids_and_a_webhook_id_by_its_form() -> None:
    parameters = _parameters()
    ids = {key: schema for key, schema in parameters.items() if key[1].endswith("_id")}
    webhook_ids = {key: ids.pop(key) for key in list(ids) if key[1] == "webhook_id"}
    assert len(ids) >= 20 and webhook_ids
    for (path, name), schema in ids.items():
        assert schema.get("format") == "uuid", f"{path} {name}: {schema}"
    for schema in webhook_ids.values():  # msg_<position>_<subscription>, not a UUID
        assert schema["pattern"] == "^msg_[0-9]+_[0-9a-f]{32}$"


def test_moments_are_dates_or_date_times_and_filters_name_what_exists() -> None:
    parameters = _parameters()
    moments = {key: s for key, s in parameters.items() if key[1] in {"since", "until", "at", "on"}}
    assert len(moments) >= 12
    for key, schema in moments.items():
        formats = {branch["format"] for branch in schema["anyOf"]}
        assert formats == {"date", "date-time"}, key
    types = parameters[("/audit/events/export", "type")]
    assert types["type"] == "array" and types["items"]["enum"] == sorted(EVENT_TOPICS)
    anchor = parameters[("/audit/verify", "anchor")]
    assert anchor["pattern"] == r"^[0-9]+:[0-9a-fA-F]{64}$"


def test_every_position_in_a_url_fits_the_databases_64_bit_integers() -> None:
    integers = {key: s for key, s in _parameters().items() if s.get("type") == "integer"}
    assert integers
    for key, schema in integers.items():
        assert schema["minimum"] >= 0 and schema["maximum"] <= 2**63 - 1, key


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"detail": "No journey with id x.", "error": "NotFound"}, True),
        ({"detail": "a; b", "error": "InvalidRequest", "problems": ["a", "b"]}, True),
        ({"detail": [{"loc": ["query", "x"], "msg": "bad"}]}, False),  # FastAPI's own shape
    ],
)
def test_the_documented_error_body_is_ours(body: dict[str, Any], valid: bool) -> None:
    assert conforms(body, {"$ref": "#/components/schemas/InvalidRequest"}) is valid


class ProbeReport(BaseModel):
    ready: bool


def test_an_operation_that_declares_its_own_error_body_keeps_it() -> None:
    """A readiness probe answers 503 with its report, not with a Problem."""
    app = create_app()

    @app.get("/probe", responses={503: {"model": ProbeReport, "description": "Not ready"}})
    def probe() -> ProbeReport:
        return ProbeReport(ready=True)

    answers = app.openapi()["paths"]["/probe"]["get"]["responses"]
    assert answers["503"]["content"]["application/json"]["schema"]["$ref"].endswith("/ProbeReport")
    assert answers["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/InvalidRequest"
    )
