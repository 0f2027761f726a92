"""m365's state: users (passwords hashed with scrypt, never returned), issued tokens, the
tenant's subscribed SKUs and the licences assigned to users.

A user's core properties are columns; the rest of Graph's user properties (employeeId, mail,
address fields…) are kept in one JSON column ``props`` (``json_extract`` serves ``$filter``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from typing import Any

from flask import current_app

from mocks.base import get_db
from mocks.base.middleware import utc_stamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    userPrincipalName TEXT NOT NULL UNIQUE COLLATE NOCASE,
    displayName TEXT NOT NULL,
    mailNickname TEXT NOT NULL,
    accountEnabled INTEGER NOT NULL,
    givenName TEXT, surname TEXT, department TEXT, jobTitle TEXT, usageLocation TEXT,
    createdDateTime TEXT NOT NULL,
    password_hash TEXT,
    forceChangePasswordNextSignIn INTEGER NOT NULL DEFAULT 1,
    props TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS skus (
    skuId TEXT PRIMARY KEY,
    skuPartNumber TEXT NOT NULL UNIQUE,
    enabled INTEGER NOT NULL,
    consumed INTEGER NOT NULL DEFAULT 0  -- consumedUnits, kept by the triggers below
);
CREATE TABLE IF NOT EXISTS licenses (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    skuId TEXT NOT NULL REFERENCES skus(skuId),
    PRIMARY KEY (user_id, skuId)
);
-- A seat count kept in step with every assignment (a user's cascade delete included):
-- counting the licences of a SKU on each assignment was quadratic in the pupils.
CREATE TRIGGER IF NOT EXISTS licenses_taken AFTER INSERT ON licenses BEGIN
    UPDATE skus SET consumed = consumed + 1 WHERE skuId = NEW.skuId;
END;
CREATE TRIGGER IF NOT EXISTS licenses_freed AFTER DELETE ON licenses BEGIN
    UPDATE skus SET consumed = consumed - 1 WHERE skuId = OLD.skuId;
END;
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""

#: the user properties kept as columns, in Graph's spelling (passwordProfile is write-only)
PROPERTIES = ("id", "userPrincipalName", "displayName", "mailNickname", "accountEnabled",
              "givenName", "surname", "department", "jobTitle", "usageLocation",
              "createdDateTime")
#: Graph's other writable user properties the mock keeps (in ``props``), with their maximum
#: length (None: a list of strings)
EXTRA_STRINGS: dict[str, int] = {
    "employeeId": 16, "employeeType": 64, "officeLocation": 128, "preferredLanguage": 10,
    "mail": 256, "mobilePhone": 64, "faxNumber": 64, "companyName": 64,
    "passwordPolicies": 256, "ageGroup": 16, "consentProvidedForMinor": 16,
    "streetAddress": 1024, "city": 128, "state": 128, "postalCode": 40, "country": 128,
}
EXTRA_LISTS = ("otherMails", "businessPhones")
EXTRAS = (*EXTRA_STRINGS, *EXTRA_LISTS)
#: what Graph v1.0 returns for a user without $select (accountEnabled, department… are not
#: in it: a client that needs them must $select them, as against the real service)
DEFAULT_SELECT = ("businessPhones", "displayName", "givenName", "jobTitle", "mail",
                  "mobilePhone", "officeLocation", "preferredLanguage", "surname",
                  "userPrincipalName", "id")
#: read-only, computed: the licences assigned ([{"skuId", "disabledPlans"}])
COMPUTED = ("assignedLicenses",)
SELECTABLE = frozenset(PROPERTIES) | frozenset(DEFAULT_SELECT) | frozenset(EXTRAS) | frozenset(
    COMPUTED)


def hash_password(password: str) -> str:
    """scrypt with a random salt; the cost ``PASSWORD_SCRYPT_N`` is config (see defaults)."""
    n = int(current_app.config["PASSWORD_SCRYPT_N"])
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    return f"scrypt${n}${salt.hex()}${digest.hex()}"


def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one hashed in ``stored``."""
    if not stored:
        return False
    _, n, salt, digest = stored.split("$")
    got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=8, p=1,
                         dklen=32)
    return hmac.compare_digest(got.hex(), digest)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def to_graph(row: sqlite3.Row) -> dict[str, Any]:
    """A stored row as a full Graph user (every property, defaults included)."""
    user: dict[str, Any] = {name: row[name] for name in PROPERTIES}
    user["accountEnabled"] = bool(row["accountEnabled"])
    props = json.loads(row["props"] or "{}")
    for name in EXTRA_STRINGS:
        user[name] = props.get(name)
    for name in EXTRA_LISTS:
        user[name] = list(props.get(name) or [])
    user["assignedLicenses"] = [
        {"disabledPlans": [], "skuId": r["skuId"]} for r in get_db().execute(
            "SELECT skuId FROM licenses WHERE user_id = ? ORDER BY skuId", (row["id"],))]
    return user


