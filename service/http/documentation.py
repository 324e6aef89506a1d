"""The OpenAPI document states every answer as it is sent: each error status that an
operation can give, with the JSON body the error handlers really write.

Filled in after FastAPI generates the document, so that a new endpoint is described the day
it is added, without its author remembering each status.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from service.http.errors import InvalidRequest, Problem

ERROR_MODELS = {"Problem": Problem, "InvalidRequest": InvalidRequest}

# What each status means here, for operations that do not say it in their own words.
MEANINGS = {
    "400": "A path, query or body that is not UTF-8, or a body that cannot be parsed",
    "401": "No valid bearer token: log in at POST /auth/token",
    "403": "The role, or the relation to the record, does not allow this",
    "404": "No such record; an id that is no UUID names none",
    "413": "The body is larger than 64 KiB",
    "422": "Malformed input: `detail` says what, `problems` lists each field",
    "429": "Too many attempts: wait `Retry-After` seconds",
    "500": "An error on our side: send the same request again (same Idempotency-Key)",
    "503": "Not now (another change to the same record, or the database or workflow service "
    "not answering): "
    "send the same request again after `Retry-After` seconds",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before sending again",
        "schema": {"type": "integer"},
    }
}
# FastAPI's own 422 body, which this service never sends, and the routes' shorthand for an
# error body (service.http.schemas.Refusal): both are replaced by the body really sent.
GENERIC_SCHEMAS = ("HTTPValidationError", "Refusal")
UNSENT_SCHEMAS = ("HTTPValidationError", "ValidationError", "Refusal")
# Logging in: wrong credentials are 401 without a token, too many attempts are throttled.
LOGIN = ("post", "/auth/token")


def document_every_answer(app: FastAPI) -> None:
    """Replace app.openapi by one that adds the error answers to the generated document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            describe_errors(generate())  # FastAPI caches the document; completed in place
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def describe_errors(spec: dict[str, Any]) -> None:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, model in ERROR_MODELS.items():
        schemas[name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status in _statuses(path, method, operation, schemas):
                responses.setdefault(status, {"description": MEANINGS[status]})
            for status, response in responses.items():
                if status[0] in "45":
                    _as_sent(status, response)
    referenced = json.dumps(spec["paths"])
    for name in UNSENT_SCHEMAS:
        if f'"#/components/schemas/{name}"' not in referenced:
            schemas.pop(name, None)


def _statuses(
    path: str, method: str, operation: dict[str, Any], schemas: dict[str, Any]
) -> list[str]:
    """The error statuses an operation can answer, from what it takes and who may call it."""
    # Any URL can be malformed; anything can fail; any database can be out of reach a moment.
    statuses = ["400", "422", "500", "503"]
    if operation.get("security"):
        statuses += ["401", "403"]
    if "{" in path or _names_records(operation, schemas):
        statuses.append("404")
    if "requestBody" in operation:
        statuses.append("413")
    if (method, path) == LOGIN:
        statuses += ["401", "429"]
    return statuses


def _names_records(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether the body names another record by its id (`…_id`), which may not exist."""
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    name = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
    return any(field.endswith("_id") for field in schemas.get(name, {}).get("properties", {}))


def _as_sent(status: str, response: dict[str, Any]) -> None:
    """The error body as the handlers write it, unless the operation declared its own model
    (a health report, say) for this status."""
    response.setdefault("description", MEANINGS.get(status, "An error"))
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    if not schema or schema.get("$ref", "").rsplit("/", 1)[-1] in GENERIC_SCHEMAS:
        model = "InvalidRequest" if status == "422" else "Problem"
        response["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}
        }
    if status in {"429", "503"}:
        response.setdefault("headers", RETRY_AFTER)
