"""The OpenAPI 3.1 description of lgate's vendor API, written from what the views do.

The LTI endpoints under ``/lti`` (auth, token, NRPS, AGS, Deep Linking return) follow the LTI
1.3 / Advantage specifications and are described there; only the key set is listed here.
"""

from __future__ import annotations

from typing import Any

from mocks.base.openapi import FINDING, GUID_REF, STATUS_INFO, document, error_schema, json_response

READ = "/ims/oneroster/rostering/v1p2"

_ERROR = error_schema(
    findings={"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
    findings_total={"type": "integer"})
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
_BULK_RESULT = {
    "type": "object", "required": ["created", "updated", "unchanged", "removed", "missing"],
    "properties": {
        "created": _COUNTS, "updated": _COUNTS, "unchanged": _COUNTS,
        "removed": {**_COUNTS, "description": "classes and enrollments the bulk no longer "
                    "carries (replaced); users and orgs are never removed"},
        "missing": {"type": "object", "required": ["users"], "properties": {"users": {
            "type": "array", "description": "bulk-managed users this bulk does not carry; "
            "they are kept, not deleted or disabled",
            "items": {"type": "object", "properties": {
                "sourcedId": {"type": "string"}, "userMasterIdentifier": {"type": "string"},
                "username": {"type": "string"}}}}}},
        "findings": {"type": "array", "description": "WARN and INFO findings of the check",
                     "items": {"$ref": "#/components/schemas/Finding"}},
    },
}
_PASSWORD_RESULT = {
    "type": "object", "required": ["accepted", "replaced", "pending", "rejected"],
    "properties": {
        "accepted": {"type": "integer", "description": "rows stored"},
        "replaced": {"type": "integer", "description": "accepted rows that replaced an "
                     "earlier initial password"},
        "pending": {"type": "integer", "description": "accepted rows for accounts the store "
                    "does not hold yet"},
        "rejected": {"type": "array", "items": {"type": "object", "properties": {
            "line": {"type": "integer"}, "column": {"type": "string"},
            "message_en": {"type": "string"}, "message_ja": {"type": "string"}}}},
    },
}
_BASE_OBJ = {"sourcedId": {"type": "string"}, "status": {"type": "string"},
             "dateLastModified": {"type": "string"}, "metadata": {"type": "object"}}
_OBJECTS = {
    "User": {"type": "object", "required": ["sourcedId", "status", "username",
                                            "enabledUser", "roles"],
             "properties": {**_BASE_OBJ, "userMasterIdentifier": {"type": "string"},
                            "username": {"type": "string"},
                            "userIds": {"type": "array", "items": {"type": "object", "properties": {
                                "type": {"type": "string"}, "identifier": {"type": "string"}}}},
                            "enabledUser": {"type": "boolean"},
                            "givenName": {"type": "string"}, "familyName": {"type": "string"},
                            "roles": {"type": "array", "items": {"type": "object"}},
                            "grades": {"type": "array", "items": {"type": "string"}},
                            "primaryOrg": {"$ref": "#/components/schemas/GUIDRef"}}},
    "Org": {"type": "object", "required": ["sourcedId", "name", "type"],
            "properties": {**_BASE_OBJ, "name": {"type": "string"}, "type": {"type": "string"},
                           "identifier": {"type": "string"},
                           "parent": {"$ref": "#/components/schemas/GUIDRef"}}},
    "Class": {"type": "object", "required": ["sourcedId", "title", "school"],
              "properties": {**_BASE_OBJ, "title": {"type": "string"},
                             "classType": {"type": "string"},
                             "grades": {"type": "array", "items": {"type": "string"}},
                             "school": {"$ref": "#/components/schemas/GUIDRef"}}},
    "Enrollment": {"type": "object", "required": ["sourcedId", "user", "class", "role"],
                   "properties": {**_BASE_OBJ, "user": {"$ref": "#/components/schemas/GUIDRef"},
                                  "class": {"$ref": "#/components/schemas/GUIDRef"},
                                  "school": {"$ref": "#/components/schemas/GUIDRef"},
                                  "role": {"type": "string"}, "primary": {"type": "boolean"}}},
}
_SINGULAR = {"users": ("user", "User"), "orgs": ("org", "Org"), "classes": ("class", "Class"),
             "enrollments": ("enrollment", "Enrollment")}


def _err(description: str) -> dict[str, Any]:
    return json_response({"$ref": "#/components/schemas/Error"}, description)


def _imsx(description: str) -> dict[str, Any]:
    return json_response({"$ref": "#/components/schemas/StatusInfo"}, description)


def _upload_body(text_type: str) -> dict[str, Any]:
    file = {"type": "string", "contentMediaType": text_type, "minLength": 1}
    return {"required": True, "content": {
        text_type: {"schema": file},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                           "properties": {"file": file}}}}}