def find_user(key: str) -> sqlite3.Row | None:
    """A user by object id or userPrincipalName (case-insensitive, as Graph matches UPNs)."""
    return get_db().execute(
        "SELECT * FROM users WHERE id = ? OR userPrincipalName = ?", (key, key)).fetchone()


def upn_taken(upn: str, except_id: str | None = None) -> bool:
    row = get_db().execute("SELECT id FROM users WHERE userPrincipalName = ?",
                           (upn,)).fetchone()
    return row is not None and row["id"] != except_id


class _ObjectIds:
    """New object ids in creation order: RFC 9562 version 7 GUIDs (unix time in ms, then a
    12-bit sequence within the millisecond, then 62 random bits).

    Graph's ids are opaque GUIDs; a random (version 4) one put every insert into the ``id``
    index and the licences' key at a random leaf, a cache miss per write once a city's index
    outgrows the caches. These land next to the previous one. Unique as version 4 ids are
    (62 random bits per millisecond and sequence), also across processes and imported state.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ms = 0
        self._seq = 0

    def new(self) -> str:
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms > self._ms:
                self._ms, self._seq = ms, 0
            else:  # same millisecond (or the clock stepped back): the next in sequence
                self._seq += 1
                if self._seq > 0xFFF:
                    self._ms, self._seq = self._ms + 1, 0
            ms, seq = self._ms, self._seq
        rand = int.from_bytes(secrets.token_bytes(8)) & ((1 << 62) - 1)
        h = f"{(ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | seq << 64 | 0b10 << 62 | rand:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


new_object_id = _ObjectIds().new


def insert_user(conn: sqlite3.Connection, fields: dict[str, Any], password_hash: str) -> str:
    """Store a new user (fields already validated, password already hashed); its object id."""
    user_id = new_object_id()
    conn.execute(
        "INSERT INTO users (id, userPrincipalName, displayName, mailNickname, accountEnabled,"
        " givenName, surname, department, jobTitle, usageLocation, createdDateTime,"
        " password_hash, forceChangePasswordNextSignIn, props)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (user_id, fields["userPrincipalName"], fields["displayName"], fields["mailNickname"],
         int(fields["accountEnabled"]), fields.get("givenName"), fields.get("surname"),
         fields.get("department"), fields.get("jobTitle"), fields.get("usageLocation"),
         utc_stamp(), password_hash,
         int(fields.get("forceChangePasswordNextSignIn", True)),
         json.dumps({k: fields[k] for k in EXTRAS if fields.get(k) is not None},
                    ensure_ascii=False)))
    note_change(conn, user_id)
    return user_id


def note_change(conn: sqlite3.Connection, user_id: str, *, removed: bool = False) -> None:
    """Record that a user changed (or went), for ``/users/delta``."""
    conn.execute("INSERT INTO changes (user_id, removed) VALUES (?, ?)",
                 (user_id, int(removed)))


def dump_state() -> dict[str, Any]:
    """``GET /_admin/state``: every user (never a password: ``password_set`` instead)."""
    rows = get_db().execute("SELECT * FROM users ORDER BY seq").fetchall()
    users = []
    for row in rows:
        user = to_graph(row)
        user["password_set"] = row["password_hash"] is not None
        user["forceChangePasswordNextSignIn"] = bool(row["forceChangePasswordNextSignIn"])
        users.append(user)
    tokens = get_db().execute("SELECT COUNT(*) FROM tokens").fetchone()[0]
    skus = [dict(r) for r in get_db().execute(
        "SELECT skuPartNumber, skuId, enabled, consumed FROM skus ORDER BY skuPartNumber")]
    return {"users": users, "tokens_issued": tokens, "skus": skus,
            "clients": sorted(current_app.config["CLIENTS"])}
