"""The OpenAPI 3.1 description of the m365 mock's vendor API (what it really does)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from mocks.base.openapi import document, json_response
from mocks.m365.query import MAX_TOP
from mocks.m365.store import EXTRA_LISTS, EXTRA_STRINGS

_S = {"type": "string"}
_NS = {"type": ["string", "null"]}

USER = {
    "type": "object",
    "properties": {
        "@odata.context": _S, "id": _S, "userPrincipalName": _S, "displayName": _S,
        "mailNickname": _S, "accountEnabled": {"type": "boolean"}, "givenName": _NS,
        "surname": _NS, "department": _NS, "jobTitle": _NS, "usageLocation": _NS,
        "createdDateTime": _S, "businessPhones": {"type": "array", "items": _S},
        **{name: _NS for name in EXTRA_STRINGS},
        **{name: {"type": "array", "items": _S} for name in EXTRA_LISTS},
        "assignedLicenses": {"type": "array", "items": {"type": "object", "properties": {
            "skuId": _S, "disabledPlans": {"type": "array", "items": _S}}}},
    },
}
PASSWORD_PROFILE = {
    "type": "object",
    "properties": {"password": {"type": "string", "writeOnly": True},
                   "forceChangePasswordNextSignIn": {"type": "boolean"}},
    "required": ["password"],
}
NEW_USER = {
    "type": "object",
    "properties": {
        "accountEnabled": {"type": "boolean"}, "displayName": _S, "mailNickname": _S,
        "userPrincipalName": _S, "passwordProfile": PASSWORD_PROFILE, "givenName": _S,
        "surname": _S, "department": _S, "jobTitle": _S, "usageLocation": _S,
        **{name: _S for name in EXTRA_STRINGS},
        **{name: {"type": "array", "items": _S} for name in EXTRA_LISTS},
    },
    "required": ["accountEnabled", "displayName", "mailNickname", "passwordProfile",
                 "userPrincipalName"],
}
GRAPH_ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "innerError"],
        "properties": {
            "code": _S, "message": _S,
            "details": {"type": "array", "items": {"type": "object", "properties": {
                "target": _S, "code": _S}}},
            "innerError": {"type": "object", "required": ["date", "request-id"],
                           "properties": {"date": _S, "request-id": _S,
                                          "client-request-id": _S}},
        }}},
}
TOKEN_ERROR = {
    "type": "object", "required": ["error", "error_description", "error_codes"],
    "properties": {"error": _S, "error_description": _S,
                   "error_codes": {"type": "array", "items": {"type": "integer"}},
                   "timestamp": _S, "trace_id": _S, "correlation_id": _S},
}


def _err(description: str, ref: str = "#/components/schemas/GraphError") -> dict[str, Any]:
    return json_response({"$ref": ref}, description)


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return json_response(schema, description)


COMMON = {"400": _err("Bad request (Graph error body)"),
          "401": _err("Missing, unknown or expired bearer token"),
          "403": _err("The token lacks the application permission the call needs"),
          "429": _err("Throttled (Retry-After header)")}
KEY = {"name": "key", "in": "path", "required": True, "schema": _S,
       "description": "object id or userPrincipalName"}
SELECT = {"name": "$select", "in": "query", "schema": _S}


_LIST = {"type": "object", "required": ["value"], "properties": {
    "@odata.context": _S, "value": {"type": "array", "items": {"type": "object"}}}}
_TENANT = {"name": "tenant", "in": "path", "required": True, "schema": _S}


def _discovery(version: str) -> dict[str, Any]:
    return {"get": {"summary": f"OpenID Connect discovery ({version})", "security": [],
                    "parameters": [_TENANT], "responses": {
                        "200": _ok("Discovery document", {
                            "type": "object",
                            "required": ["issuer", "token_endpoint", "jwks_uri",
                                         "authorization_endpoint"],
                            "properties": {"issuer": _S, "token_endpoint": _S,
                                           "jwks_uri": _S, "authorization_endpoint": _S}}),
                        "400": _err("Unknown tenant", "#/components/schemas/TokenError")}}}


def _jwks() -> dict[str, Any]:
    return {"get": {"summary": "The token signing keys (JWKS)", "security": [],
                    "parameters": [_TENANT], "responses": {"200": _ok("JWKS", {
                        "type": "object", "required": ["keys"],
                        "properties": {"keys": {"type": "array"}}})}}}


def describe() -> dict[str, Any]:
    """The document served at ``/openapi.json``."""
    user_ref = {"$ref": "#/components/schemas/User"}
    return document(
        "m365 mock — Microsoft Graph v1.0 users subset",
        "Entra ID client credentials, /v1.0/users and /v1.0/$batch.",
        base_url=current_app.config["BASE_URL"],
        components={
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"User": USER, "NewUser": NEW_USER, "GraphError": GRAPH_ERROR,
                        "TokenError": TOKEN_ERROR},
        },
        security=[{"bearer": []}],
        paths={
            "/{tenant}/oauth2/v2.0/token": {"post": {
                "summary": "Client-credentials access token", "security": [],
                "parameters": [{"name": "tenant", "in": "path", "required": True,
                                "schema": _S}],
                "requestBody": {"required": True, "content": {
                    "application/x-www-form-urlencoded": {"schema": {
                        "type": "object",
                        "properties": {"grant_type": {"const": "client_credentials"},
                                       "client_id": _S, "client_secret": _S,
                                       "scope": {"const":
                                                 "https://graph.microsoft.com/.default"}},
                        "required": ["grant_type", "client_id", "client_secret", "scope"],
                    }}}},
                "responses": {
                    "200": _ok("Token", {"type": "object", "required": [
                        "token_type", "expires_in", "access_token"], "properties": {
                        "token_type": {"const": "Bearer"}, "expires_in": {"type": "integer"},
                        "ext_expires_in": {"type": "integer"}, "access_token": _S}}),
                    "400": _err("OAuth error", "#/components/schemas/TokenError"),
                    "401": _err("Bad client secret", "#/components/schemas/TokenError"),
                    "405": _err("Wrong method", "#/components/schemas/TokenError"),
                },
            }},
            "/{tenant}/v2.0/.well-known/openid-configuration": _discovery("v2.0"),
            "/{tenant}/.well-known/openid-configuration": _discovery("v1"),
            "/{tenant}/discovery/v2.0/keys": _jwks(),
            "/{tenant}/discovery/keys": _jwks(),
            "/v1.0/subscribedSkus": {"get": {"summary": "The tenant's SKUs and seats",
                                             "responses": {"200": _ok("SKUs", _LIST),
                                                           **COMMON}}},
            "/v1.0/organization": {"get": {"summary": "The organization, verified domains",
                                           "responses": {"200": _ok("Org", _LIST), **COMMON}}},
            "/v1.0/domains": {"get": {"summary": "The tenant's domains",
                                      "responses": {"200": _ok("Domains", _LIST), **COMMON}}},
            "/v1.0/users/{key}/assignLicense": {"post": {
                "summary": "Add and remove licences", "parameters": [KEY],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["addLicenses", "removeLicenses"],
                    "properties": {
                        "addLicenses": {"type": "array", "items": {
                            "type": "object", "required": ["skuId"], "properties": {
                                "skuId": _S, "disabledPlans": {"type": "array",
                                                               "items": _S}}}},
                        "removeLicenses": {"type": "array", "items": _S}}}}}},
                "responses": {"200": _ok("The user", user_ref), "404": _err("No such user"),
                              **COMMON}}},
            "/v1.0/users/{key}/licenseDetails": {"get": {
                "summary": "A user's licences", "parameters": [KEY],
                "responses": {"200": _ok("Licences", _LIST), "404": _err("No such user"),
                              **COMMON}}},
            "/v1.0/users/delta": {"get": {
                "summary": "Changes since the deltaLink (deleted users as @removed)",
                "parameters": [SELECT, {"name": "$deltatoken", "in": "query", "schema": _S}],
                "responses": {"200": _ok("Changed users", {
                    "type": "object", "required": ["value", "@odata.deltaLink"],
                    "properties": {"@odata.context": _S, "@odata.deltaLink": _S,
                                   "value": {"type": "array", "items": {"type": "object"}}}}),
                    **COMMON}}},
            "/v1.0/users/{key}/memberOf": {"get": {
                "summary": "A user's groups (none in the mock)", "parameters": [KEY],
                "responses": {"200": _ok("Groups", _LIST), "404": _err("No such user"),
                              **COMMON}}},
            "/v1.0/users": {
                "get": {"summary": "List users", "parameters": [
                    {"name": "$filter", "in": "query", "schema": _S},
                    SELECT,
                    {"name": "$top", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_TOP}},
                    {"name": "$skiptoken", "in": "query", "schema": _S},
                    {"name": "$count", "in": "query", "schema": {"enum": ["true", "false"]}},
                    {"name": "$orderby", "in": "query", "schema": {"enum": [
                        "displayName", "userPrincipalName", "displayName desc",
                        "userPrincipalName desc"]}},
                    {"name": "$search", "in": "query", "schema": _S},
                    {"name": "ConsistencyLevel", "in": "header",
                     "schema": {"enum": ["eventual"]}}],
                    "responses": {"200": _ok("A page of users", {
                        "type": "object", "required": ["value"], "properties": {
                            "@odata.context": _S, "@odata.nextLink": _S,
                            "@odata.count": {"type": "integer"},
                            "value": {"type": "array", "items": user_ref}}}), **COMMON}},
                "post": {"summary": "Create a user",
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/NewUser"}}}},
                         "responses": {"201": _ok("Created", user_ref), **COMMON}},
            },
            "/v1.0/users/{key}": {
                "get": {"summary": "Read a user", "parameters": [KEY, SELECT], "responses": {
                    "200": _ok("The user", user_ref),
                    "404": _err("No such user"), **COMMON}},
                "patch": {"summary": "Update a user", "parameters": [KEY],
                          "requestBody": {"required": True, "content": {"application/json": {
                              "schema": {**NEW_USER, "required": []}}}},
                          "responses": {"204": {"description": "Updated"},
                                        "404": _err("No such user"), **COMMON}},
                "delete": {"summary": "Delete a user", "parameters": [KEY], "responses": {
                    "204": {"description": "Deleted"}, "404": _err("No such user"),
                    **COMMON}},
            },
            "/v1.0/$batch": {"post": {
                "summary": "JSON batching (at most 20 requests)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["requests"], "properties": {"requests": {
                        "type": "array", "minItems": 1, "maxItems": 20, "items": {
                            "type": "object", "required": ["id", "method", "url"],
                            "properties": {"id": _S, "method": {"enum": [
                                "GET", "POST", "PATCH", "DELETE"]}, "url": _S,
                                "headers": {"type": "object",
                                            "additionalProperties": _S},
                                "body": {}, "dependsOn": {"type": "array", "items": _S}}}}}}}}},
                "responses": {"200": _ok("One response per request", {
                    "type": "object", "required": ["responses"], "properties": {"responses": {
                        "type": "array", "items": {"type": "object",
                                                   "required": ["id", "status"],
                                                   "properties": {
                                                       "id": _S, "status": {"type": "integer"},
                                                       "headers": {"type": "object"},
                                                       "body": {}}}}}}),
                    **COMMON},
            }},
        },
    )
