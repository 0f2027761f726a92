"""The OpenAPI 3.1 description of the c4th mock's vendor API."""

from __future__ import annotations

from typing import Any

from flask import current_app

from mocks.base.openapi import document, error_schema, json_response

_ERROR = error_schema()


def describe() -> dict[str, Any]:
    return document(
        "c4th mock — EDUCOM Manager C4th OneRoster export",
        "A new OneRoster 1.2 bulk export (jp-eportal-v4) per call.",
        {"/oneroster/export": {"get": {
            "summary": "Export the city as a OneRoster bulk zip",
            "security": [{}, {"bearer": []}],
            "responses": {
                "200": {"description": "The bundle (RO_YYYYMMDD_<board code>.zip)",
                        "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                        "content": {"application/zip": {"schema": {
                            "type": "string", "contentMediaType": "application/zip"}}}},
                "401": json_response(_ERROR, "Bearer token missing or wrong (API_TOKEN set)"),
                "409": json_response(_ERROR, "No city loaded yet (POST /_admin/seed)"),
            },
        }}},
        base_url=current_app.config["BASE_URL"],
        components={"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    )
