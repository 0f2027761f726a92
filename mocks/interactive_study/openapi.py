"""The drill app's OpenAPI 3.1 description, written from what api.py and mocks.lti_tool do."""

from __future__ import annotations

from typing import Any

from flask import current_app

from mocks.lti_tool.openapi import document, lti_paths

_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
_FINDING = {
    "type": "object",
    "required": ["rule", "severity", "message_en"],
    "properties": {
        "rule": {"type": "string"}, "severity": {"type": "string"},
        "file": {"type": ["string", "null"]}, "line": {"type": ["integer", "null"]},
        "column": {"type": ["integer", "null"]}, "message_ja": {"type": "string"},
        "message_en": {"type": "string"},
    },
}
_ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "findings": {"type": "array", "items": _FINDING},
            "modes": {"type": "object", "additionalProperties": {"type": "string"}},
        }}},
}
_IMSX = {
    "type": "object", "required": ["imsx_codeMajor", "imsx_severity"],
    "properties": {"imsx_codeMajor": {"enum": ["failure"]}, "imsx_severity": {"type": "string"},
                   "imsx_description": {"type": "string"},
                   "imsx_CodeMinor": {"type": "object"}},
}
_REF = {"type": "object", "required": ["href", "sourcedId", "type"],
        "properties": {"href": {"type": "string"}, "sourcedId": {"type": "string"},
                       "type": {"type": "string"}}}
_USER = {
    "type": "object",
    "required": ["sourcedId", "status", "dateLastModified", "userMasterIdentifier",
                 "enabledUser", "username", "userIds", "givenName", "familyName", "roles",
                 "grades"],
    "properties": {
        "sourcedId": {"type": "string"}, "status": {"enum": ["active", "tobedeleted"]},
        "dateLastModified": {"type": "string"}, "enabledUser": {"type": "boolean"},
        "username": {"type": "string"},
        "userIds": {"type": "array", "items": {
            "type": "object", "required": ["type", "identifier"],
            "properties": {"type": {"type": "string"}, "identifier": {"type": "string"}}}},
        "userMasterIdentifier": {"type": ["string", "null"]},
        "givenName": {"type": "string"}, "familyName": {"type": "string"},
        "roles": {"type": "array", "items": {
            "type": "object", "properties": {"roleType": {"type": "string"},
                                             "role": {"type": "string"}, "org": _REF}}},
        "grades": {"type": "array", "items": {"type": "string"}},
        "primaryOrg": _REF, "metadata": {"type": "object"},
        **{k: {"type": "string"} for k in ("middleName", "identifier", "email",
                                           "preferredFirstName", "preferredMiddleName",
                                           "preferredLastName", "pronouns")},
    },
}


def _json(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": schema}}, **extra}


def _paths() -> dict[str, Any]:
    auth = {"401": _json(_IMSX, "bearer token missing or wrong (only when API_TOKEN is set)")}
    page = [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                    "maximum": 1000, "default": 100}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                     "default": 0}},
    ]
    zip_body = {"type": "string", "contentMediaType": "application/zip"}
    return {
        "/oneroster/delta": {"post": {
            "summary": "Import a OneRoster 1.2 delta bundle (差分連携)",
            "description": "Checked with harness.oneroster (profile DELTA_PROFILE; rules in "
                           "DELTA_WAIVED_RULES are reported, not enforced); every file must be "
                           "delta. Rows applied in dateLastModified order, active upserts, "
                           "tobedeleted removes, enabledUser=false disables. One transaction.",
            "tags": ["OneRoster"],
            "requestBody": {"required": True, "content": {
                "multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}}}},
                "application/zip": {"schema": zip_body}}},
            "responses": {
                "200": _json({"type": "object", "required": ["applied", "deleted"],
                              "properties": {
                                  **{k: _COUNTS for k in (
                                      "applied", "deleted", "created", "updated", "unchanged",
                                      "stale", "unknown", "disabled")},
                                  "modes": {"type": "object"},
                                  "waived": {"type": "array", "items": _FINDING},
                                  "warnings": {"type": "array", "items": _FINDING}}},
                             "applied: counts per file"),
                "400": _json(_ERROR, "empty upload, or multipart without a 'file' field"),
                "413": _json(_ERROR, "upload larger than MAX_CONTENT_LENGTH"),
                "415": _json(_ERROR, "neither a zip nor multipart/form-data"),
                "422": _json(_ERROR, "invalidBundle (ERROR findings, or not a zip at all) or "
                                     "notDelta (a file in bulk mode); nothing was changed"),
            }}},
        "/ims/oneroster/rostering/v1p2/users": {"get": {
            "summary": "OneRoster 1.2 read API: every account the drill app holds",
            "tags": ["OneRoster"], "parameters": page,
            "responses": {
                "200": _json({"type": "object", "required": ["users"],
                              "properties": {"users": {"type": "array", "items": _USER}}},
                             "a page of users in sourcedId order",
                             headers={"X-Total-Count": {"schema": {"type": "string"}}}),
                "400": _json(_IMSX, "limit or offset out of range"), **auth}}},
        "/ims/oneroster/rostering/v1p2/users/{sourcedId}": {"get": {
            "summary": "OneRoster 1.2 read API: one user", "tags": ["OneRoster"],
            "parameters": [{"name": "sourcedId", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": _json({"type": "object", "required": ["user"],
                              "properties": {"user": _USER}}, "the user"),
                "404": _json(_IMSX, "no such user"), **auth}}},
        **lti_paths("Interactive Study"),
    }


def describe() -> dict[str, Any]:
    """The OpenAPI 3.1 document served at ``/openapi.json``."""
    return document(
        "インタラクティブスタディ / Interactive Study (renkei mock)", "1.0",
        "The drill app: OneRoster delta intake, a OneRoster read API for the initial link "
        "(名寄せ), and an LTI 1.3 tool that admits only provisioned, enabled accounts.",
        str(current_app.config["BASE_URL"]), _paths())
