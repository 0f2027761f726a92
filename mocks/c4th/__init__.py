"""校務支援システム EDUCOM マネージャー C4th: the school-affairs system, master of pupil data.

Holds a synthetic city from ``fixtures`` (seeded through ``/_admin/seed``, kept in SQLite),
applies life events (``/_admin/events``), exports OneRoster bulk zips with the pilot's C4th
quirks (``GET /oneroster/export``, optionally into ``DROP_DIR``) and hands out the board's
ID・初期パスワード file (``/_admin/password-file``). Fault kind ``truncate`` exports only a
share of the pupils.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from mocks.base import MockSpec, create_mock_app
from mocks.c4th import admin, export
from mocks.c4th.openapi import describe
from mocks.c4th.store import SCHEMA, dump_state, reset

DEFAULTS: dict[str, Any] = {
    "API_TOKEN": None,        # bearer token for /oneroster/export; None: open
    "DROP_DIR": None,         # folder each export is also written to
    "EXPORT_TEACHERS": False,  # teachers are outside the pilot's automated flow
}

SPEC = MockSpec(
    name="c4th", title_ja="校務支援システム EDUCOM マネージャー C4th",
    title_en="EDUCOM Manager C4th — school-affairs system (OneRoster export)",
    import_name=__name__, schema_sql=SCHEMA, defaults=DEFAULTS,
    blueprints=(export.bp, admin.bp), state=dump_state, seed=admin.seed, reset=reset,
    openapi=describe, fault_kinds=("truncate",),
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The c4th mock app (see :data:`DEFAULTS` for its own settings)."""
    return create_mock_app(SPEC, config)
