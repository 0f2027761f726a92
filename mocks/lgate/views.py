"""lgate's vendor API: bulk import, initial-password intake, the OneRoster read API and the
launch entry point (``GET /launch``) plus ``/lti/jwks``; and :func:`init_app`, the LTI platform
behind them with its request hooks around harness's ``/lti`` blueprints.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from harness.accounts import PasswordFileError
from harness.core.clock import PerSecond
from harness.lti import reply
from harness.lti.platform_app import auth as platform_auth
from harness.lti.platform_app import authorize_page, jwks_response, learn_base_url
from harness.lti.platform_app import state as lti_state
from harness.lti.reply import Reply
from harness.lti.web import form_urlencode, message_page
from mocks.base import (
    Call,
    database,
    db_transaction,
    flask_call,
    get_db,
    json_text,
    lean_routes,
)
from mocks.base.oneroster import finding_json, imsx_error
from mocks.lgate import bulk, passwords, persist, store
from mocks.lgate.lti import LaunchError, ensure_guid, launch_spec, setup_platform

bp = Blueprint("lgate", __name__)
#: the session key naming the user logged in to lgate (checked at /lti/auth)
SESSION_USER = "lgate_user"
MAX_LIMIT, DEFAULT_LIMIT = 1000, 100
READ_API = "/ims/oneroster/rostering/v1p2"


#: the date and time of day of a whole second, as :func:`now` writes it
_SECOND = PerSecond(lambda second: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))


def now() -> str:
    """The UTC time to the millisecond (``2026-04-01T09:00:00.123Z``)."""
    at = time.time()
    second = int(at)
    return f"{_SECOND.at(second)}.{int((at - second) * 1000):03d}Z"


def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


def _token_ok() -> bool:
    token = current_app.config.get("API_TOKEN")
    if not token:
        return True
    sent = request.headers.get("Authorization", "")
    return sent.startswith("Bearer ") and hmac.compare_digest(
        sent.removeprefix("Bearer ").strip().encode(), str(token).encode())


def _upload() -> tuple[bytes, str | None]:
    """The uploaded file: multipart field ``file``, or the raw request body."""
    if request.mimetype == "multipart/form-data":
        f = request.files.get("file")
        if f is None:
            return b"", None
        return f.read(), f.filename or None
    return request.get_data(cache=False), None


# -- bulk import ------------------------------------------------------------------------------
@bp.post("/oneroster/bulk")
def oneroster_bulk() -> Any:
    """Check and apply a OneRoster bulk bundle (一括取込), all or nothing."""
    if not _token_ok():
        return _error(401, "unauthorized", "a valid bearer token is required")
    data, filename = _upload()
    try:
        with bulk.checked_upload(data, filename) as upload:
            stamp = now()
            with db_transaction() as conn:
                result = bulk.apply_bulk(conn, upload, now=stamp)
                store.record_import(conn, "bulk", stamp, {
                    k: result[k] for k in ("created", "updated", "unchanged", "removed")}
                    | {"missing_users": len(result["missing"]["users"]), "filename": filename})
    except bulk.BulkRejected as exc:
        return jsonify(exc.body()), exc.status
    result["findings"] = [finding_json(f) for f in upload.findings[:bulk.MAX_FINDINGS]]
    return jsonify(result)


# -- initial passwords --------------------------------------------------------------------------
@bp.post("/accounts/initial-passwords")
def initial_passwords() -> Any:
    """Take the board's ID・初期パスワード file; passwords are stored hashed, never echoed."""
    if not _token_ok():
        return _error(401, "unauthorized", "a valid bearer token is required")
    data, _ = _upload()
    if not data:
        return _error(400, "unreadableFile", "the request has no file: send the ID・初期パスワード "
                      "CSV as multipart field 'file' or as a text/csv body")
    stamp = now()
    try:
        prepared = passwords.prepare(get_db(), data, iterations=int(
            current_app.config["PASSWORD_HASH_ITERATIONS"]))
    except PasswordFileError as exc:
        return _error(400, "unreadableFile", str(exc))
    with db_transaction() as conn:
        result = passwords.save(conn, prepared, now=stamp)
        store.record_import(conn, "initial-passwords", stamp, {
            "accepted": result["accepted"], "replaced": result["replaced"],
            "pending": result["pending"], "rejected": len(result["rejected"])})
    return jsonify(result)


