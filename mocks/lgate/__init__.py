"""The lgate mock: 学習eポータル L-Gate (learning e-portal; LTI 1.3 platform).

Its outside surface as the Tsukuba pilot used it: OneRoster bulk import, the board's
ID・初期パスワード intake, the account store (read API and admin state) and LTI 1.3 launches
into the tools with NRPS, AGS and Deep Linking::

    from mocks.lgate import create_app
    app = create_app({"DATABASE": ":memory:"})

Config (beside the base's ``DATABASE``, ``BASE_URL``, ``PEERS``, ``HTTP_SESSION``…):
``API_TOKEN`` (bearer token for the vendor API; None = open), ``TOOLS`` (external LTI tools,
see :func:`mocks.lgate.lti.tool_registrations`), ``ISSUER`` (default: ``BASE_URL``),
``LTI_KEY_DIR`` (default: beside a file database), ``PASSWORD_HASH_ITERATIONS``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from harness.lti.platform_app import lti_bp, services_bp
from mocks.base import MockSpec, create_mock_app
from mocks.lgate import admin, views
from mocks.lgate.openapi import describe
from mocks.lgate.passwords import DEFAULT_ITERATIONS
from mocks.lgate.schema import SCHEMA_SQL

DEFAULTS: dict[str, Any] = {
    "API_TOKEN": None,
    "TOOLS": {},
    "ISSUER": None,
    "LTI_KEY_DIR": None,
    "PASSWORD_HASH_ITERATIONS": DEFAULT_ITERATIONS,
    # a tool's Flask session on the same 127.0.0.1 must not overwrite lgate's login cookie
    "SESSION_COOKIE_NAME": "lgate_session",
}


SPEC = MockSpec(
    name="lgate", title_ja="学習eポータル L-Gate",
    title_en="L-Gate (learning e-portal, LTI 1.3 platform)", import_name=__name__,
    schema_sql=SCHEMA_SQL, defaults=DEFAULTS,
    blueprints=[views.bp, admin.bp, (lti_bp, "/lti"), (services_bp, "/lti")],
    state=admin.dump_state, seed=admin.seed, reset=admin.reset, openapi=describe,
    init_app=views.init_app,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the lgate app; ``config`` overrides :data:`DEFAULTS` and the base's defaults.

    :raises mocks.lgate.lti.ToolConfigError: a ``TOOLS`` entry cannot be registered.
    """
    return create_mock_app(SPEC, config)


__all__ = ["DEFAULTS", "SPEC", "create_app"]
