"""lgate's own admin surface: its state, hand-entered users, reset and LTI key rotation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from werkzeug.exceptions import BadRequest

from harness.lti.platform_app import state as lti_state
from mocks.base import db_transaction, get_db
from mocks.lgate import persist, store
from mocks.lgate.schema import ENTITY_TABLES
from mocks.lgate.views import now

bp = Blueprint("lgate_admin", __name__, url_prefix="/_admin")


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


@bp.post("/lti/rotate")
def rotate_keys() -> Any:
    """Start signing with a new key; the old one stays in the JWKS for the overlap period, so
    tools that re-fetch on an unknown kid keep verifying (Security Framework §6.3)."""
    kid = lti_state().platform.keys.rotate().kid
    return jsonify({"kid": kid, "kids": [k["kid"] for k in
                                          lti_state().platform.keys.jwks()["keys"]]})
