"""The :class:`~mocks.base.MockSpec` of a tool mock: the shared LTI surface plus its own parts."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from mocks.base import JsonDict, MockSpec, Mount, get_db
from mocks.lti_tool import admin, views
from mocks.lti_tool.launches import LAUNCHES_SQL
from mocks.lti_tool.views import REJECT_FAULT, TOOL_DEFAULTS, ToolInfo


def tool_spec(tool: ToolInfo, import_name: str, *, state: Callable[[sqlite3.Connection], JsonDict],
              seed: Callable[[JsonDict], JsonDict], openapi: Callable[[], JsonDict],
              schema_sql: str = "", defaults: dict[str, Any] | None = None,
              blueprints: Sequence[Mount] = ()) -> MockSpec:
    """A tool mock's spec: the LTI views, the tools' admin, launch log and ``reject_launch``.

    :param state: callable(db) → the mock's own part of ``GET /_admin/state``; the tool's part
        (:func:`mocks.lti_tool.admin.tool_state`) comes first.
    :param schema_sql: the mock's own tables (the launch log's come first).
    :param defaults: the mock's own config defaults (over :data:`TOOL_DEFAULTS`).
    :param blueprints: the mock's own vendor API (before the LTI views).
    """

    def full_state() -> JsonDict:
        db = get_db()
        return {**admin.tool_state(db), **state(db)}

    return MockSpec(
        name=tool.name, title_ja=tool.title_ja, title_en=tool.title_en,
        import_name=import_name, schema_sql=LAUNCHES_SQL + schema_sql,
        defaults={**TOOL_DEFAULTS, **(defaults or {})},
        blueprints=[*blueprints, views.bp, admin.bp], state=full_state, seed=seed,
        openapi=openapi, fault_kinds=(REJECT_FAULT,), init_app=tool.init_app)
