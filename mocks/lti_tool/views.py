"""The LTI 1.3 tool surface the three tool mocks share: ``/lti/login``, ``/lti/launch``,
``/lti/jwks``.

Every launch is verified with :class:`harness.lti.tool.Tool` (signature against the platform's
JWKS, every claim check, state and nonce) and then put to the mock's own rule (``decide``: is
the account provisioned, is the grade served). Whatever happens is written to the launch log
(:mod:`mocks.lti_tool.launches`). ``REJECT_LAUNCHES = "<reason>"`` in config (or set on a
running server with ``PUT /_admin/reject-launches {"reason": ...}``, :mod:`mocks.lti_tool.admin`),
or a ``reject_launch`` fault (give it ``"route": "^/lti/"``), makes the tool turn away every
launch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify

from harness.lti import constants as c
from harness.lti.claims import resource_link_item
from harness.lti.keys import JWKS_MAX_AGE
from harness.lti.reply import Reply
from harness.lti.tool import LoginError, Tool
from harness.lti.tool_app import ACCEPTED, REJECTED, STATE_COOKIE, redirect_with_state
from harness.lti.verify import peek_claims
from harness.lti.web import autosubmit_form, message_page
from mocks.base import Call, db_transaction, flask_call, get_db, http_session, lean_routes
from mocks.lti_tool.config import key_store, platform_registration, session_fetcher
from mocks.lti_tool.launches import (
    OUTCOME_ACCEPTED,
    OUTCOME_REFUSED,
    OUTCOME_REJECTED,
    LaunchRecord,
    fill_from_claims,
    record_launch,
)

#: the fault kind a tool mock applies itself: reject the launch it hits (route ^/lti/launch)
REJECT_FAULT = "reject_launch"
#: config defaults every tool mock adds to the base's
TOOL_DEFAULTS: dict[str, Any] = {
    "LTI_PLATFORM": {},        # PlatformRegistration fields; defaults from PEERS["lgate"]
    "LTI_PROFILE": "jp-eportal",  # adds the 学習eポータル WARN checks (LT5xx) to each verdict
    "LTI_LEEWAY": 60,
    "REJECT_LAUNCHES": None,   # a reason string: every launch is rejected with it
    "KEY_DIR": None,           # None → beside a file DATABASE, in memory for ":memory:"
}


@dataclass
class Decision:
    """A tool's own verdict on a verified launch.

    :param allowed: let the user in; otherwise the page says ``reason_ja`` / ``reason_en``.
    :param account: the tool's own record of the user (drill app account), for the log.
    :param licence: the textbook licence granted (ライセンス付与), for the log.
    """

    allowed: bool
    reason_en: str | None = None
    reason_ja: str | None = None
    status: int = 403
    account: dict[str, Any] | None = None
    licence: dict[str, Any] | None = None
    lines: list[str] = field(default_factory=list)


Decide = Callable[[Mapping[str, Any], sqlite3.Connection], Decision]


@dataclass(frozen=True)
class ToolInfo:
    """What one tool mock is at its platform: the part of it the shared views need.

    :param name: the mock's name (names the key directory).
    :param client_id: the default client_id lgate knows the tool by.
    :param decide: the tool's own rule on a verified launch.
    :param item_title: the title of the content item offered to Deep Linking.
    """

    name: str
    client_id: str
    title_ja: str
    title_en: str
    item_title: str
    decide: Decide

    def init_app(self, app: Flask) -> None:
        """The ``MockSpec.init_app`` hook: give ``app`` its LTI tool (:class:`ToolContext`)."""
        reg = platform_registration(app.config, client_id=self.client_id)
        base = str(app.config["BASE_URL"]).rstrip("/")
        # the JWKS is fetched while a launch request of this app is being served, so the app's
        # own session (config HTTP_SESSION) is the current one
        tool = Tool([reg], redirect_uri=base + "/lti/launch",
                    keys=key_store(app.config, self.name), fetch=session_fetcher(http_session),
                    leeway=float(app.config["LTI_LEEWAY"]),
                    profile=str(app.config["LTI_PROFILE"]))
        app.extensions["renkei_tool"] = ToolContext(tool, self)
        add_lean_routes(app)


@dataclass
class ToolContext:
    """What ``app.extensions["renkei_tool"]`` holds for the shared views."""

    tool: Tool
    info: ToolInfo


def context(app: Flask | None = None) -> ToolContext:
    return (app or current_app).extensions["renkei_tool"]


bp = Blueprint("lti_tool", __name__, url_prefix="/lti")


def login_view(call: Call) -> Any:
    """Third-party initiated login (OIDC step 1): answer with the authentication request."""
    params = call.params()
    fault = call.take_fault(REJECT_FAULT)
    if fault is not None:
        # a reject_launch fault set without a route lands here first: honour it, never lose it
        reason = f"launches are being rejected (fault #{fault.id})"
        entry = record_launch(get_db(), LaunchRecord(
            step="login", outcome=OUTCOME_REJECTED, status=403, verified=False, reason=reason,
            claimed_sub=params.get("login_hint") or None,
            client_id=params.get("client_id") or None))
        return _page(call, entry, "このツールは起動を受け付けていません",
                     "This tool is rejecting launches", [reason])
    try:
        url, record = context(call.app).tool.login(params)
    except LoginError as exc:
        entry = record_launch(get_db(), LaunchRecord(
            step="login", outcome=OUTCOME_REJECTED, status=400, verified=False, rules=[exc.rule],
            reason=f"{exc.rule} {exc}", claimed_sub=params.get("login_hint") or None,
            client_id=params.get("client_id") or None))
        return _page(call, entry, "LTIログインを受け付けませんでした", "LTI login refused",
                     [f"{exc.rule} {exc}"])
    return redirect_with_state(url, record.state, call.request.is_secure)


def launch_view(call: Call) -> Any:
    """The redirect URI: verify the id_token, apply the tool's rule, log the outcome."""
    ctx = context(call.app)
    db = get_db()
    posted = call.request.form
    if "error" in posted:
        entry = record_launch(db, LaunchRecord(
            step="launch", outcome=OUTCOME_REJECTED, status=401, verified=False,
            reason=f"platform answered {posted['error']}: "
                   f"{posted.get('error_description', '')}".strip()))
        return _page(call, entry, "プラットフォームがエラーを返しました", "LTI error from platform",
                     [entry.reason or ""])
    form = posted.to_dict()
    verdict = ctx.tool.launch(form, call.request.cookies.get(STATE_COOKIE))
    entry = LaunchRecord(step="launch", outcome=OUTCOME_ACCEPTED, status=200,
                         verified=verdict.accepted,
                         rules=[f.rule for f in verdict.errors()],
                         warnings=sorted({f.rule for f in verdict.findings} -
                                         {f.rule for f in verdict.errors()}))
    if not verdict.accepted:
        peeked = peek_claims(form.get("id_token", "")) or {}
        entry.claimed_sub = str(peeked["sub"]) if peeked.get("sub") is not None else None
        entry.outcome, entry.status, entry.reason = OUTCOME_REJECTED, 401, verdict.reason()
        record_launch(db, entry)
        return _page(call, entry, "LTI起動の検証に失敗しました", "LTI launch rejected",
                     [verdict.reason()])
    claims = verdict.claims or {}
    fill_from_claims(entry, claims)
    forced = _forced_rejection(call)
    if forced:
        entry.outcome, entry.status, entry.reason = OUTCOME_REJECTED, 403, forced
        record_launch(db, entry)
        return _page(call, entry, "このツールは起動を受け付けていません",
                     "This tool is rejecting launches", [forced])
    with db_transaction():  # the tool's own rule (a licence grant) and its log entry: one commit
        decision = ctx.info.decide(claims, db)
        entry.account, entry.licence = decision.account, decision.licence
        if not decision.allowed:
            entry.outcome, entry.status = OUTCOME_REFUSED, decision.status
            entry.reason = decision.reason_en
        record_launch(db, entry)
    if not decision.allowed:
        return _page(call, entry, "利用できません", "Access refused",
                     [decision.reason_ja or "", decision.reason_en or ""])
    if claims.get(c.MESSAGE_TYPE) == c.DEEP_LINKING_REQUEST:
        item = resource_link_item(str(call.app.config["BASE_URL"]).rstrip("/") + "/lti/launch",
                                  ctx.info.item_title)
        url, token = ctx.tool.deep_linking_response(claims, [item])
        return autosubmit_form(url, {"JWT": token})
    return _page(call, entry, "ようこそ", "Welcome",
                 [f"sub: {entry.sub}", f"class: {entry.context_title or '-'}",
                  *decision.lines])


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """``/lti/login`` through Flask (the lean path, :func:`add_lean_routes`, usually answers)."""
    return login_view(flask_call())


