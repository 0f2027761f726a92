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

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadRequest

from harness.lti.platform_app import lti_bp, services_bp
from harness.lti.platform_app import state as lti_state
from mocks.base import MockSpec, create_mock_app, database, db_transaction, get_db
from mocks.lgate import persist, store
from mocks.lgate.lti import ensure_guid, setup_platform
from mocks.lgate.openapi import describe
from mocks.lgate.passwords import DEFAULT_ITERATIONS
from mocks.lgate.schema import ENTITY_TABLES, SCHEMA_SQL
from mocks.lgate.views import bp, guard_lti, now

DEFAULTS: dict[str, Any] = {
    "API_TOKEN": None,
    "TOOLS": {},
    "ISSUER": None,
    "LTI_KEY_DIR": None,
    "PASSWORD_HASH_ITERATIONS": DEFAULT_ITERATIONS,
    # a tool's Flask session on the same 127.0.0.1 must not overwrite lgate's login cookie
    "SESSION_COOKIE_NAME": "lgate_session",
}


def dump_state() -> dict[str, Any]:
    """GET /_admin/state: the store as held, the tools, launches and LTI service data."""
    out = store.state(get_db())
    st = lti_state()
    p = st.platform
    out["tools"] = {name: {"client_id": r.client_id, "login_url": r.login_url,
                           "redirect_uris": list(r.redirect_uris), "jwks_url": r.jwks_url,
                           "deployment_ids": list(r.deployment_ids)}
                    for name, r in current_app.extensions["lgate_tools"].items()}
    out["platform"] = {"issuer": p.issuer, "guid": p.guid,
                       "kids": [k["kid"] for k in p.keys.jwks()["keys"]],
                       "id_tokens_issued": list(p.log),
                       "deep_link_responses": list(st.dl_responses),
                       "lineitems": {ctx: list(items.values())
                                     for ctx, items in st.services.lineitems.items()},
                       "scores": {item: {user: len(h) for user, h in users.items()}
                                  for item, users in st.services.scores.items()},
                       "findings": [f.as_dict() for f in st.findings][-100:]}
    return out


def seed(payload: dict[str, Any]) -> dict[str, Any]:
    """POST /_admin/seed: add users entered by hand (see :func:`store.seed_manual`)."""
    try:
        with db_transaction() as conn:
            return store.seed_manual(conn, payload, now=now())
    except store.SeedError as exc:
        raise BadRequest(str(exc)) from None


def reset() -> None:
    """Empty the store and the LTI service data; keys and the platform guid stay (they are
    the installation's identity, not its data)."""
    with db_transaction() as conn:
        for table in (*reversed(ENTITY_TABLES), "initial_passwords", "imports", "launches"):
            conn.execute(f"DELETE FROM {table}")
        persist.forget(conn)
    st = lti_state()
    st.platform.log.clear()
    st.findings.clear()
    st.dl_responses.clear()
    st.services.lineitems.clear()
    st.services.scores.clear()


SPEC = MockSpec(
    name="lgate", title_ja="学習eポータル L-Gate",
    title_en="L-Gate (learning e-portal, LTI 1.3 platform)", import_name=__name__,
    schema_sql=SCHEMA_SQL, defaults=DEFAULTS, blueprints=[bp], state=dump_state, seed=seed,
    reset=reset, openapi=describe,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the lgate app; ``config`` overrides :data:`DEFAULTS` and the base's defaults.

    :raises mocks.lgate.lti.ToolConfigError: a ``TOOLS`` entry cannot be registered.
    """
    app = create_mock_app(SPEC, config)
    conn = database(app).connect()
    try:
        guid = ensure_guid(conn)
        st = setup_platform(app, guid)
        persist.load(conn, st)
    finally:
        conn.close()
    app.register_blueprint(lti_bp, url_prefix="/lti")
    app.register_blueprint(services_bp, url_prefix="/lti")
    app.before_request(guard_lti)
    app.after_request(_keep_lti_services)
    return app


def _keep_lti_services(response: Response) -> Response:
    """After a request that changed AGS or Deep Linking data, store the new snapshot."""
    if (request.endpoint, request.method) in persist.CHANGES and response.status_code < 400:
        with db_transaction() as conn:
            persist.save(conn, lti_state())
    return response


__all__ = ["DEFAULTS", "SPEC", "create_app"]
