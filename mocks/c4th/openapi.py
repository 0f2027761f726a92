"""The OpenAPI 3.1 description of the c4th mock's vendor API."""

from __future__ import annotations

from typing import Any

from flask import current_app

_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}


def describe() -> dict[str, Any]:
    err = {"content": {"application/json": {"schema": _ERROR}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "c4th mock — EDUCOM Manager C4th OneRoster export", "version": "1.0",
                 "description": "A new OneRoster 1.2 bulk export (jp-eportal-v4) per call."},
        "servers": [{"url": current_app.config["BASE_URL"]}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/oneroster/export": {"get": {
            "summary": "Export the city as a OneRoster bulk zip",
            "security": [{}, {"bearer": []}],
            "responses": {
                "200": {"description": "The bundle (RO_YYYYMMDD_<board code>.zip)",
                        "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                        "content": {"application/zip": {"schema": {
                            "type": "string", "contentMediaType": "application/zip"}}}},
                "401": {"description": "Bearer token missing or wrong (API_TOKEN set)", **err},
                "409": {"description": "No city loaded yet (POST /_admin/seed)", **err},
            },
        }}},
    }