@bp.post("/launch")
def launch() -> Any:
    """``/lti/launch`` through Flask (the lean path usually answers)."""
    return launch_view(flask_call())


def add_lean_routes(app: Flask) -> None:
    """Serve ``/lti/login`` and ``/lti/launch`` below Flask's request machinery (one request
    each per launch: :mod:`mocks.base.lean`)."""
    routes = lean_routes(app)
    routes.add(login, login_view, ("GET", "POST"))
    routes.add(launch, launch_view, ("POST",))


@bp.get("/jwks")
def jwks() -> Response:
    """The tool's public keys (for the platform's Deep Linking and service checks)."""
    resp = jsonify(context().tool.keys.jwks())
    resp.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return resp


def _forced_rejection(call: Call) -> str | None:
    reason = call.app.config.get("REJECT_LAUNCHES")
    if reason:
        return str(reason)
    fault = call.take_fault(REJECT_FAULT)
    if fault is not None:
        return f"launches are being rejected (fault #{fault.id})"
    return None


def _page(call: Call, entry: LaunchRecord, title_ja: str, title_en: str,
          lines: list[str]) -> Any:
    """The end page of a login or launch: HTML for browsers, JSON when asked for it."""
    ctx = context(call.app)
    marker = ACCEPTED if entry.outcome == OUTCOME_ACCEPTED else REJECTED
    if call.wants_json():
        resp = jsonify({"result": marker, "outcome": entry.outcome, "reason": entry.reason,
                        "sub": entry.sub, "rules": entry.rules, "licence": entry.licence,
                        "launch_id": entry.id})
        return resp, entry.status
    title = f"{ctx.info.title_ja} — {title_ja} / {ctx.info.title_en} — {title_en}"
    return Reply(message_page(title, [line for line in lines if line], marker=marker),
                 entry.status)
