"""m365's state: users (passwords hashed with scrypt, never returned) and issued tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
import uuid
from typing import Any

from flask import current_app

from mocks.base import get_db

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
    forceChangePasswordNextSignIn INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""

#: every property the mock stores, in Graph's spelling (passwordProfile is write-only)
PROPERTIES = ("id", "userPrincipalName", "displayName", "mailNickname", "accountEnabled",
              "givenName", "surname", "department", "jobTitle", "usageLocation",
              "createdDateTime")
#: what Graph v1.0 returns for a user without $select (accountEnabled, department… are not
#: in it: a client that needs them must $select them, as against the real service)
DEFAULT_SELECT = ("businessPhones", "displayName", "givenName", "jobTitle", "mail",
                  "mobilePhone", "officeLocation", "preferredLanguage", "surname",
                  "userPrincipalName", "id")
SELECTABLE = frozenset(PROPERTIES) | frozenset(DEFAULT_SELECT)


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


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_graph(row: sqlite3.Row) -> dict[str, Any]:
    """A stored row as a full Graph user (every property, defaults included)."""
    user: dict[str, Any] = {name: row[name] for name in PROPERTIES}
    user["accountEnabled"] = bool(row["accountEnabled"])
    user.update(businessPhones=[], mail=None, mobilePhone=None, officeLocation=None,
                preferredLanguage=None)
    return user


def find_user(key: str) -> sqlite3.Row | None:
    """A user by object id or userPrincipalName (case-insensitive, as Graph matches UPNs)."""
    return get_db().execute(
        "SELECT * FROM users WHERE id = ? OR userPrincipalName = ?", (key, key)).fetchone()


def upn_taken(upn: str, except_id: str | None = None) -> bool:
    row = get_db().execute("SELECT id FROM users WHERE userPrincipalName = ?",
                           (upn,)).fetchone()
    return row is not None and row["id"] != except_id


def insert_user(conn: sqlite3.Connection, fields: dict[str, Any], password_hash: str) -> str:
    """Store a new user (fields already validated, password already hashed); its object id."""
    user_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO users (id, userPrincipalName, displayName, mailNickname, accountEnabled,"
        " givenName, surname, department, jobTitle, usageLocation, createdDateTime,"
        " password_hash, forceChangePasswordNextSignIn)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (user_id, fields["userPrincipalName"], fields["displayName"], fields["mailNickname"],
         int(fields["accountEnabled"]), fields.get("givenName"), fields.get("surname"),
         fields.get("department"), fields.get("jobTitle"), fields.get("usageLocation"),
         now_iso(), password_hash,
         int(fields.get("forceChangePasswordNextSignIn", True))))
    return user_id


def dump_state() -> dict[str, Any]:
    """``GET /_admin/state``: every user (never a password: ``password_set`` instead)."""
    rows = get_db().execute("SELECT * FROM users ORDER BY seq").fetchall()
    users = []
    for row in rows:
        user = {name: row[name] for name in PROPERTIES}
        user["accountEnabled"] = bool(row["accountEnabled"])
        user["password_set"] = row["password_hash"] is not None
        user["forceChangePasswordNextSignIn"] = bool(row["forceChangePasswordNextSignIn"])
        users.append(user)
    tokens = get_db().execute("SELECT COUNT(*) FROM tokens").fetchone()[0]
    return {"users": users, "tokens_issued": tokens,
            "clients": sorted(current_app.config["CLIENTS"])}
