"""Every mock's vendor API fuzzed from its own /openapi.json (schemathesis, bounded examples).

Valid requests (positive mode) must get a documented status with a body matching the schema;
invalid ones (negative mode) must never get a 5xx. One test per registered mock present in
this checkout, so each mock is covered as soon as it lands.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mocks import available, create_app

POSITIVE_EXAMPLES = 4
NEGATIVE_EXAMPLES = 2


def _m365_headers(app: Flask) -> dict[str, str]:
    token = app.test_client().post("/t/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": "renkei-pipeline",
        "client_secret": "renkei-dev-secret",
        "scope": "https://graph.microsoft.com/.default"}).json["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _c4th_headers(app: Flask) -> dict[str, str]:
    app.test_client().post("/_admin/seed", json={"profile": "small", "seed": 1})
    return {}


#: what a mock needs before fuzzing reaches past its front door (state, a token)
PREPARE: dict[str, Callable[[Flask], dict[str, str]]] = {
    "m365": _m365_headers, "c4th": _c4th_headers,
}


def _fuzz(op: Any, mode: GenerationMode, examples: int, headers: dict[str, str],
          checks: list[Any]) -> None:
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks)

    run()


@pytest.mark.parametrize("name", available())
def test_vendor_api_matches_its_openapi(name: str) -> None:
    app = create_app(name, {"DATABASE": ":memory:"})
    headers = PREPARE.get(name, lambda app: {})(app)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{name} describes no operation in /openapi.json"
    for op in operations:
        _fuzz(op, GenerationMode.POSITIVE, POSITIVE_EXAMPLES, headers,
              [not_a_server_error, status_code_conformance, content_type_conformance,
               response_schema_conformance])
        # an operation that takes no input has no invalid request to make: Unsatisfiable
        with contextlib.suppress(Unsatisfiable):
            _fuzz(op, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, headers, [not_a_server_error])
