"""The tool as a Flask app: ``create_tool_app(config=None)``.

Endpoints: ``/login`` (GET and POST), ``/launch`` (the redirect URI), ``/jwks``,
``/inspect``. A launch that verifies answers 200 with the marker ``renkei-launch-accepted``;
one that does not answers 401 with the reasons. An accepted LtiDeepLinkingRequest is answered
at once with the configured content items (auto-submitted form to the platform).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from harness.lti import constants as c
from harness.lti import reply
from harness.lti.claims import resource_link_item
from harness.lti.jwks import http_fetcher
from harness.lti.keys import JWKS_MAX_AGE, KeyStore
from harness.lti.reply import Reply
from harness.lti.tool import LoginError, PlatformRegistration, Tool
from harness.lti.web import autosubmit_form, message_page

ACCEPTED = "renkei-launch-accepted"
REJECTED = "renkei-launch-rejected"
STATE_COOKIE = "renkei_lti_state"

DEFAULTS: dict[str, Any] = {
    "BASE_URL": "http://127.0.0.1",
    "PLATFORMS": [],
    "STATE_DIR": None,
    "LEEWAY": 60,
    "MAX_AGE": 3600,
    "PROFILE": "core",
    # certifying a platform: anonymous launches allowed, LT218 whitespace checks, and every
    # message checked in full, accepted or rejected
    "PLATFORM_SIDE": False,
    "DEEP_LINK_ITEMS": None,
    # certifying a platform: answer Deep Linking requests from renkei's certify command (its
    # four test responses), not by auto-submitting one through the user's browser
    "DEEP_LINK_CERTIFY": False,
}


def redirect_with_state(url: str, state: str, secure: bool | None = None) -> Reply:
    """The login's redirect to the platform, setting the OIDC state cookie the launch checks.

    :param secure: the login came over https (default: Flask's current request's scheme).
    """
    if secure is None:
        secure = request.is_secure
    resp = reply.redirect(url)
    # SameSite=None is what iframes need in real browsers; Secure is set only on https
    resp.set_cookie(STATE_COOKIE, state, max_age=600, httponly=True,
                    secure=secure, samesite="None" if secure else "Lax")
    return resp


def tool(app: Flask | None = None) -> Tool:
    return (app or current_app).extensions["renkei_lti_tool"]


def create_tool_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a tool app; ``config`` overrides :data:`DEFAULTS`.

    ``PLATFORMS`` holds dicts of :class:`PlatformRegistration` fields.
    """
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if config:
        app.config.from_mapping(config)
    base = app.config["BASE_URL"].rstrip("/")
    regs = [r if isinstance(r, PlatformRegistration) else PlatformRegistration(**r)
            for r in app.config["PLATFORMS"]]
    fetch = app.config.get("FETCH")
    if fetch is None:
        from harness.lti.http import LtiHttpClient

        fetch = http_fetcher(LtiHttpClient(timeout=5))
    app.extensions["renkei_lti_tool"] = Tool(
        regs, redirect_uri=base + "/launch", keys=KeyStore(app.config["STATE_DIR"]),
        fetch=fetch, leeway=app.config["LEEWAY"], max_age=app.config["MAX_AGE"],
        profile=app.config["PROFILE"], platform_side=app.config["PLATFORM_SIDE"],
    )
    app.extensions["renkei_lti_tool_log"] = []
    #: one-shot changes to the next authentication requests (certifying a platform)
    app.extensions["renkei_lti_tamper"] = []
    app.register_blueprint(bp)
    return app


bp = Blueprint("tool", __name__)


def _log() -> list[dict[str, Any]]:
    return current_app.extensions["renkei_lti_tool_log"]


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    params = request.values.to_dict()
    tampers = current_app.extensions["renkei_lti_tamper"]
    try:
        url, record = tool().login(params, tamper=tampers.pop(0) if tampers else None)
    except LoginError as exc:
        _log().append({"step": "login", "accepted": False, "rules": [exc.rule]})
        return message_page("LTI login refused", [f"{exc.rule} {exc}"], marker=REJECTED), 400
    return redirect_with_state(url, record.state)


@bp.post("/launch")
def launch() -> Any:
    if "error" in request.form:
        _log().append({"step": "launch", "accepted": False, "error": request.form["error"]})
        return message_page("LTI error from platform", [request.form["error"]],
                            marker=REJECTED), 401
    verdict = tool().launch(request.form.to_dict(), request.cookies.get(STATE_COOKIE),
                            case=request.args.get("case", "launch"))
    entry = {
        "step": "launch", "accepted": verdict.accepted,
        "rules": [f.rule for f in verdict.findings],
        "findings": [f.as_dict() for f in verdict.findings],
        "message_type": (verdict.claims or {}).get(c.MESSAGE_TYPE),
        "sub": (verdict.claims or {}).get("sub"),
        "claims": verdict.claims if current_app.config["PLATFORM_SIDE"] else None,
    }
    _log().append(entry)
    if not verdict.accepted:
        return message_page("LTI launch rejected", [verdict.reason()], marker=REJECTED), 401
    claims = verdict.claims or {}
    if claims.get(c.MESSAGE_TYPE) == c.DEEP_LINKING_REQUEST and \
            current_app.config["DEEP_LINK_CERTIFY"]:
        return message_page("Deep Linking request received",
                            ["renkei now sends its Deep Linking test responses to the platform;"
                             " the results are in its report."], marker=ACCEPTED)
    if claims.get(c.MESSAGE_TYPE) == c.DEEP_LINKING_REQUEST:
        items = current_app.config["DEEP_LINK_ITEMS"] or [
            resource_link_item(current_app.config["BASE_URL"].rstrip("/") + "/launch",
                               "renkei item", custom={"chapter": "1"})]
        url, jwt_ = tool().deep_linking_response(claims, items)
        return autosubmit_form(url, {"JWT": jwt_})
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"result": ACCEPTED, "sub": claims.get("sub"),
                        "rules": entry["rules"]})
    return message_page("LTI launch accepted", [f"sub: {claims.get('sub')}"], marker=ACCEPTED)


@bp.get("/jwks")
def jwks() -> Response:
    resp = jsonify(tool().keys.jwks())
    resp.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return resp


@bp.get("/inspect")
def inspect() -> Response:
    return jsonify({"launches": _log(), "kids": [k["kid"] for k in tool().keys.jwks()["keys"]]})
