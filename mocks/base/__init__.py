"""The base every mock stands on: app factory, SQLite state, admin API, pages and faults.

A mock declares itself with a :class:`MockSpec` and builds its app with
:func:`create_mock_app`::

    SPEC = MockSpec(name="m365", title_ja="…", title_en="…", import_name=__name__,
                    schema_sql=SCHEMA, blueprints=[graph.bp, admin.bp],
                    state=admin.dump_state, openapi=describe, init_app=auth.init_app)

    def create_app(config=None):
        return create_mock_app(SPEC, config)

Views use :func:`get_db` / :func:`db_transaction` for state, :func:`http_session` for outbound
calls and :func:`take_fault` for the fault kinds the mock applies itself. A hot view can be
served below Flask's request machinery (:mod:`mocks.base.lean`: :func:`lean_routes`).
A mock's OpenAPI document builds on :mod:`mocks.base.openapi` (the document, the shared error
schemas).
May import ``harness`` only (and ``mocks`` for the registry's peers).
"""

from mocks.base.admin import admin_error, json_body
from mocks.base.app import (
    BASE_DEFAULTS,
    MockFlask,
    MockState,
    create_mock_app,
    http_session,
    take_fault,
)
from mocks.base.db import MEMORY, close_app_db, database, db_transaction, get_db
from mocks.base.faults import BUILTIN_KINDS, Fault, FaultError, FaultStore
from mocks.base.jsontext import json_text
from mocks.base.lean import Call, flask_call, lean_routes
from mocks.base.middleware import RequestLog
from mocks.base.spec import JsonDict, MockSpec, Mount

__all__ = [
    "BASE_DEFAULTS", "BUILTIN_KINDS", "MEMORY", "Call", "Fault", "FaultError", "FaultStore",
    "JsonDict", "MockFlask", "MockSpec", "MockState", "Mount", "RequestLog", "admin_error",
    "close_app_db", "create_mock_app", "database", "db_transaction", "flask_call", "get_db",
    "http_session", "json_body", "json_text", "lean_routes", "take_fault",
]
