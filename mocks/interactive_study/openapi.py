"""The drill app's OpenAPI 3.1 description, written from what api.py and mocks.lti_tool do."""

from __future__ import annotations

from typing import Any

from flask import current_app

from mocks.base.openapi import (
    FINDING,
    GUID_REF,
    STATUS_INFO,
    document,
    error_schema,
    json_response,
)
from mocks.lti_tool.openapi import lti_paths

_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
_ERROR = error_schema(
    findings={"type": "array", "items": FINDING},
    modes={"type": "object", "additionalProperties": {"type": "string"}})
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
                                             "role": {"type": "string"}, "org": GUID_REF}}},
        "grades": {"type": "array", "items": {"type": "string"}},
        "primaryOrg": GUID_REF, "metadata": {"type": "object"},
        **{k: {"type": "string"} for k in ("middleName", "identifier", "email",
                                           "preferredFirstName", "preferredMiddleName",
                                           "preferredLastName", "pronouns")},
    },
}


def _paths() -> dict[str, Any]:
    auth = {"401": json_response(STATUS_INFO, "bearer token missing or wrong (only when "
                                              "API_TOKEN is set)")}
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
                "200": json_response({"type": "object", "required": ["applied", "deleted"],
                                      "properties": {
                                          **{k: _COUNTS for k in (
                                              "applied", "deleted", "created", "updated",
                                              "unchanged", "stale", "unknown", "disabled")},
                                          "modes": {"type": "object"},
                                          "waived": {"type": "array", "items": FINDING},
                                          "warnings": {"type": "array", "items": FINDING}}},
                                     "applied: counts per file"),
                "400": json_response(_ERROR, "empty upload, or multipart without a 'file' field"),
                "413": json_response(_ERROR, "upload larger than MAX_CONTENT_LENGTH"),
                "415": json_response(_ERROR, "neither a zip nor multipart/form-data"),
                "422": json_response(_ERROR, "invalidBundle (ERROR findings, or not a zip at "
                                             "all) or notDelta (a file in bulk mode); nothing "
                                             "was changed"),
            }}},
        "/ims/oneroster/rostering/v1p2/users": {"get": {
            "summary": "OneRoster 1.2 read API: every account the drill app holds",
            "tags": ["OneRoster"], "parameters": page,
            "responses": {
                "200": json_response({"type": "object", "required": ["users"],
                                      "properties": {"users": {"type": "array",
                                                               "items": _USER}}},
                                     "a page of users in sourcedId order",
                                     headers={"X-Total-Count": {"schema": {"type": "string"}}}),
                "400": json_response(STATUS_INFO, "limit or offset out of range"), **auth}}},
        "/ims/oneroster/rostering/v1p2/users/{sourcedId}": {"get": {
            "summary": "OneRoster 1.2 read API: one user", "tags": ["OneRoster"],
            "parameters": [{"name": "sourcedId", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": json_response({"type": "object", "required": ["user"],
                                      "properties": {"user": _USER}}, "the user"),
                "404": json_response(STATUS_INFO, "no such user"), **auth}}},
        **lti_paths("Interactive Study"),
    }


def describe() -> dict[str, Any]:
    """The OpenAPI 3.1 document served at ``/openapi.json``."""
    return document(
        "インタラクティブスタディ / Interactive Study (renkei mock)",
        "The drill app: OneRoster delta intake, a OneRoster read API for the initial link "
        "(名寄せ), and an LTI 1.3 tool that admits only provisioned, enabled accounts.",
        _paths(), base_url=str(current_app.config["BASE_URL"]))
