"""The drill app's account store (インタラクティブスタディ): tables, row mapping, JSON views.

Each OneRoster file the drill app imports is one table keyed by ``sourcedId``. A few columns
are lifted out of the CSV row so SQL can match and join on them (``userMasterIdentifier`` for
LTI launches, ``userSourcedId`` for enrollments); the whole row is kept as JSON in ``data``
so the read API can answer with every field the delta carried.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

#: file name → (SQL column, CSV column) pairs lifted out of the row, besides the fixed columns
#: sourcedId, status, dateLastModified, origin and data. Order is the import order: parents
#: before the rows that reference them.
FILES: dict[str, tuple[tuple[str, str], ...]] = {
    "orgs": (("name", "name"), ("type", "type"), ("identifier", "identifier"),
             ("parentSourcedId", "parentSourcedId")),
    "classes": (("title", "title"), ("grades", "grades"), ("classType", "classType"),
                ("schoolSourcedId", "schoolSourcedId")),
    "users": (("enabledUser", "enabledUser"), ("username", "username"),
              ("userMasterIdentifier", "userMasterIdentifier"), ("givenName", "givenName"),
              ("familyName", "familyName"), ("grades", "grades"),
              ("primaryOrgSourcedId", "primaryOrgSourcedId"),
              ("homeClass", "metadata.jp.homeClass")),
    "roles": (("userSourcedId", "userSourcedId"), ("roleType", "roleType"), ("role", "role"),
              ("orgSourcedId", "orgSourcedId")),
    "enrollments": (("classSourcedId", "classSourcedId"), ("schoolSourcedId", "schoolSourcedId"),
                    ("userSourcedId", "userSourcedId"), ("role", "role")),
}


def _table_sql(name: str) -> str:
    cols = ",\n  ".join(
        f'"{sql}" INTEGER NOT NULL DEFAULT 1' if sql == "enabledUser" else f'"{sql}" TEXT'
        for sql, _ in FILES[name])
    return (f'CREATE TABLE IF NOT EXISTS "{name}" (\n  "sourcedId" TEXT PRIMARY KEY,\n'
            f'  "status" TEXT NOT NULL DEFAULT \'active\',\n'
            f'  "dateLastModified" TEXT NOT NULL,\n  {cols},\n'
            f'  "origin" TEXT NOT NULL DEFAULT \'delta\',\n  "data" TEXT NOT NULL\n);')


#: The drill app's SQLite schema (accounts; the launch log comes from mocks.lti_tool).
SCHEMA_SQL = "\n".join(_table_sql(n) for n in FILES) + """
CREATE INDEX IF NOT EXISTS users_umi ON users ("userMasterIdentifier");
CREATE INDEX IF NOT EXISTS enrollments_user ON enrollments ("userSourcedId");
CREATE INDEX IF NOT EXISTS roles_user ON roles ("userSourcedId");
"""


def columns(name: str) -> list[str]:
    """Every SQL column of table ``name`` in insert order."""
    return (["sourcedId", "status", "dateLastModified"] + [sql for sql, _ in FILES[name]]
            + ["origin", "data"])


_CSV_COLUMNS = {name: tuple(csv_col for _, csv_col in cols) for name, cols in FILES.items()}


def row_values(name: str, row: Mapping[str, Any], *, origin: str = "delta") -> tuple[Any, ...]:
    """The SQL values of one CSV row (strings, as read from the bundle) for table ``name``.

    ``data`` keeps the non-blank fields in the row's own (header) order: a replayed row gives
    the same text, so "unchanged" is one string comparison in SQL. Runs once per row of a
    Tsukuba-scale delta (~92k rows), hence no per-column branching beyond enabledUser.
    """
    get = row.get
    lifted = [get(col) or "" for col in _CSV_COLUMNS[name]]
    if name == "users":
        # OneRoster booleans are lower-case text; anything but "false" keeps the account on
        lifted[0] = 0 if str(lifted[0]).lower() == "false" else 1
    data = json.dumps({k: v for k, v in row.items() if v != "" and v is not None},
                      ensure_ascii=False)
    return (get("sourcedId", ""), get("status") or "active", get("dateLastModified", ""),
            *lifted, origin, data)


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _user_ids(value: str | None) -> list[dict[str, str]]:
    """``{Office365:taro@example.jp},{Koumu:1}`` → [{"type", "identifier"}] (CSV binding §2)."""
    out = []
    for part in (value or "").split(","):
        part = part.strip().removeprefix("{").removesuffix("}")
        if ":" in part:
            kind, ident = part.split(":", 1)
            out.append({"type": kind, "identifier": ident})
    return out


_COLLECTIONS = {"org": "orgs", "class": "classes", "user": "users"}


def _ref(kind: str, sourced_id: str | None, base: str = "") -> dict[str, str] | None:
    """A OneRoster 1.2 REST GUIDRef (href, sourcedId, type)."""
    if not sourced_id:
        return None
    return {"href": f"{base}/ims/oneroster/rostering/v1p2/{_COLLECTIONS[kind]}/{sourced_id}",
            "sourcedId": sourced_id, "type": kind}


#: CSV column → OneRoster 1.2 REST field, for the optional user fields
_REST_NAMES = (("middleName", "middleName"), ("identifier", "identifier"), ("email", "email"),
               ("preferredGivenName", "preferredFirstName"),
               ("preferredMiddleName", "preferredMiddleName"),
               ("preferredFamilyName", "preferredLastName"), ("pronouns", "pronouns"))


def user_json(row: sqlite3.Row, roles: list[dict[str, Any]], base: str = "") -> dict[str, Any]:
    """One stored user as a OneRoster 1.2 REST user object (the read API's shape, as lgate's).

    :param base: the app's base URL, for the ``href`` of references.
    """
    data = json.loads(row["data"])
    out: dict[str, Any] = {
        "sourcedId": row["sourcedId"], "status": row["status"],
        "dateLastModified": row["dateLastModified"],
        "userMasterIdentifier": row["userMasterIdentifier"] or None,
        "username": row["username"], "userIds": _user_ids(data.get("userIds")),
        "enabledUser": bool(row["enabledUser"]),
        "givenName": row["givenName"] or "", "familyName": row["familyName"] or "",
        "roles": [{**r, "org": _ref("org", r["org"], base)} if r.get("org") else
                  {k: v for k, v in r.items() if k != "org"} for r in roles],
        "grades": _split(row["grades"]),
    }
    metadata = {k.removeprefix("metadata."): v for k, v in data.items()
                if k.startswith("metadata.") and v}
    if metadata:
        out["metadata"] = metadata
    for csv_name, rest_name in _REST_NAMES:
        if data.get(csv_name):
            out[rest_name] = data[csv_name]
    if row["primaryOrgSourcedId"]:
        out["primaryOrg"] = _ref("org", row["primaryOrgSourcedId"], base)
    return out


def roles_by_user(db: sqlite3.Connection, user_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """OneRoster role objects per user: from roles.csv rows, else from the user's enrollments.

    A delta need not carry roles.csv (the pilot's drill app got users and enrollments), so the
    enrollment role at its school stands in as the primary role.
    """
    out: dict[str, list[dict[str, Any]]] = {u: [] for u in user_ids}
    if not user_ids:
        return out
    marks = ",".join("?" * len(user_ids))
    for r in db.execute(f'SELECT "userSourcedId", "roleType", "role", "orgSourcedId" FROM roles '
                        f'WHERE "userSourcedId" IN ({marks}) ORDER BY "sourcedId"', user_ids):
        out[r[0]].append({"roleType": r[1] or "primary", "role": r[2], "org": r[3]})
    missing = [u for u, roles in out.items() if not roles]
    if missing:
        marks = ",".join("?" * len(missing))
        for r in db.execute(f'SELECT DISTINCT "userSourcedId", "role", "schoolSourcedId" '
                            f'FROM enrollments WHERE "userSourcedId" IN ({marks}) '
                            f'ORDER BY "schoolSourcedId"', missing):
            out[r[0]].append({"roleType": "primary", "role": r[1], "org": r[2]})
    return out


def user_summary(db: sqlite3.Connection, *, after: str | None = None,
                 limit: int = -1) -> list[dict[str, Any]]:
    """Users for /_admin/state: the contract's fields plus school code and class title;
    ``after`` and ``limit``: a page of them, those whose sourcedId sorts after ``after``."""
    # "? IS NULL OR sourcedId > ?" would scan the index from its start on every page (a
    # quadratic walk): the condition is there only when there is an ``after``
    where, params = "", (limit,)
    if after is not None:
        where, params = 'WHERE u."sourcedId" > ?', (after, limit)
    rows = db.execute(f"""
        SELECT u."sourcedId", u."userMasterIdentifier", u."username", u."status",
               u."enabledUser", u."dateLastModified", u."grades", u."origin",
               u."primaryOrgSourcedId" AS org_id,
               o."identifier" AS school_code, o."name" AS school_name,
               c."sourcedId" AS class_id, c."title" AS class_title
        FROM users u
        LEFT JOIN orgs o ON o."sourcedId" = u."primaryOrgSourcedId"
        LEFT JOIN classes c ON c."sourcedId" = COALESCE(NULLIF(u."homeClass", ''), (
            SELECT e."classSourcedId" FROM enrollments e
            WHERE e."userSourcedId" = u."sourcedId" ORDER BY e."sourcedId" LIMIT 1))
        {where}
        ORDER BY u."sourcedId" LIMIT ?
    """, params).fetchall()
    return [{
        "sourcedId": r["sourcedId"], "userMasterIdentifier": r["userMasterIdentifier"] or None,
        "username": r["username"], "status": r["status"], "enabledUser": bool(r["enabledUser"]),
        "dateLastModified": r["dateLastModified"], "grades": _split(r["grades"]),
        "origin": r["origin"],
        "school": {"sourcedId": r["org_id"], "school_code": r["school_code"],
                   "name": r["school_name"]} if r["school_code"] else None,
        "class": {"sourcedId": r["class_id"], "title": r["class_title"]}
        if r["class_id"] else None,
    } for r in rows]


def counts(db: sqlite3.Connection) -> dict[str, int]:
    """Rows per table (a quick way to see that a rejected import changed nothing)."""
    return {name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in FILES}
