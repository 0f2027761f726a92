"""Reading the account store: OneRoster JSON for the read API, the admin state, hand-entered
(manual) users, and what a launch needs to know about a user (所属・学級).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from harness.oneroster.ids import stable_uuid4
from mocks.base.db import page_rows

#: The read API's collections → (table, JSON key of the body).
COLLECTIONS = {"users": "users", "orgs": "orgs", "classes": "classes",
               "enrollments": "enrollments"}
ROLES = ("student", "teacher", "administrator", "aide", "guardian", "parent", "proctor")
_USER_ID = re.compile(r"\{([^:{}]+):([^{}]*)\}")


class SeedError(ValueError):
    """A seed payload the store cannot take; the message names the field."""


def _data(row: sqlite3.Row) -> dict[str, Any]:
    return json.loads(row["data"])


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v for v in str(value or "").split(",") if v]


def _metadata(data: dict[str, Any]) -> dict[str, Any]:
    return {k.removeprefix("metadata."): v for k, v in data.items() if k.startswith("metadata.")}


def _ref(base: str, kind: str, sourced_id: str) -> dict[str, str]:
    coll = {"org": "orgs", "class": "classes", "user": "users", "course": "courses",
            "academicSession": "academicSessions"}[kind]
    return {"href": f"{base}/ims/oneroster/rostering/v1p2/{coll}/{sourced_id}",
            "sourcedId": sourced_id, "type": kind}


def _common(row: sqlite3.Row) -> tuple[dict[str, Any], dict[str, Any]]:
    """The row's stored CSV fields, and the REST object's fields every kind has."""
    data = _data(row)
    out: dict[str, Any] = {"sourcedId": row["sourced_id"],
                           "status": data.get("status") or "active",
                           "dateLastModified": data.get("dateLastModified") or row["updated_at"]}
    meta = _metadata(data)
    if meta:
        out["metadata"] = meta
    return data, out


def user_json(row: sqlite3.Row, base: str) -> dict[str, Any]:
    """A stored user as a OneRoster 1.2 REST ``user`` object."""
    d, out = _common(row)
    out.update({
        "userMasterIdentifier": row["user_master_identifier"], "username": row["username"],
        "userIds": [{"type": t, "identifier": i}
                    for t, i in _USER_ID.findall(str(d.get("userIds", "")))],
        "enabledUser": bool(row["enabled_user"]),
        "givenName": row["given_name"], "familyName": row["family_name"],
        "roles": [{"roleType": r.get("roleType", "primary"), "role": r.get("role", row["role"]),
                   **({"org": _ref(base, "org", r["orgSourcedId"])}
                      if r.get("orgSourcedId") else {})}
                  for r in d.get("roles", [])] or [{"roleType": "primary", "role": row["role"]}],
        "grades": _list(row["grades"]),
    })
    for csv_name, rest_name in (("middleName", "middleName"), ("identifier", "identifier"),
                                ("email", "email"), ("preferredGivenName", "preferredFirstName"),
                                ("preferredMiddleName", "preferredMiddleName"),
                                ("preferredFamilyName", "preferredLastName"),
                                ("pronouns", "pronouns")):
        if d.get(csv_name):
            out[rest_name] = d[csv_name]
    if row["primary_org"]:
        out["primaryOrg"] = _ref(base, "org", row["primary_org"])
    return out


def org_json(row: sqlite3.Row, base: str) -> dict[str, Any]:
    d, out = _common(row)
    out.update({"name": row["name"], "type": row["type"], "identifier": row["identifier"]})
    if row["parent_sourced_id"]:
        out["parent"] = _ref(base, "org", row["parent_sourced_id"])
    return out


def class_json(row: sqlite3.Row, base: str) -> dict[str, Any]:
    d, out = _common(row)
    terms = [_ref(base, "academicSession", t) for t in _list(d.get("termSourcedIds"))]
    out.update({"title": row["title"], "classType": row["class_type"],
                "grades": _list(row["grades"]),
                "school": _ref(base, "org", row["school_sourced_id"]), "terms": terms})
    if d.get("courseSourcedId"):
        out["course"] = _ref(base, "course", str(d["courseSourcedId"]))
    if d.get("classCode"):
        out["classCode"] = d["classCode"]
    return out


def enrollment_json(row: sqlite3.Row, base: str) -> dict[str, Any]:
    d, out = _common(row)
    out.update({"user": _ref(base, "user", row["user_sourced_id"]),
                "class": _ref(base, "class", row["class_sourced_id"]),
                "school": _ref(base, "org", row["school_sourced_id"]),
                "role": row["role"], "primary": bool(row["is_primary"])})
    for key in ("beginDate", "endDate"):
        if d.get(key):
            out[key] = d[key]
    return out


SERIALISERS = {"users": user_json, "orgs": org_json, "classes": class_json,
               "enrollments": enrollment_json}


def page(conn: sqlite3.Connection, collection: str, base: str, *, limit: int, offset: int,
         positions: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """One page of a collection in storage order, and the collection's total size
    (``positions``: :meth:`mocks.base.db.Database.positions`, so a walk is linear)."""
    rows, total = page_rows(conn, collection, limit=limit, offset=offset, positions=positions)
    return [SERIALISERS[collection](r, base) for r in rows], total


def one(conn: sqlite3.Connection, collection: str, sourced_id: str,
        base: str) -> dict[str, Any] | None:
    row = conn.execute(f"SELECT * FROM {collection} WHERE sourced_id = ?",
                       (sourced_id,)).fetchone()
    return None if row is None else SERIALISERS[collection](row, base)


# -- admin state --------------------------------------------------------------------------------
def state(conn: sqlite3.Connection) -> dict[str, Any]:
    """Everything the store holds, as stored (passwords only as ``has_initial_password``)."""
    users = []
    for r in conn.execute(
            "SELECT u.*, p.user_master_identifier IS NOT NULL AS has_pw FROM users u "
            "LEFT JOIN initial_passwords p ON p.user_master_identifier = "
            "u.user_master_identifier ORDER BY u.rowid"):
        users.append({
            "sourcedId": r["sourced_id"], "userMasterIdentifier": r["user_master_identifier"],
            "username": r["username"], "status": r["status"],
            "enabledUser": bool(r["enabled_user"]), "role": r["role"],
            "givenName": r["given_name"], "familyName": r["family_name"],
            "grades": _list(r["grades"]), "primaryOrgSourcedId": r["primary_org"],
            "homeClass": r["home_class"], "manual": bool(r["manual"]),
            "has_initial_password": bool(r["has_pw"]),
            "created_at": r["created_at"], "updated_at": r["updated_at"]})
    orgs = [{"sourcedId": r["sourced_id"], "name": r["name"], "type": r["type"],
             "identifier": r["identifier"], "parentSourcedId": r["parent_sourced_id"],
             "manual": bool(r["manual"])}
            for r in conn.execute("SELECT * FROM orgs ORDER BY rowid")]
    classes = [{"sourcedId": r["sourced_id"], "title": r["title"], "classType": r["class_type"],
                "schoolSourcedId": r["school_sourced_id"], "grades": _list(r["grades"]),
                "manual": bool(r["manual"])}
               for r in conn.execute("SELECT * FROM classes ORDER BY rowid")]
    enrollments = [{"sourcedId": r["sourced_id"], "classSourcedId": r["class_sourced_id"],
                    "schoolSourcedId": r["school_sourced_id"],
                    "userSourcedId": r["user_sourced_id"], "role": r["role"],
                    "primary": bool(r["is_primary"]), "manual": bool(r["manual"])}
                   for r in conn.execute("SELECT * FROM enrollments ORDER BY rowid")]
    imports = [{"id": r["id"], "kind": r["kind"], "at": r["at"], **json.loads(r["summary"])}
               for r in conn.execute("SELECT * FROM imports ORDER BY id")]
    launches = [{"id": r["id"], "at": r["at"], "user": r["user_master_identifier"],
                 "tool": r["tool"], "client_id": r["client_id"],
                 "message_type": r["message_type"], "context_id": r["context_id"],
                 "roles": json.loads(r["roles"])}
                for r in conn.execute("SELECT * FROM launches ORDER BY id")]
    return {"users": users, "orgs": orgs, "classes": classes, "enrollments": enrollments,
            "initial_passwords": conn.execute(
                "SELECT count(*) FROM initial_passwords").fetchone()[0],
            "imports": imports, "launches": launches}


def record_import(conn: sqlite3.Connection, kind: str, now: str, summary: dict[str, Any]) -> None:
    conn.execute("INSERT INTO imports (kind, at, summary) VALUES (?, ?, ?)",
                 (kind, now, json.dumps(summary, ensure_ascii=False)))


# -- manual users (entered by hand, pilot §3.1) --------------------------------------------------
def seed_manual(conn: sqlite3.Connection, payload: dict[str, Any], *, now: str) -> dict[str, Any]:
    """Add users entered by hand (e.g. teachers): ``{"users": [{userMasterIdentifier, username,
    givenName, familyName, role, sourcedId?, orgSourcedId?, grades?, classSourcedIds?}]}``.

    Manual users are kept by every bulk and never listed as missing. Each class in
    ``classSourcedIds`` gets a manual enrollment with the user's role.

    :raises SeedError: a field is missing or has the wrong type.
    """
    users = payload.get("users")
    if not isinstance(users, list) or not users:
        raise SeedError("expected {\"users\": [ ... ]} with at least one user")
    added = []
    for i, u in enumerate(users, 1):
        if not isinstance(u, dict):
            raise SeedError(f"users[{i}] is not an object")
        for key in ("userMasterIdentifier", "username", "givenName", "familyName"):
            if not isinstance(u.get(key), str) or not u[key].strip():
                raise SeedError(f"users[{i}].{key} is required (a non-empty string)")
        role = u.get("role", "teacher")
        if role not in ROLES:
            raise SeedError(f"users[{i}].role must be one of {', '.join(ROLES)}, got {role!r}")
        classes = u.get("classSourcedIds", [])
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            raise SeedError(f"users[{i}].classSourcedIds must be a list of strings")
        umi = u["userMasterIdentifier"].strip()
        sid = str(u.get("sourcedId") or stable_uuid4("lgate-manual", umi))
        org = str(u.get("orgSourcedId") or "")
        grades = ",".join(_list(u.get("grades")))
        data = {"sourcedId": sid, "userMasterIdentifier": umi, "username": u["username"],
                "givenName": u["givenName"], "familyName": u["familyName"],
                "enabledUser": "true", "grades": grades, "primaryOrgSourcedId": org,
                "userIds": f"{{Office365:{u['username']}}}",
                "roles": [{"roleType": "primary", "role": role,
                           **({"orgSourcedId": org} if org else {})}], "role": role}
        conn.execute(
            "INSERT INTO users (sourced_id, user_master_identifier, username, role, given_name, "
            "family_name, grades, primary_org, home_class, data, manual, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (sourced_id) DO UPDATE SET "
            "user_master_identifier = excluded.user_master_identifier, "
            "username = excluded.username, role = excluded.role, "
            "given_name = excluded.given_name, family_name = excluded.family_name, "
            "grades = excluded.grades, primary_org = excluded.primary_org, "
            "home_class = excluded.home_class, data = excluded.data, manual = 1, "
            "updated_at = excluded.updated_at",
            (sid, umi, u["username"], role, u["givenName"], u["familyName"], grades, org,
             classes[0] if classes else "", json.dumps(data, ensure_ascii=False, sort_keys=True),
             now, now))
        for cls in classes:
            school = conn.execute("SELECT school_sourced_id FROM classes WHERE sourced_id = ?",
                                  (cls,)).fetchone()
            eid = stable_uuid4("lgate-manual-enrollment", umi, cls)
            edata = {"sourcedId": eid, "classSourcedId": cls, "userSourcedId": sid,
                     "role": role, "schoolSourcedId": school[0] if school else org}
            conn.execute(
                "INSERT OR REPLACE INTO enrollments (sourced_id, class_sourced_id, "
                "school_sourced_id, user_sourced_id, role, is_primary, data, manual, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, 1, ?, ?)",
                (eid, cls, edata["schoolSourcedId"], sid, role,
                 json.dumps(edata, ensure_ascii=False, sort_keys=True), now, now))
        added.append({"sourcedId": sid, "userMasterIdentifier": umi, "role": role,
                      "classes": len(classes)})
    return {"manual_users": added}


# -- launches ----------------------------------------------------------------------------------
@dataclass
class LaunchTarget:
    """What lgate knows about a user for a launch: the account, its homeroom and school."""

    user: dict[str, Any]  # the columns a launch reads (_LAUNCH_USER)
    role: str
    class_id: str | None
    class_title: str | None
    school_code: str | None
    school_name: str | None
    grade: str | None
    duplicates: int


#: what a launch reads of a user (the columns of :attr:`LaunchTarget.user`)
_LAUNCH_USER = ("sourced_id, user_master_identifier, status, enabled_user, role, given_name, "
                "family_name, grades, primary_org, home_class")
#: a class with the user's enrollment role in it and its school (none for a blank school id)
_LAUNCH_CLASS = ("SELECT c.sourced_id, c.title, c.grades, e.role AS e_role, o.identifier, "
                 "o.name FROM {join} LEFT JOIN orgs o ON c.school_sourced_id != '' "
                 "AND o.sourced_id = c.school_sourced_id ")
#: a user's accounts by userMasterIdentifier, the latest active first
_USER_BY_UMI = (f"SELECT {_LAUNCH_USER} FROM users WHERE user_master_identifier = ? "
                "ORDER BY status = 'active' DESC, updated_at DESC, rowid DESC")
#: the user's home class, with the user's enrollment in it: "+" keeps SQLite off the class
#: index (which walks the whole class; 57 → 10 µs at Tsukuba, once per launch)
_HOME_CLASS = _LAUNCH_CLASS.format(
    join="classes c LEFT JOIN enrollments e ON +e.class_sourced_id = c.sourced_id "
         "AND e.user_sourced_id = ?") + "WHERE c.sourced_id = ?"
#: else the class of the user's enrollments a homeroom first, then a primary one
_ENROLLED_CLASS = _LAUNCH_CLASS.format(
    join="enrollments e JOIN classes c ON c.sourced_id = e.class_sourced_id") \
    + "WHERE e.user_sourced_id = ? " \
    "ORDER BY c.class_type = 'homeroom' DESC, e.is_primary DESC, e.rowid"


def launch_target(conn: sqlite3.Connection, umi: str) -> LaunchTarget | None:
    """The account behind ``umi`` (the latest active one when an integration made duplicates),
    with its homeroom class (学級) and school; None when the store has no such user."""
    rows = conn.execute(_USER_BY_UMI, (umi,)).fetchall()
    if not rows:
        return None
    u = rows[0]
    cls = None
    if u["home_class"]:
        # the pupil's one enrollment by its user index (_HOME_CLASS)
        cls = conn.execute(_HOME_CLASS, (u["sourced_id"], u["home_class"])).fetchone()
    if cls is None:
        cls = conn.execute(_ENROLLED_CLASS, (u["sourced_id"],)).fetchone()
    if cls is not None:
        school = (cls["identifier"], cls["name"]) if cls["identifier"] is not None else None
    else:
        org = conn.execute("SELECT identifier, name FROM orgs WHERE sourced_id = ?",
                           (u["primary_org"],)).fetchone() if u["primary_org"] else None
        school = (org["identifier"], org["name"]) if org else None
    grades = _list(u["grades"]) or (_list(cls["grades"]) if cls is not None else [])
    return LaunchTarget(
        user=dict(u), role=(cls["e_role"] if cls is not None and cls["e_role"] else u["role"]),
        class_id=cls["sourced_id"] if cls is not None else None,
        class_title=cls["title"] if cls is not None else None,
        school_code=school[0] if school else None, school_name=school[1] if school else None,
        grade=grades[0] if grades else None, duplicates=len(rows) - 1)


def class_roster(conn: sqlite3.Connection, class_id: str) -> list[sqlite3.Row] | None:
    """Members of a class (its enrollments joined to users), or None for an unknown class."""
    if conn.execute("SELECT 1 FROM classes WHERE sourced_id = ?", (class_id,)).fetchone() is None:
        return None
    return conn.execute(
        "SELECT u.*, e.role AS e_role FROM enrollments e JOIN users u ON "
        "u.sourced_id = e.user_sourced_id WHERE e.class_sourced_id = ? ORDER BY e.rowid",
        (class_id,)).fetchall()
