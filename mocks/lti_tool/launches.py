"""The launch log every tool mock keeps: one row per login or launch, with its verdict.

The harness reads it from ``/_admin/state`` to check that a launch reached the tool as the
right person, class and role, and why a refused one was refused. It never holds a token.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from harness.lti import constants as c
from mocks.base.jsontext import json_text
from mocks.base.middleware import utc_stamp

LAUNCHES_SQL = """
CREATE TABLE IF NOT EXISTS launches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  step TEXT NOT NULL,
  outcome TEXT NOT NULL,
  status INTEGER NOT NULL,
  verified INTEGER NOT NULL,
  rules TEXT NOT NULL,
  warnings TEXT NOT NULL,
  reason TEXT,
  sub TEXT,
  claimed_sub TEXT,
  client_id TEXT,
  deployment_id TEXT,
  message_type TEXT,
  context_id TEXT,
  context_title TEXT,
  class_name TEXT,
  grade TEXT,
  school_code TEXT,
  roles TEXT NOT NULL,
  account TEXT,
  licence TEXT
);
"""

#: outcomes: the tool let the user in; the launch was sound but the tool's own rules said no
#: (unknown user, wrong grade); the launch itself failed (verification, REJECT_LAUNCHES).
OUTCOME_ACCEPTED, OUTCOME_REFUSED, OUTCOME_REJECTED = "accepted", "refused", "rejected"


@dataclass
class LaunchRecord:
    """One entry of the launch log.

    :param verified: the id_token passed every check of harness.lti (signature, claims, nonce).
    :param rules: ids of the failed (ERROR) checks; ``warnings`` the WARN ones.
    :param sub: the verified subject; ``claimed_sub`` what an unverified token claimed (never
        trust it, it only helps to tell which launch this was).
    """

    step: str
    outcome: str
    status: int
    verified: bool
    rules: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None
    sub: str | None = None
    claimed_sub: str | None = None
    client_id: str | None = None
    deployment_id: str | None = None
    message_type: str | None = None
    context_id: str | None = None
    context_title: str | None = None
    class_name: str | None = None
    grade: str | None = None
    school_code: str | None = None
    roles: list[str] = field(default_factory=list)
    account: dict[str, Any] | None = None
    licence: dict[str, Any] | None = None
    at: str = field(default_factory=utc_stamp)  # UTC to the second (formatted once a second)
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Every field; lists and mappings copied one level (they hold only plain values).

        Not ``dataclasses.asdict``: its deep copy was a tenth of a tool's launch view."""
        out = {}
        for name in _FIELDS:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, list) else (
                dict(value) if isinstance(value, dict) else value)
        return out


_FIELDS = tuple(f.name for f in fields(LaunchRecord))
#: the fields of a launch log entry (its columns), as :func:`launch_page` names them
LOG_FIELDS = _FIELDS


def custom_claims(claims: Mapping[str, Any]) -> Mapping[str, Any]:
    custom = claims.get(c.CUSTOM)
    return custom if isinstance(custom, Mapping) else {}


def fill_from_claims(record: LaunchRecord, claims: Mapping[str, Any]) -> LaunchRecord:
    """Copy who, where and in which role from verified ``claims`` onto ``record``.

    ``class_name`` is read as the contract spells it and as harness.lti's jp-eportal check
    does (``classname``), whichever the platform sent.
    """
    context = claims.get(c.CONTEXT) if isinstance(claims.get(c.CONTEXT), Mapping) else {}
    custom = custom_claims(claims)
    roles = claims.get(c.ROLES)
    aud = claims.get("aud")
    record.sub = _text(claims.get("sub"))
    record.client_id = _text(aud[0] if isinstance(aud, list) and aud else aud)
    record.deployment_id = _text(claims.get(c.DEPLOYMENT_ID))
    record.message_type = _text(claims.get(c.MESSAGE_TYPE))
    record.context_id = _text(context.get("id"))
    record.context_title = _text(context.get("title"))
    record.class_name = _text(custom.get("class_name") or custom.get("classname"))
    record.grade = _text(custom.get("grade"))
    record.school_code = _text(custom.get("school_code"))
    record.roles = [str(r) for r in roles] if isinstance(roles, list) else []
    return record


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def record_launch(db: sqlite3.Connection, record: LaunchRecord) -> LaunchRecord:
    """Append ``record`` to the log (its own small transaction) and set its id."""
    row = []
    for name in _COLUMNS:
        value = getattr(record, name)
        if name in _JSON_COLUMNS:  # an empty list, the usual value, without json.dumps
            value = "[]" if value == [] and type(value) is list else \
                json_text(value)
        elif name == "verified":
            value = int(value)
        row.append(value)
    record.id = db.execute(_INSERT, row).lastrowid
    return record


_COLUMNS = tuple(name for name in _FIELDS if name != "id")
_JSON_COLUMNS = frozenset(("rules", "warnings", "roles", "account", "licence"))
_INSERT = (f"INSERT INTO launches ({', '.join(_COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in _COLUMNS)})")


def list_launches(db: sqlite3.Connection, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The log, oldest first (the newest ``limit`` entries when given)."""
    sql = "SELECT * FROM launches ORDER BY id"
    rows: Sequence[sqlite3.Row] = db.execute(sql).fetchall()
    if limit is not None:
        rows = rows[-limit:] if limit else []
    return [_entry(row) for row in rows]


def launch_page(db: sqlite3.Connection, *, after: int = 0, size: int = 1000,
                only: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Up to ``size`` entries of the log with an id above ``after``, oldest first: the log
    read a page at a time (a large city's launch log is too big to read as one).

    :param only: these fields of each entry (names of :data:`LOG_FIELDS`; ``id`` always):
        a reader that checks a few of them (the rehearsal's, tens of thousands of entries
        per tool) is not sent the rest.
    :raises ValueError: a name that is not one of :data:`LOG_FIELDS`.
    """
    columns = "*"
    if only is not None:
        unknown = sorted(set(only) - set(LOG_FIELDS))
        if unknown:
            raise ValueError(f"the launch log has no field {unknown[0]!r}; fields: "
                             + ", ".join(LOG_FIELDS))
        columns = ", ".join(dict.fromkeys(("id", *only)))
    rows = db.execute(f"SELECT {columns} FROM launches WHERE id > ? ORDER BY id LIMIT ?",
                      (after, size))
    return [_entry(row) for row in rows]


def _entry(row: sqlite3.Row) -> dict[str, Any]:
    entry = dict(row)
    for key in _JSON_COLUMNS:
        value = entry.get(key)
        if value is not None:  # "[]", the usual value, without json.loads
            entry[key] = [] if value == "[]" else json.loads(value)
    if "verified" in entry:
        entry["verified"] = bool(entry["verified"])
    return entry
