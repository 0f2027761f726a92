"""The platform as a Flask app: ``create_platform_app(config=None)``.

Blueprints: ``lti`` (JWKS, auth, token, Deep Linking return, launch start), ``services``
(NRPS, AGS) and ``admin`` (inspect, register, rotate). State lives per app in
``app.extensions["renkei_lti"]``; the same factory runs in-process and on 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, request

from harness.core import Finding, FindingCollector
from harness.lti import checks
from harness.lti import constants as c
from harness.lti.claims import Person, role_uris
from harness.lti.flaskctx import app_context
from harness.lti.jwks import KeySetCache, http_fetcher
from harness.lti.keys import JWKS_MAX_AGE, KeyStore
from harness.lti.platform import LaunchSpec, Platform, ToolRegistration
from harness.lti.rules import REGISTRY
from harness.lti.services import Member, ServiceState, launch_service_claims
from harness.lti.verify import verify_jwt
from harness.lti.web import autosubmit_form, message_page

DEFAULTS: dict[str, Any] = {
    "ISSUER": "https://platform.renkei.example",
    "BASE_URL": None,  # taken from the first request when unset
    "STATE_DIR": None,
    "TOOLS": [],
    "GUID": None,
    "JWKS_MAX_AGE": JWKS_MAX_AGE,
    "KEY_OVERLAP": 3600,
    "SINGLE_USE_NONCES": True,  # see Platform(single_use_nonces=...)
}


@dataclass
class PlatformState:
    platform: Platform
    services: ServiceState
    key_sets: dict[str, KeySetCache]
    findings: list[Finding] = field(default_factory=list)
    dl_responses: list[dict[str, Any]] = field(default_factory=list)
    #: nonces of the Deep Linking responses taken, so a replayed one is refused (LT234)
    dl_nonces: set[str] = field(default_factory=set)
    base_learned: bool = False


def state(app: Flask | None = None) -> PlatformState:
    return (app or app_context().app).extensions["renkei_lti"]


def set_base_url(app: Flask, url: str) -> None:
    """Tell the platform where it is served (for service URLs, token aud, Deep Linking)."""
    st = state(app)
    st.base_learned = True
    st.platform.base_url = url.rstrip("/")
    st.services.token_url = st.platform.base_url + "/token"


def register_tool(app: Flask, reg: ToolRegistration | dict[str, Any]) -> ToolRegistration:
    """Register a tool on a running app (also used by the certify command)."""
    if isinstance(reg, dict):
        reg = ToolRegistration(**reg)
    st = state(app)
    st.platform.register(reg)
    fetch = None
    if reg.jwks_url:
        from harness.lti.http import LtiHttpClient

        fetch = http_fetcher(LtiHttpClient(timeout=5))
    st.key_sets[reg.client_id] = KeySetCache(reg.jwks_url, fetch, static=reg.jwks)
    st.services.allowed_scopes[reg.client_id] = tuple(reg.scopes)  # type: ignore[index]
    return reg


def create_platform_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a platform app; ``config`` overrides :data:`DEFAULTS`."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if config:
        app.config.from_mapping(config)
    keys = KeyStore(app.config["STATE_DIR"], overlap=app.config["KEY_OVERLAP"])
    platform = Platform(app.config["ISSUER"], keys=keys, guid=app.config["GUID"],
                        single_use_nonces=app.config["SINGLE_USE_NONCES"])
    if app.config["BASE_URL"]:
        platform.base_url = app.config["BASE_URL"].rstrip("/")
    services = ServiceState(platform.base_url + "/token", {}, {})
    st = PlatformState(platform, services, {})
    services.key_sets = st.key_sets
    platform.services = _service_claims(st)
    app.extensions["renkei_lti"] = st
    for reg in app.config["TOOLS"]:
        register_tool(app, reg)
    app.register_blueprint(lti_bp)
    app.register_blueprint(services_bp)
    app.register_blueprint(admin_bp)
    return app


def _service_claims(st: PlatformState) -> Any:
    def claims(reg: ToolRegistration, spec: LaunchSpec) -> dict[str, Any]:
        ctx = spec.context
        if not ctx or not ctx.get("id"):
            return {}
        ctx_id = str(ctx["id"])
        base = st.platform.base_url
        # every launched person joins the roster so NRPS user_id == launch sub
        roster = st.services.members.setdefault(ctx_id, [])
        p = spec.person
        if p.sub and not any(m.user_id == p.sub for m in roster):
            roster.append(Member(p.sub, list(p.roles), p.name, p.given_name, p.family_name,
                                 p.email, p.person_sourcedid))
        return launch_service_claims(reg.scopes, base, ctx_id)

    return claims


lti_bp = Blueprint("lti", __name__)
services_bp = Blueprint("services", __name__)
admin_bp = Blueprint("admin", __name__)


@lti_bp.before_app_request
def learn_base_url() -> None:
    """Without a configured BASE_URL, the platform takes its URL from its first request."""
    st = state()
    if not current_app.config["BASE_URL"] and not st.base_learned:
        st.base_learned = True
        st.platform.base_url = request.url_root.rstrip("/")
        st.services.token_url = st.platform.base_url + "/token"


def jwks_response() -> Response:
    """The platform's public key set with its cache lifetime.

    An app that mounts these blueprints without :func:`create_platform_app`'s config (lgate
    builds its own app) gets :data:`DEFAULTS`' lifetime: a missing ``JWKS_MAX_AGE`` made this
    route answer 500 in lgate (issue 21).
    """
    resp = jsonify(state().platform.keys.jwks())
    max_age = current_app.config.get("JWKS_MAX_AGE", DEFAULTS["JWKS_MAX_AGE"])
    resp.headers["Cache-Control"] = f"public, max-age={max_age}"
    return resp


@lti_bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    return jwks_response()


@lti_bp.route("/auth", methods=["GET", "POST"])
def auth() -> Response | tuple[str, int]:
    return authorize_page(request.values.to_dict())


def authorize_page(params: dict[str, str]) -> tuple[str, int]:
    """The auth endpoint's answer to ``params`` (the OIDC authentication request): the
    auto-submitted id_token form, or an error page (in the app context of the platform)."""
    result = state().platform.authorize(params)
    state().findings.extend(result.findings)
    if result.kind == "page":
        # an unregistered redirect_uri never gets a redirect (OIDC Core §3.1.2.1)
        return message_page("LTI error", [f"{result.fields['error']}"] +
                            [f.message_en for f in result.findings]), result.status
    assert result.url is not None
    return autosubmit_form(result.url, result.fields), 200


@lti_bp.post("/token")
def token() -> tuple[Response, int]:
    ans = state().services.issue_token(request.form.to_dict())
    state().findings.extend(ans.findings)
    return jsonify(ans.body), ans.status


@lti_bp.post("/deep_link_return")
def deep_link_return() -> tuple[str, int]:
    st = state()
    token = request.form.get("JWT", "")
    out = FindingCollector(REGISTRY)
    case = "deep_link_response"
    unverified = _peek(token)
    client_id = str(unverified.get("iss", "")) if unverified else ""
    keys = st.key_sets.get(client_id)
    if keys is None:
        out.add("LT232", file=case, claim="iss", value=client_id, expected="a registered client_id")
        claims = None
    else:
        _, claims = verify_jwt(token, keys, out, case=case)
    if claims is not None:
        reg = st.platform.tools.get(client_id)
        checks.check_dl_response(claims, out, case=case, client_id=client_id,
                                 platform_issuer=st.platform.issuer, data=None,
                                 deployment_ids=tuple(reg.deployment_ids) if reg else ())
    if claims is not None and not any(f.severity.name == "ERROR" for f in out.findings):
        nonce = str(claims.get("nonce") or "")
        if not nonce or nonce in st.dl_nonces:
            out.add("LT234", file=case, value=nonce or None)
        else:
            st.dl_nonces.add(nonce)
    if claims is not None and not any(f.severity.name == "ERROR" for f in out.findings):
        st.dl_responses.append({"client_id": client_id,
                                "data": claims.get(c.DL_DATA),
                                "content_items": claims.get(c.DL_CONTENT_ITEMS, [])})
    st.findings.extend(out.findings)
    ok = claims is not None and not any(f.severity.name == "ERROR" for f in out.findings)
    return message_page("Deep Linking", [f.message_en for f in out.findings],
                        marker="received" if ok else "rejected"), 200 if ok else 400


def _peek(token: str) -> dict[str, Any] | None:
    from harness.lti.verify import peek_claims

    return peek_claims(token)


@lti_bp.get("/launch/<client_id>")
def start_launch(client_id: str) -> Any:
    """Start a launch by hand: ?role=student|teacher&method=GET|POST&type=resource|deeplink."""
    st = state()
    if client_id not in st.platform.tools:
        return message_page("LTI error", ["unknown client_id"]), 404
    role = request.args.get("role", "student")
    person = Person(sub=request.args.get("sub") or "4b0a1c52-8f7e-4d2a-9c3b-1e6f5a7d8c90",
                    roles=role_uris(role), given_name="太郎", family_name="山田",
                    name="山田 太郎", grade="P3", classname="3年1組")
    mt = c.DEEP_LINKING_REQUEST if request.args.get("type") == "deeplink" \
        else c.RESOURCE_LINK_REQUEST
    spec = LaunchSpec(person, context={"id": "class-3-1", "label": "3-1", "title": "3年1組",
                                       "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection"]},
                      message_type=mt)
    url, params = st.platform.initiate_login(client_id, spec)
    if request.args.get("method", "GET").upper() == "POST":
        return autosubmit_form(url, params)
    from urllib.parse import urlencode

    return redirect(url + ("&" if "?" in url else "?") + urlencode(params))


# -- services ---------------------------------------------------------------------------------
def _answer(ans: Any) -> tuple[Response, int] | tuple[str, int]:
    state().findings.extend(ans.findings)
    if ans.body is None:
        return "", ans.status
    resp = jsonify(ans.body)
    for k, v in ans.headers.items():
        resp.headers[k] = v
    return resp, ans.status


def _refused(*scopes: str) -> tuple[Response, int] | tuple[str, int] | None:
    """The 401/403 answer when this request's bearer token holds none of ``scopes``."""
    _, denied = state().services.authorise(request.headers.get("Authorization"), *scopes)
    return _answer(denied) if denied else None