def _read_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for coll, (one, schema) in _SINGULAR.items():
        paths[f"{READ}/{coll}"] = {"get": {
            "summary": f"One page of {coll}", "operationId": f"list_{coll}",
            "security": [{"bearer": []}, {}],
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                            "default": 100},
                 "description": "page size; values above 1000 are served as 1000"},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                             "default": 0}}],
            "responses": {
                "200": json_response({"type": "object", "required": [coll], "properties": {
                    coll: {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}}
                }}, "the page", headers={
                    "X-Total-Count": {"schema": {"type": "string"},
                                      "description": "size of the whole collection"},
                    "Link": {"schema": {"type": "string"}}}),
                "400": _imsx("limit or offset is not a whole number in range"),
                "401": _imsx("API_TOKEN is set and the bearer token is missing or wrong")}}}
        paths[f"{READ}/{coll}/{{sourcedId}}"] = {"get": {
            "summary": f"One {one}", "operationId": f"get_{one}",
            "security": [{"bearer": []}, {}],
            "parameters": [{"name": "sourcedId", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": json_response({"type": "object", "required": [one], "properties": {
                    one: {"$ref": f"#/components/schemas/{schema}"}}}, f"the {one}"),
                "401": _imsx("API_TOKEN is set and the bearer token is missing or wrong"),
                "404": _imsx(f"no {one} with this sourcedId")}}}
    return paths


def describe() -> dict[str, Any]:
    """The OpenAPI 3.1 document served at ``/openapi.json``."""
    upload_refused = {
        "401": _err("API_TOKEN is set and the bearer token is missing or wrong"),
        "413": _err("the upload is larger than MAX_CONTENT_LENGTH")}
    paths: dict[str, Any] = {
        "/oneroster/bulk": {"post": {
            "summary": "Import a OneRoster 1.2 bulk bundle (jp-eportal-v4), all or nothing",
            "description": "Checked with the renkei OneRoster checker; a bundle with ERROR "
                           "findings (or a delta bundle) is refused with 422 and nothing "
                           "changes. Keyed by sourcedId: creates and updates; users missing "
                           "from the bulk are listed, never deleted or disabled; users entered "
                           "by hand are kept; classes and enrollments no longer in the bulk "
                           "are replaced.",
            "operationId": "bulk_import", "security": [{"bearer": []}, {}],
            "requestBody": _upload_body("application/zip"),
            "responses": {
                "200": json_response({"$ref": "#/components/schemas/BulkResult"}, "applied"),
                "400": _err("no file in the request (code emptyBody)"),
                **upload_refused,
                "422": _err("the bundle has ERROR findings (code invalidBundle, with the "
                            "findings) or is a delta (code notBulk); nothing was changed")}}},
        "/accounts/initial-passwords": {"post": {
            "summary": "Take the board's ID・初期パスワード file",
            "description": "CSV with userMasterIdentifier, userPrincipalName, initialPassword "
                           "(docs/password-file.md). Passwords are stored as salted hashes "
                           "and never returned.",
            "operationId": "initial_passwords", "security": [{"bearer": []}, {}],
            "requestBody": _upload_body("text/csv"),
            "responses": {
                "200": json_response({"$ref": "#/components/schemas/PasswordResult"}, "stored"),
                "400": _err("the file cannot be read at all (code unreadableFile)"),
                **upload_refused}}},
        "/launch": {"get": {
            "summary": "Log a user in and launch a tool (LTI 1.3 OIDC third-party login)",
            "description": "Sets lgate's session cookie and redirects to the tool's login "
                           "URL. The id_token carries sub = userMasterIdentifier, context = "
                           "the homeroom class, roles from the enrollment and custom grade, "
                           "class_name, school_code and school_name.",
            "operationId": "launch",
            "parameters": [
                {"name": "user", "in": "query", "required": True,
                 "schema": {"type": "string"}, "description": "userMasterIdentifier"},
                {"name": "tool", "in": "query", "required": True,
                 "schema": {"type": "string"}, "description": "registered tool name"},
                {"name": "type", "in": "query",
                 "schema": {"type": "string", "enum": ["resource", "deeplink"]}}],
            "responses": {
                "302": {"description": "to the tool's OIDC login initiation URL",
                        "headers": {"Location": {"schema": {"type": "string"}}}},
                "400": _err("user or tool missing"),
                "404": {"description": "unknown user or tool (JSON when asked for, else a "
                                       "page)",
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Error"}},
                            "text/html": {"schema": {"type": "string"}}}},
                "403": {"description": "the user's account is disabled (enabledUser false "
                                       "or status tobedeleted)",
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Error"}},
                            "text/html": {"schema": {"type": "string"}}}},
                "422": _err("the user's role has no LTI role")}}},
        # the same key set at both URLs a tool may be told (issue 21)
        **{path: {"get": {
            "summary": "The platform's public key set (RFC 7517)", "operationId": op,
            "responses": {"200": json_response({"type": "object", "required": ["keys"],
                                                "properties": {"keys": {
                                                    "type": "array", "items": {"type": "object"}}}},
                                               "the key set")}}}
           for path, op in (("/lti/jwks", "jwks"),
                            ("/lti/.well-known/jwks.json", "jwksWellKnown"))},
        **_read_paths(),
    }
    return document(
        "L-Gate (learning e-portal) — renkei mock",
        "学習eポータル L-Gate: OneRoster bulk import, initial passwords, the OneRoster read API "
        "and LTI 1.3 launches.", paths,
        components={
            "schemas": {"Error": _ERROR, "Finding": FINDING, "BulkResult": _BULK_RESULT,
                        "PasswordResult": _PASSWORD_RESULT, "StatusInfo": STATUS_INFO,
                        "GUIDRef": GUID_REF, **_OBJECTS},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "only when API_TOKEN is set"}},
        },
    )
