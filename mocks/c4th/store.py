"""c4th's state: the city (its JSON in SQLite, parsed once and cached), exports, password files.

The city is one JSON blob (``City.to_json``), so it survives a restart with a file database.
Parsing a Tsukuba-scale city takes a while, so the parsed :class:`City` is cached per app and
re-read only when the stored version moves on. Every change runs under the app's city lock:
load, mutate, save, bump the version, as one unit.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from werkzeug.exceptions import Conflict

from fixtures import City
from mocks.base import db_transaction, get_db

SCHEMA = """
CREATE TABLE IF NOT EXISTS city (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    export_serial INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS exports (
    serial INTEGER PRIMARY KEY,
    filename TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    users INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    truncated INTEGER NOT NULL DEFAULT 0,
    drop_path TEXT
);
CREATE TABLE IF NOT EXISTS password_issued (
    umi TEXT PRIMARY KEY,
    file_serial INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS password_files (
    serial INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    entries INTEGER NOT NULL,
    only_new INTEGER NOT NULL
);
"""


@dataclass
class CityCache:
    """The parsed city of one app and the stored version it was parsed from."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    version: int = -1
    city: City | None = None


def _cache() -> CityCache:
    return current_app.extensions.setdefault("c4th_city", CityCache())


def no_city() -> Conflict:
    return Conflict("no city is loaded; POST /_admin/seed with {\"profile\": \"small\", "
                    "\"seed\": 1} first")


def load_city() -> City | None:
    """The stored city (cached), or None before the first seed."""
    conn = get_db()  # before the city lock: the memory database's lock always comes first
    cache = _cache()
    with cache.lock:
        # the version first: the city's JSON (300 MB at prefecture scale) is read only when the
        # cache is stale, not by every request that finds it current
        row = conn.execute("SELECT version, export_serial FROM city WHERE id = 1").fetchone()
        if row is None:
            cache.version, cache.city = -1, None
            return None
        if row["version"] != cache.version or cache.city is None:
            data = conn.execute("SELECT data FROM city WHERE id = 1").fetchone()["data"]
            cache.city = City.from_json(json.loads(data))
            cache.version = row["version"]
        # kept beside the JSON: an export moves only the serial, not worth re-saving the city
        cache.city.export_serial = row["export_serial"]
        return cache.city


def require_city() -> City:
    city = load_city()
    if city is None:
        raise no_city()
    return city


def store_city(city: City) -> None:
    """Save ``city`` as the stored one (a new version) inside the caller's transaction."""
    data = json.dumps(city.to_json(), ensure_ascii=False, separators=(",", ":"))
    conn = get_db()
    row = conn.execute("SELECT version FROM city WHERE id = 1").fetchone()
    version = (row["version"] + 1) if row else 1
    conn.execute("INSERT INTO city (id, version, data, export_serial) VALUES (1, ?, ?, ?) "
                 "ON CONFLICT(id) DO UPDATE SET version = excluded.version, "
                 "data = excluded.data, export_serial = excluded.export_serial, "
                 "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                 (version, data, city.export_serial))
    cache = _cache()
    cache.city, cache.version = city, version


@contextlib.contextmanager
def _city_transaction() -> Iterator[Any]:
    """One transaction under the city lock; if it fails, the cache is dropped so the next
    request re-reads the stored city."""
    get_db()  # before the city lock: the memory database's lock always comes first
    cache = _cache()
    with cache.lock:
        try:
            with db_transaction() as conn:
                yield conn
        except BaseException:
            cache.version, cache.city = -1, None
            raise


@contextlib.contextmanager
def changing_city() -> Iterator[tuple[City, Any]]:
    """Load the city, let the block change it, then save it — all or nothing.

    Yields ``(city, conn)``; a 409 when no city has been seeded yet.
    If the block raises, the cache is dropped so the next request re-reads the stored city.
    """
    with _city_transaction() as conn:
        city = require_city()
        yield city, conn
        store_city(city)


def replace_city(city: City) -> None:
    """Store ``city`` in place of any other, forgetting the old one's exports and files."""
    with _city_transaction() as conn:
        for table in ("exports", "password_issued", "password_files"):
            conn.execute(f"DELETE FROM {table}")
        store_city(city)


@contextlib.contextmanager
def exporting_city() -> Iterator[tuple[City, Any]]:
    """Move the city's export serial on by one and yield ``(city, conn)`` for the export.

    Only the serial is written (the city itself does not change), all in one transaction.
    """
    with _city_transaction() as conn:
        city = require_city()
        city.export_serial += 1
        conn.execute("UPDATE city SET export_serial = ? WHERE id = 1", (city.export_serial,))
        yield city, conn


def city_summary(city: City) -> dict[str, Any]:
    """What ``/_admin/state`` says about the city (the whole city is at ``/_admin/city``)."""
    return {
        "profile": city.profile.name, "seed": city.seed, "as_of": city.as_of.isoformat(),
        "school_year": city.school_year, "board_code": city.profile.board_code,
        "schools": len(city.schools), "classes": len(city.homerooms),
        "students": len(city.students), "teachers": len(city.teachers),
        "departed": len(city.departed), "events": len(city.events),
        "quirks": sorted(city.quirks), "export_serial": city.export_serial,
    }


def dump_state() -> dict[str, Any]:
    city = load_city()
    conn = get_db()
    exports = [dict(r) for r in conn.execute("SELECT * FROM exports ORDER BY serial")]
    for e in exports:
        e["truncated"] = bool(e["truncated"])
    files = [dict(r) | {"only_new": bool(r["only_new"])}
             for r in conn.execute("SELECT * FROM password_files ORDER BY serial")]
    issued = conn.execute("SELECT COUNT(*) FROM password_issued").fetchone()[0]
    return {"city": city_summary(city) if city else None, "exports": exports,
            "password_files": files, "passwords_issued": issued}


def reset() -> None:
    get_db()
    with _cache().lock:
        with db_transaction() as conn:
            for table in ("city", "exports", "password_issued", "password_files"):
                conn.execute(f"DELETE FROM {table}")
        cache = _cache()
        cache.version, cache.city = -1, None