# -- the OneRoster read API -------------------------------------------------------------------
_MAX_OFFSET = 2**62  # SQLite integers are 64-bit; an offset past every row is just empty


def _int_arg(name: str, default: int) -> int | None:
    """A whole-number query argument (ASCII digits only), capped at :data:`_MAX_OFFSET`."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 40:
        return None
    return min(int(raw), _MAX_OFFSET)


@bp.get(f"{READ_API}/<any(users, orgs, classes, enrollments):collection>")
def read_collection(collection: str) -> Any:
    """One page of a collection; ``limit`` (default 100, at most 1000) and ``offset``."""
    if not _token_ok():
        return imsx_error(401, "unauthorisedrequest", "a valid bearer token is required")
    limit, offset = _int_arg("limit", DEFAULT_LIMIT), _int_arg("offset", 0)
    if limit is None or limit < 1:
        return imsx_error(400, "invalid_selection_field", "limit must be a whole number ≥ 1")
    if offset is None:
        return imsx_error(400, "invalid_selection_field", "offset must be a whole number ≥ 0")
    limit = min(limit, MAX_LIMIT)
    base = current_app.config["BASE_URL"].rstrip("/")
    items, total = store.page(get_db(), collection, base, limit=limit, offset=offset,
                              positions=database().positions())
    resp = jsonify({collection: items})
    resp.headers["X-Total-Count"] = str(total)
    links = []
    url = f"{base}{READ_API}/{collection}"
    if offset + limit < total:
        links.append(f'<{url}?limit={limit}&offset={offset + limit}>; rel="next"')
    last = max(0, (total - 1) // limit * limit)
    links.append(f'<{url}?limit={limit}&offset={last}>; rel="last"')
    resp.headers["Link"] = ", ".join(links)
    return resp


@bp.get(f"{READ_API}/<any(users, orgs, classes, enrollments):collection>/<sourced_id>")
def read_one(collection: str, sourced_id: str) -> Any:
    if not _token_ok():
        return imsx_error(401, "unauthorisedrequest", "a valid bearer token is required")
    base = current_app.config["BASE_URL"].rstrip("/")
    item = store.one(get_db(), collection, sourced_id, base)
    if item is None:
        return imsx_error(404, "unknownobject", f"no {collection[:-1]} with sourcedId "
                         f"{sourced_id!r}")
    key = {"users": "user", "orgs": "org", "classes": "class",
           "enrollments": "enrollment"}[collection]
    return jsonify({key: item})


# -- launches ---------------------------------------------------------------------------------
def _not_found(call: Call, title: str, message: str, **extra: Any) -> tuple[Any, int]:
    if call.wants_json():
        return jsonify({"error": {"code": "notFound", "message": message, **extra}}), 404
    return message_page(title, [message], marker="renkei-launch-not-started"), 404


def launch_view(call: Call) -> Any:
    """Log ``user`` in and start the OIDC launch into ``tool`` (302 to the tool's login URL).

    ``?user=<userMasterIdentifier>&tool=<name>[&type=deeplink]``.
    """
    args = call.request.args
    umi = args.get("user", "").strip()
    name = args.get("tool", "").strip()
    tools = call.app.extensions["lgate_tools"]
    if not umi or not name:
        return _error(400, "badRequest", "both user (a userMasterIdentifier) and tool are "
                      f"required; tools: {', '.join(tools)}")
    reg = tools.get(name)
    if reg is None:
        return _not_found(call, "Unknown tool", f"lgate has no tool named {name!r}; "
                          f"registered: {', '.join(tools) or '(none)'}", tools=list(tools))
    target = store.launch_target(get_db(), umi)
    if target is None:
        return _not_found(call, "Unknown user", f"lgate holds no user with "
                          f"userMasterIdentifier {umi!r}")
    if not target.user["enabled_user"] or target.user["status"] == "tobedeleted":
        # a disabled account cannot log in to the e-portal, so it launches nothing
        message = f"the lgate account {umi!r} is disabled; it cannot launch tools"
        if call.wants_json():
            return _error(403, "accountDisabled", message)
        return message_page("Account disabled", [message],
                            marker="renkei-launch-not-started"), 403
    try:
        # (``in`` first: a MultiDict's ``get`` of a missing key raises and catches an error)
        spec = launch_spec(target, reg, deep_link="type" in args and args["type"] == "deeplink")
    except LaunchError as exc:
        return _error(exc.status, "cannotLaunch", str(exc))
    url, params = lti_state().platform.initiate_login(reg.client_id, spec)
    call.session[SESSION_USER] = umi
    # one statement, so its own transaction (autocommit): no BEGIN/COMMIT round of its own
    get_db().execute(
        "INSERT INTO launches (at, user_master_identifier, tool, client_id, message_type, "
        "context_id, roles) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (now(), umi, name, reg.client_id, spec.message_type,
         target.class_id, json_text(spec.person.roles)))
    return reply.redirect(url + ("&" if "?" in url else "?") + form_urlencode(params))


@bp.get("/launch")
def launch() -> Any:
    """``/launch`` through Flask (the lean path, :func:`add_lean_routes`, usually answers)."""
    return launch_view(flask_call())


def auth_view(call: Call) -> Any:
    """lgate's ``/lti/auth``: the platform's auth endpoint, for the user ``/launch`` logged in
    only (what :func:`guard_lti` checks before the Flask route)."""
    params = call.params()
    refused = _login_required(call, params.get("login_hint"))
    if refused is not None:
        return refused
    return Reply(*authorize_page(params))


def _login_required(call: Call, hint: str | None) -> Any:
    if not hint or call.session.get(SESSION_USER) != hint:
        # OIDC Core §3.1.2.6 login_required: nobody, or somebody else, is logged in
        return message_page("login_required", [
            "no lgate session for this login_hint; start with /launch?user=&tool="],
            marker="renkei-login-required"), 401
    return None


def add_lean_routes(app: Flask) -> None:
    """Serve ``/launch`` and ``/lti/auth`` (one request each per launch) below Flask's request
    machinery (:mod:`mocks.base.lean`). The app's hooks do nothing on these two routes but
    the login check, which :func:`auth_view` makes itself; ``learn_base_url`` has nothing to
    learn (a mock always has its BASE_URL)."""
    hooks = (guard_lti, keep_lti_services, learn_base_url)
    routes = lean_routes(app)
    routes.add(launch, launch_view, ("GET",), covers=hooks)
    routes.add(platform_auth, auth_view, ("GET", "POST"), covers=hooks)


@bp.get("/lti/jwks")
def jwks() -> Response:
    """The platform's public keys (also at /lti/.well-known/jwks.json)."""
    return jwks_response()


def guard_lti() -> Any:
    """Before ``/lti/*``: the auth endpoint answers only for the user logged in by /launch;
    the platform app's demo launcher (a made-up pupil) is not part of lgate."""
    if request.endpoint in ("services.lineitems", "services.scores") \
            and request.method == "POST" \
            and not isinstance(request.get_json(force=True, silent=True), dict):
        # AGS bodies are JSON objects (AGS 2.0 §3.2, §3.4); anything else is a client error
        return _error(400, "badRequest", "the body must be a JSON object")
    if request.endpoint == "lti.start_launch":
        return _not_found(flask_call(), "Not here",
                          "start launches with GET /launch?user=<umi>&tool=<name>")
    if request.endpoint == "lti.auth":
        call = flask_call()
        return _login_required(call, call.params().get("login_hint"))
    return None


def keep_lti_services(response: Response) -> Response:
    """After a request that changed AGS or Deep Linking data, store the new snapshot."""
    if (request.endpoint, request.method) in persist.CHANGES and response.status_code < 400:
        with db_transaction() as conn:
            persist.save(conn, lti_state())
    return response


def init_app(app: Flask) -> None:
    """The ``MockSpec.init_app`` hook: the LTI platform (its guid, keys, tools and stored
    service data) and the request hooks around harness's platform blueprints.

    :raises mocks.lgate.lti.ToolConfigError: a ``TOOLS`` entry cannot be registered.
    """
    conn = database(app).connect()
    try:
        st = setup_platform(app, ensure_guid(conn))
        persist.load(conn, st)
    finally:
        conn.close()
    app.before_request(guard_lti)
    app.after_request(keep_lti_services)
    add_lean_routes(app)
