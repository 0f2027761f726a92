"""インタラクティブスタディ (Interactive Study): the drill app, an LTI 1.3 tool fed by OneRoster
delta.

As in the Tsukuba pilot, accounts must exist before a launch succeeds: they arrive by
``POST /oneroster/delta`` (or are already there, ``POST /_admin/seed``, for the 初回連携 initial
link), and a launch whose ``sub`` is not a provisioned, enabled user (matched on
userMasterIdentifier) is refused with a page saying why (403) and recorded::

    app = create_app({"DATABASE": ":memory:"})
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from mocks.base import create_mock_app
from mocks.interactive_study import admin, api
from mocks.interactive_study.delta import DEFAULT_WAIVED
from mocks.interactive_study.launch import decide
from mocks.interactive_study.openapi import describe
from mocks.interactive_study.store import SCHEMA_SQL
from mocks.lti_tool import TOOL_DEFAULTS, ToolInfo, tool_spec

NAME = "interactive_study"
CLIENT_ID = "interactive-study"
TITLE_JA = "インタラクティブスタディ"
TITLE_EN = "Interactive Study (drill app)"

DEFAULTS: dict[str, Any] = {
    **TOOL_DEFAULTS,
    "DELTA_PROFILE": "jp-eportal-v4",
    "DELTA_WAIVED_RULES": list(DEFAULT_WAIVED),
    "API_TOKEN": None,  # bearer token for the read API; None leaves it open
}


TOOL = ToolInfo(name=NAME, client_id=CLIENT_ID, title_ja=TITLE_JA, title_en=TITLE_EN,
                item_title="インタラクティブスタディ ドリル", decide=decide)
SPEC = tool_spec(TOOL, __name__, state=admin.state, seed=admin.seed, openapi=describe,
                 schema_sql=SCHEMA_SQL, defaults=DEFAULTS, blueprints=[api.bp, admin.bp])


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The drill app mock; ``config`` overrides :data:`DEFAULTS` and the base's defaults."""
    return create_mock_app(SPEC, config)
