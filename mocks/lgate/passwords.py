"""Initial-password intake (初期パスワード取込): the board's ID・初期パスワード file into the store.

C4th does not hold initial passwords, so the board hands the e-portal a separate file (pilot
§3.3.4; format in ``harness.accounts.passwords`` and docs/password-file.md). Passwords are kept
only as salted PBKDF2-SHA256 hashes, one random salt per entry, and never leave the store: not
in a response, a log line, ``/_admin/state`` or an exception.

The cost is configurable (``PASSWORD_HASH_ITERATIONS``) and stored with each hash, because a mock
must take a Tsukuba-scale file (~23k rows) in seconds; a production store would use far more
iterations. Entries are hashed on a small thread pool (hashlib releases the GIL while hashing).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from harness.accounts.passwords import PasswordEntry, read_password_file
from harness.core.gcpause import no_cyclic_gc

DEFAULT_ITERATIONS = 1000
_ALGO = "pbkdf2_sha256"


def hash_password(password: str, iterations: int = DEFAULT_ITERATIONS) -> tuple[str, bytes, bytes]:
    """(algorithm tag, salt, hash) for ``password``; the tag records the iteration count."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{_ALGO}${iterations}", salt, digest


def check_password(password: str, algorithm: str, salt: bytes, digest: bytes) -> bool:
    """Whether ``password`` matches a stored (algorithm, salt, hash)."""
    name, _, rounds = algorithm.partition("$")
    if name != _ALGO or not rounds.isdigit():
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, int(rounds))
    return hmac.compare_digest(candidate, digest)


@dataclass
class Prepared:
    """A checked, hashed password file, ready to store (holds hashes, never passwords)."""

    rows: list[tuple[str, str, str, bytes, bytes]] = field(repr=False)
    pending: int
    rejected: list[dict[str, Any]]


# a city's rows at once: the cyclic collector's passes would rescan them as they grow
@no_cyclic_gc()
def prepare(conn: sqlite3.Connection, data: bytes, *,
            iterations: int = DEFAULT_ITERATIONS) -> Prepared:
    """Read the file, check each row against the store and hash the good ones (no writes, so
    the slow hashing happens outside the write transaction).

    A row is rejected (with its line) when the file's reader rejects it, or when the account
    holding its userMasterIdentifier has another account id (username) than the row's
    userPrincipalName: a password must never be set on the wrong account. Rows for accounts the
    store does not hold yet are accepted and counted as ``pending`` (the file may arrive before
    the bulk, pilot §4.2.1).

    :raises harness.accounts.PasswordFileError: the file cannot be read at all.
    """
    parsed = read_password_file(data)
    rejected = [{"line": p.line, "column": p.column, "message_en": p.message_en,
                 "message_ja": p.message_ja} for p in parsed.left_out()]
    usernames: dict[str, set[str]] = {}
    # the rows in key order (sorted once): SQLite's list for IN and the probes of users_umi
    # then go page after page, and save() stores them so (in the file's order each landed on
    # a random page; prepare took 15x the time for 10x the rows at prefecture scale)
    entries = sorted(parsed.entries.items())
    for umi, username in conn.execute(
            "SELECT user_master_identifier, username FROM users WHERE user_master_identifier "
            "IN (SELECT value FROM json_each(?))",
            (_json_list([umi for umi, _ in entries]),)):
        usernames.setdefault(umi, set()).add(username.lower())
    good: list[PasswordEntry] = []
    pending = 0
    for umi, entry in entries:
        known = usernames.get(umi)
        if known is None:
            pending += 1
        elif entry.user_principal_name.lower() not in known:
            rejected.append({
                "line": entry.line, "column": "userPrincipalName",
                "message_en": "the account with this userMasterIdentifier has another "
                              "account id (username); the password was not set",
                "message_ja": "この userMasterIdentifier のアカウントはアカウントID（username）が"
                              "異なるため、パスワードを設定しませんでした"})
            continue
        good.append(entry)
    rejected.sort(key=lambda r: r["line"])
    workers = max(1, min(4, os.cpu_count() or 1))
    # a few runs of entries per worker, not a task per entry: a city's 230k futures (each
    # with its own lock and condition) cost more than cheap hashes themselves
    size = max(1, -(-len(good) // (workers * 16)))
    runs = [good[i:i + size] for i in range(0, len(good), size)]
    with ThreadPoolExecutor(workers) as pool:
        hashed = [h for run in pool.map(
            lambda run: [hash_password(e.initial_password, iterations) for e in run], runs)
            for h in run]
    rows = [(e.user_master_identifier, e.user_principal_name, algo, salt, digest)
            for e, (algo, salt, digest) in zip(good, hashed, strict=True)]
    return Prepared(rows, pending, rejected)


def save(conn: sqlite3.Connection, prepared: Prepared, *, now: str) -> dict[str, Any]:
    """Write a prepared file inside the caller's transaction; return the counts.

    :func:`prepare` gives the rows in key order: each insert lands next to the one before
    (in the file's order, on a random page of the key).

    :return: ``{"accepted", "replaced", "pending", "rejected": [{"line", "column",
        "message_en", "message_ja"}]}``; ``accepted`` counts every stored row, ``replaced``
        those of them that replaced an earlier password.
    """
    before = conn.execute("SELECT count(*) FROM initial_passwords WHERE user_master_identifier "
                          "IN (SELECT value FROM json_each(?))",
                          (_json_list([r[0] for r in prepared.rows]),)).fetchone()[0]
    conn.executemany(
        "INSERT INTO initial_passwords (user_master_identifier, user_principal_name, algorithm, "
        "salt, hash, set_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_master_identifier) "
        "DO UPDATE SET user_principal_name = excluded.user_principal_name, "
        "algorithm = excluded.algorithm, salt = excluded.salt, hash = excluded.hash, "
        "set_at = excluded.set_at", ((*r, now) for r in prepared.rows))
    return {"accepted": len(prepared.rows), "replaced": before, "pending": prepared.pending,
            "rejected": prepared.rejected}


def intake(conn: sqlite3.Connection, data: bytes, *, now: str,
           iterations: int = DEFAULT_ITERATIONS) -> dict[str, Any]:
    """:func:`prepare` and :func:`save` in one call (inside the caller's transaction)."""
    return save(conn, prepare(conn, data, iterations=iterations), now=now)


def verify_initial_password(conn: sqlite3.Connection, user_master_identifier: str,
                            password: str) -> bool:
    """Whether ``password`` is the stored initial password of the account."""
    row = conn.execute("SELECT algorithm, salt, hash FROM initial_passwords "
                       "WHERE user_master_identifier = ?", (user_master_identifier,)).fetchone()
    return row is not None and check_password(password, row[0], bytes(row[1]), bytes(row[2]))


def _json_list(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False)