@services_bp.get("/nrps/<context_id>")
def nrps(context_id: str) -> Any:
    svc = state().services
    if refused := _refused(c.SCOPE_NRPS):
        return refused
    limit = request.args.get("limit", type=int)
    offset = request.args.get("offset", default=0, type=int)
    return _answer(svc.memberships(context_id, request.base_url, limit=limit, offset=offset,
                                   role=request.args.get("role")))


@services_bp.route("/ags/<context_id>/lineitems", methods=["GET", "POST"])
def lineitems(context_id: str) -> Any:
    svc = state().services
    if request.method == "POST":
        if refused := _refused(c.SCOPE_LINEITEM):
            return refused
        return _answer(svc.add_lineitem(context_id, request.get_json(force=True, silent=True)
                                        or {}, request.base_url))
    if refused := _refused(c.SCOPE_LINEITEM, c.SCOPE_LINEITEM_RO):
        return refused
    resp = jsonify(list(svc.lineitems.get(context_id, {}).values()))
    resp.headers["Content-Type"] = c.LINEITEMS_MEDIA
    return resp, 200


@services_bp.get("/ags/<context_id>/lineitems/<item_id>")
def lineitem(context_id: str, item_id: str) -> Any:
    svc = state().services
    if refused := _refused(c.SCOPE_LINEITEM, c.SCOPE_LINEITEM_RO):
        return refused
    item = svc.lineitems.get(context_id, {}).get(item_id)
    return (jsonify(item), 200) if item else (jsonify({"error": "unknown line item"}), 404)


