"""OpenAPI 3.1 pieces describing the LTI surface every tool mock serves (what views.py does)."""

from __future__ import annotations

from typing import Any

_HTML = {"text/html": {"schema": {"type": "string"}}}
_RESULT = {
    "type": "object",
    "required": ["result", "outcome", "rules"],
    "properties": {
        "result": {"enum": ["renkei-launch-accepted", "renkei-launch-rejected"]},
        "outcome": {"enum": ["accepted", "refused", "rejected"]},
        "reason": {"type": ["string", "null"]},
        "sub": {"type": ["string", "null"]},
        "rules": {"type": "array", "items": {"type": "string"}},
        "licence": {"type": ["object", "null"]},
        "launch_id": {"type": ["integer", "null"]},
    },
}
_PAGE = {**_HTML, "application/json": {"schema": _RESULT}}
_LOGIN_PARAMS = [
    ("iss", True, "the platform's issuer"),
    ("login_hint", True, "opaque user hint from the platform"),
    ("target_link_uri", True, "where the launch should end"),
    ("lti_message_hint", False, "opaque message hint from the platform"),
    ("client_id", False, "the tool's client_id at this platform"),
    ("lti_deployment_id", False, "the deployment"),
]


def lti_paths(title: str) -> dict[str, Any]:
    """The ``paths`` of the LTI 1.3 tool endpoints (login, launch, JWKS)."""
    query = [{"name": n, "in": "query", "required": False, "description": d,
              "schema": {"type": "string"}} for n, _, d in _LOGIN_PARAMS]
    form = {"type": "object",
            "properties": {n: {"type": "string"} for n, _, _ in _LOGIN_PARAMS}}
    login_responses = {
        "302": {"description": "redirect to the platform's authentication endpoint "
                               "(OIDC authentication request); sets the state cookie",
                "headers": {"Location": {"schema": {"type": "string"}}}},
        "400": {"description": "login refused (missing parameter, unknown issuer or client); "
                               "recorded in the launch log", "content": _PAGE},
        "403": {"description": "a reject_launch fault hit this request; recorded",
                "content": _PAGE},
    }
    return {
        "/lti/login": {
            "get": {"summary": f"{title}: LTI 1.3 third-party initiated login",
                    "tags": ["LTI"], "parameters": query, "responses": login_responses},
            "post": {"summary": f"{title}: LTI 1.3 third-party initiated login (form post)",
                     "tags": ["LTI"],
                     "requestBody": {"content": {
                         "application/x-www-form-urlencoded": {"schema": form}}},
                     "responses": login_responses},
        },
        "/lti/launch": {
            "post": {
                "summary": f"{title}: LTI 1.3 launch (redirect URI, id_token form post)",
                "description": "Verifies the id_token with harness.lti (signature against the "
                               "platform's JWKS, claims, state and nonce), then the tool's own "
                               "rule. Every outcome is recorded in GET /_admin/state launches.",
                "tags": ["LTI"],
                "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "properties": {
                        "id_token": {"type": "string"}, "state": {"type": "string"},
                        "error": {"type": "string"},
                        "error_description": {"type": "string"}}}}}},
                "responses": {
                    "200": {"description": "launch accepted (or a Deep Linking response form)",
                            "content": _PAGE},
                    "401": {"description": "the launch failed verification (rule ids and "
                                           "reasons on the page)", "content": _PAGE},
                    "403": {"description": "verified, but the tool refuses it: unknown or "
                                           "disabled account, a grade it does not serve, or "
                                           "REJECT_LAUNCHES", "content": _PAGE},
                },
            },
        },
        "/lti/jwks": {
            "get": {
                "summary": f"{title}: the tool's public keys (JWKS)", "tags": ["LTI"],
                "responses": {"200": {
                    "description": "RFC 7517 key set; Cache-Control max-age",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["keys"],
                        "properties": {"keys": {"type": "array",
                                                "items": {"type": "object"}}}}}}}},
            },
        },
    }

