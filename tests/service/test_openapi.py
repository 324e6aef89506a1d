"""The OpenAPI document describes every endpoint, its answers and its errors."""

from __future__ import annotations

from service.api.main import create_app


def test_every_endpoint_is_documented_with_its_answer_and_errors() -> None:
    spec = create_app().openapi()
    operations = [
        (path, method, op)
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
    ]
    assert len(operations) >= 30
    for path, method, op in operations:
        assert op.get("summary") and op.get("description"), f"{method} {path} lacks a description"
        if method == "post" and path != "/auth/token":
            answered = {code for code in op["responses"] if code.startswith("2")}
            schema = op["responses"][answered.pop()]["content"]["application/json"]["schema"]
            assert "$ref" in schema, f"{method} {path}: its answer has no schema"
            assert "422" in op["responses"], f"{method} {path}: its 422 is undocumented"
