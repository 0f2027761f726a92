"""``/v1.0/users``: create, list, read, update and delete users as Microsoft Graph does."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request

from mocks.base import db_transaction, get_db
from mocks.m365.auth import USER_READ, USER_WRITE, authenticate, requires
from mocks.m365.errors import GraphError, graph_response
from mocks.m365.licenses import verified_domains
from mocks.m365.links import graph_url
from mocks.m365.query import decode_skiptoken, encode_skiptoken, parse_user_query, project
from mocks.m365.store import (
    DEFAULT_SELECT,
    EXTRA_LISTS,
    EXTRA_STRINGS,
    find_user,
    hash_password,
    insert_user,
    note_change,
    to_graph,
    upn_taken,
)

bp = Blueprint("m365_graph", __name__, url_prefix="/v1.0")

REQUIRED = ("accountEnabled", "displayName", "mailNickname", "passwordProfile",
            "userPrincipalName")
STRINGS = {"displayName": 256, "mailNickname": 64, "givenName": 64, "surname": 64,
           "department": 64, "jobTitle": 128, "usageLocation": 2, "userPrincipalName": 113,
           **EXTRA_STRINGS}
WRITABLE = set(STRINGS) | set(EXTRA_LISTS) | {"accountEnabled", "passwordProfile"}
#: Graph's values of the two properties for minors (null is allowed too)
AGE_GROUPS = ("Minor", "NotAdult", "Adult")
CONSENTS = ("Granted", "Denied", "NotRequired")
PASSWORD_POLICIES = {"DisablePasswordExpiration", "DisableStrongPassword"}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")  # ISO 639-1 [+ ISO 3166], e.g. ja-JP
_MAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
_NICK = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$")
_UPN = re.compile(r"^([A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]{1,64})@([A-Za-z0-9.\-]{1,48})$")
DUPLICATE_UPN = ("Another object with the same value for property userPrincipalName "
                 "already exists.")


@bp.errorhandler(GraphError)
def _graph_error(exc: GraphError) -> Response:
    return graph_response(exc)


bp.before_request(authenticate)


def _invalid(prop: str) -> GraphError:
    return GraphError(400, "Request_BadRequest",
                      f"Invalid value specified for property '{prop}' of resource 'User'.",
                      details=[{"target": prop, "code": "InvalidValue"}])


def json_object(data: Any) -> dict[str, Any]:
    """A request body that must be a JSON object (``request.get_json`` or a batch item's)."""
    if not isinstance(data, dict):
        raise GraphError(400, "BadRequest", "Unable to read JSON request payload. Please "
                         "ensure Content-Type header is set and payload is of valid JSON "
                         "format.")
    return data


def _json_object() -> dict[str, Any]:
    return json_object(request.get_json(force=True, silent=True))


def _password_ok(password: str) -> bool:
    """Entra ID's rule: 8–256 characters, three of lower, upper, digit, symbol."""
    if not 8 <= len(password) <= 256:
        return False
    classes = [any(c.islower() for c in password), any(c.isupper() for c in password),
               any(c.isdigit() for c in password), any(not c.isalnum() for c in password)]
    return sum(classes) >= 3


def validate(data: dict[str, Any], *, creating: bool) -> tuple[dict[str, Any], str | None]:
    """Check a user body; returns (fields to store, new password or None)."""
    for name in data:
        if name.startswith("@odata"):
            continue
        if name not in WRITABLE:
            raise GraphError(400, "Request_BadRequest", f"Property '{name}' does not exist "
                             "as a declared property or extension property.")
    if creating:
        for name in REQUIRED:
            if data.get(name) in (None, ""):
                raise GraphError(400, "Request_BadRequest", f"A value is required for "
                                 f"property '{name}' of resource 'User'.")
    fields: dict[str, Any] = {}
    for name, limit in STRINGS.items():
        if name not in data:
            continue
        value = data[name]
        if value is None and name not in ("userPrincipalName", "displayName", "mailNickname"):
            fields[name] = None
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise _invalid(name)
        fields[name] = value
    if "mailNickname" in fields and not _NICK.match(fields["mailNickname"]):
        raise _invalid("mailNickname")
    _check_values(fields)
    for name in EXTRA_LISTS:
        if name in data:
            items = data[name] if data[name] is not None else []
            if not isinstance(items, list) or not all(isinstance(i, str) and i.strip()
                                                      for i in items):
                raise _invalid(name)
            if name == "otherMails" and not all(_MAIL.match(i) for i in items):
                raise _invalid(name)
            if name == "businessPhones" and len(items) > 1:
                raise _invalid(name)  # Graph holds one business phone
            fields[name] = items
    if "userPrincipalName" in fields:
        m = _UPN.match(fields["userPrincipalName"])
        if not m or m.group(1).startswith(".") or m.group(1).endswith("."):
            raise _invalid("userPrincipalName")
        if current_app.config["DOMAINS"] and m.group(2).lower() not in {
                d.lower() for d in verified_domains()}:
            raise GraphError(400, "Request_BadRequest", "The domain portion of the "
                             "userPrincipalName property is invalid. You must use one of the "
                             "verified domain names in your organization.",
                             details=[{"target": "userPrincipalName",
                                       "code": "InvalidValue"}])
    if "accountEnabled" in data:
        if not isinstance(data["accountEnabled"], bool):
            raise _invalid("accountEnabled")
        fields["accountEnabled"] = data["accountEnabled"]
    password = None
    if "passwordProfile" in data:
        profile = data["passwordProfile"]
        if not isinstance(profile, dict) or set(profile) - {
                "password", "forceChangePasswordNextSignIn",
                "forceChangePasswordNextSignInWithMfa"}:
            raise _invalid("passwordProfile")
        password = profile.get("password")
        if password is None and creating:
            raise GraphError(400, "Request_BadRequest", "A value is required for property "
                             "'passwordProfile.password' of resource 'User'.")
        if password is not None and (not isinstance(password, str)
                                     or not _password_ok(password)):
            raise GraphError(400, "Request_BadRequest", "The specified password does not "
                             "comply with password complexity requirements. Please provide a "
                             "different password.")
        force = profile.get("forceChangePasswordNextSignIn", True)
        if not isinstance(force, bool):
            raise _invalid("passwordProfile")
        fields["forceChangePasswordNextSignIn"] = force
    return fields, password


def _check_values(fields: dict[str, Any]) -> None:
    """Graph's value rules for the properties that have them (None clears a property)."""
    def given(name: str) -> str | None:
        value = fields.get(name)
        return value if isinstance(value, str) else None

    usage = given("usageLocation")
    if usage is not None and not (len(usage) == 2 and usage.isalpha() and usage.isupper()):
        raise _invalid("usageLocation")  # an ISO 3166-1 alpha-2 country code (JP)
    if (value := given("ageGroup")) is not None and value not in AGE_GROUPS:
        raise _invalid("ageGroup")
    if (value := given("consentProvidedForMinor")) is not None and value not in CONSENTS:
        raise _invalid("consentProvidedForMinor")
    if (value := given("passwordPolicies")) is not None and value != "None" and not {
            p.strip() for p in value.split(",")} <= PASSWORD_POLICIES:
        raise _invalid("passwordPolicies")
    if (value := given("preferredLanguage")) is not None and not _LANGUAGE.match(value):
        raise _invalid("preferredLanguage")
    if (value := given("mail")) is not None and not _MAIL.match(value):
        raise _invalid("mail")


def _conflict() -> GraphError:
    return GraphError(400, "Request_BadRequest", DUPLICATE_UPN,
                      details=[{"target": "userPrincipalName", "code": "ObjectConflict"}])


def _context(suffix: str) -> str:
    return graph_url(f"/$metadata#{suffix}")


def _users_context(select: tuple[str, ...]) -> str:
    """``users``, or ``users(id,displayName)`` when $select chose the properties (as Graph)."""
    return "users" if select == DEFAULT_SELECT else f"users({','.join(select)})"


def _not_found(key: str) -> GraphError:
    return GraphError(404, "Request_ResourceNotFound", f"Resource '{key}' does not exist or "
                      "one of its queried reference-property objects are not present.")


def create_user(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and store a new user; returns the Graph user (no password)."""
    fields, password = validate(data, creating=True)
    assert password is not None  # validate() requires it when creating
    if upn_taken(fields["userPrincipalName"]):
        raise _conflict()  # before the (deliberately slow) hash
    digest = hash_password(password)  # outside the write transaction: hashing takes a while
    with db_transaction() as conn:
        if upn_taken(fields["userPrincipalName"]):
            raise _conflict()
        try:
            user_id = insert_user(conn, fields, digest)
        except sqlite3.IntegrityError:
            raise _conflict() from None
    row = find_user(user_id)
    assert row is not None
    return to_graph(row)


def created_entity(user: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The 201 body for a new user and its ``Location``, as Graph answers a create."""
    location = graph_url(f"/directoryObjects/{user['id']}/Microsoft.DirectoryServices.User")
    return {"@odata.context": _context("users/$entity"), **user}, location


@bp.post("/users")
@requires(*USER_WRITE)
def post_user() -> Any:
    body, location = created_entity(create_user(_json_object()))
    resp = jsonify(body)
    resp.status_code = 201
    resp.headers["Location"] = location
    return resp


@bp.get("/users")
@requires(*USER_READ)
def list_users() -> Any:
    eventual = request.headers.get("ConsistencyLevel", "").lower() == "eventual"
    query = parse_user_query(request.args, eventual=eventual)
    if query.order:
        where, params = query.where or ["1"], list(query.params)
        rows = get_db().execute(
            f"SELECT * FROM users WHERE {' AND '.join(where)} ORDER BY {query.order} "
            "LIMIT ? OFFSET ?", [*params, query.top + 1, query.offset]).fetchall()
        token = encode_skiptoken(query.offset + query.top, "off")
    else:
        rows = get_db().execute(
            f"SELECT * FROM users WHERE {' AND '.join(['seq > ?', *query.where])} "
            "ORDER BY seq LIMIT ?", [query.after_seq, *query.params, query.top + 1]).fetchall()
        token = encode_skiptoken(rows[query.top - 1]["seq"]) if len(rows) > query.top else ""
    page, more = rows[:query.top], len(rows) > query.top
    body: dict[str, Any] = {"@odata.context": _context(_users_context(query.select))}
    if query.count:
        # Graph counts directory objects only with ConsistencyLevel: eventual
        if not eventual:
            raise GraphError(400, "Request_BadRequest", "$count is not currently supported "
                             "without the ConsistencyLevel: eventual header.")
        body["@odata.count"] = get_db().execute(
            f"SELECT COUNT(*) FROM users WHERE {' AND '.join(query.where) or '1'}",
            query.params).fetchone()[0]
    if more:
        args = {k: v for k, v in request.args.items() if k != "$skiptoken"}
        args["$skiptoken"] = token
        body["@odata.nextLink"] = graph_url(f"/users?{urlencode(args)}")
    body["value"] = [project(to_graph(r), query.select) for r in page]
    return jsonify(body)


@bp.get("/users/delta")
@bp.get("/users/delta()")
@requires(*USER_READ)
def users_delta() -> Any:
    """Graph's delta query: every user first, then (with the ``@odata.deltaLink``'s
    ``$deltatoken``) only the users changed since, a deleted one as ``@removed``."""
    args = request.args
    select = parse_user_query({"$select": args["$select"]} if "$select" in args else {}).select
    since = 0
    if "$deltatoken" in args:
        kind, since = decode_skiptoken(args["$deltatoken"])
        if kind != "delta":
            raise GraphError(400, "Request_BadRequest", "The specified delta token value "
                             "is not valid.")
    db = get_db()
    latest = db.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]
    value: list[dict[str, Any]] = []
    if since == 0:
        value = [project(to_graph(r), select)
                 for r in db.execute("SELECT * FROM users ORDER BY seq")]
    else:
        changed = db.execute("SELECT user_id, MAX(seq) AS last FROM changes WHERE seq > ? "
                             "GROUP BY user_id ORDER BY last", (since,)).fetchall()
        for change in changed:
            row = find_user(change["user_id"])
            value.append(project(to_graph(row), select) if row is not None else
                         {"id": change["user_id"], "@removed": {"reason": "changed"}})
    link = {k: v for k, v in args.items() if k not in ("$deltatoken", "$skiptoken")}
    link["$deltatoken"] = encode_skiptoken(latest, "delta")
    return jsonify({"@odata.context": _context(_users_context(select)),
                    "@odata.deltaLink": graph_url(f"/users/delta?{urlencode(link)}"),
                    "value": value})


def read_user(key: str, select: str | None) -> dict[str, Any]:
    """One user by id or userPrincipalName, projected on ``$select`` (None: Graph's default)."""
    query = parse_user_query({} if select is None else {"$select": select})
    row = find_user(key)
    if row is None:
        raise _not_found(key)
    return {"@odata.context": _context(f"{_users_context(query.select)}/$entity"),
            **project(to_graph(row), query.select)}


def update_user(key: str, data: dict[str, Any]) -> None:
    """Apply a PATCH body to one user (by id or userPrincipalName)."""
    fields, password = validate(data, creating=False)
    with db_transaction() as conn:
        row = find_user(key)
        if row is None:
            raise _not_found(key)
        upn = fields.get("userPrincipalName")
        if upn is not None and upn_taken(upn, except_id=row["id"]):
            raise _conflict()
        for name in ("userPrincipalName", "displayName", "mailNickname"):
            if name in fields and fields[name] is None:
                raise _invalid(name)
        extras = {k: fields.pop(k) for k in list(fields) if k in EXTRA_STRINGS
                  or k in EXTRA_LISTS}
        sets = {k: (int(v) if isinstance(v, bool) else v) for k, v in fields.items()}
        if extras:
            props = {**json.loads(row["props"] or "{}"), **extras}
            sets["props"] = json.dumps({k: v for k, v in props.items() if v not in (None, [])},
                                       ensure_ascii=False)
        if password is not None:
            sets["password_hash"] = hash_password(password)
        if sets:
            assignments = ", ".join(f"{name} = ?" for name in sets)
            conn.execute(f"UPDATE users SET {assignments} WHERE id = ?",
                         [*sets.values(), row["id"]])
            note_change(conn, row["id"])


def delete_user(key: str) -> None:
    """Delete one user (by id or userPrincipalName); there is no recycle bin in the mock."""
    with db_transaction() as conn:
        row = find_user(key)
        if row is None:
            raise _not_found(key)
        conn.execute("DELETE FROM licenses WHERE user_id = ?", (row["id"],))
        conn.execute("DELETE FROM users WHERE id = ?", (row["id"],))
        note_change(conn, row["id"], removed=True)


@bp.get("/users/<path:key>")
@requires(*USER_READ)
def get_user_view(key: str) -> Any:
    return jsonify(read_user(key, request.args.get("$select")))


@bp.patch("/users/<path:key>")
@requires(*USER_WRITE)
def patch_user_view(key: str) -> Any:
    update_user(key, _json_object())
    return Response(status=204)


@bp.delete("/users/<path:key>")
@requires(*USER_WRITE)
def delete_user_view(key: str) -> Any:
    delete_user(key)
    return Response(status=204)