@services_bp.post("/ags/<context_id>/lineitems/<item_id>/scores")
def scores(context_id: str, item_id: str) -> Any:
    svc = state().services
    if refused := _refused(c.SCOPE_SCORE):
        return refused
    return _answer(svc.post_score(context_id, item_id,
                                  request.get_json(force=True, silent=True) or {}))


@services_bp.get("/ags/<context_id>/lineitems/<item_id>/results")
def results(context_id: str, item_id: str) -> Any:
    svc = state().services
    if refused := _refused(c.SCOPE_RESULT_RO):
        return refused
    base = request.base_url.rsplit("/", 2)[0]
    return _answer(svc.results(context_id, item_id, base))


# -- admin ------------------------------------------------------------------------------------
@admin_bp.get("/inspect")
def inspect() -> Response:
    st = state()
    p = st.platform
    return jsonify({
        "issuer": p.issuer, "base_url": p.base_url, "guid": p.guid,
        "kids": [k["kid"] for k in p.keys.jwks()["keys"]],
        "tools": {cid: {"login_url": t.login_url, "redirect_uris": list(t.redirect_uris),
                        "deployment_ids": list(t.deployment_ids)} for cid, t in p.tools.items()},
        "launches": list(p.log), "findings": [f.as_dict() for f in st.findings],
        "deep_link_responses": st.dl_responses,
        "members": {k: len(v) for k, v in st.services.members.items()},
        "scores": {k: {u: len(h) for u, h in v.items()} for k, v in st.services.scores.items()},
    })


@admin_bp.post("/admin/rotate")
def rotate() -> Response:
    kid = state().platform.keys.rotate().kid
    return jsonify({"kid": kid})
