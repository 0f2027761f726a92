"""``create_mock_app``: the one app factory behind every mock."""

from __future__ import annotations

import logging
import secrets
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from requests import RequestException, Session
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadGateway, HTTPException, InternalServerError

from harness.lti.reply import PLAIN_URL
from mocks import default_peers
from mocks.base import admin, db, pages
from mocks.base.faults import Fault, FaultError, FaultStore
from mocks.base.lean import LeanDispatch, LeanRoutes, take_fault_in
from mocks.base.middleware import FaultMiddleware, RequestLog
from mocks.base.sessions import KeptSerializerSessionInterface
from mocks.base.spec import MockSpec

log = logging.getLogger("mocks")

#: the base's config defaults; a mock's ``MockSpec.defaults`` and the caller's config override
BASE_DEFAULTS: dict[str, Any] = {
    "DATABASE": None,            # None → <instance path>/<name>.sqlite; ":memory:" for tests
    # the file is this process's alone (a launch worker's private copy): SQLite holds its lock
    # for the connection's life instead of taking and dropping it around every transaction
    "DATABASE_EXCLUSIVE": False,
    # the file is a working copy no one keeps (a launch worker's): its journal stays in memory
    # and nothing is synced; a crash loses the copy, which is thrown away after use anyway
    "DATABASE_SCRATCH": False,
    "BASE_URL": None,            # None → the in-process URL from mocks.default_peers()
    "PEERS": None,               # None → mocks.default_peers()
    "HTTP_SESSION": None,        # requests.Session for outbound calls; None → a plain one
    "FAULTS": [],                # fault rules active from the start
    "FAULT_SEED": None,          # seed of the probability rolls (None: unpredictable)
    "REQUEST_LOG_SIZE": 1000,
    "MAX_CONTENT_LENGTH": 512 * 1024 * 1024,
    "SECRET_KEY": None,          # None → a random key per app
}


@dataclass
class MockState:
    """What the base keeps on ``app.extensions["renkei"]``."""

    spec: MockSpec
    faults: FaultStore
    requests: RequestLog
    session: Session | None = None


class MockResponse(Response):
    """Flask's response, its Location taken as it is when converting it to a URI would not
    change it (every redirect of a launch: a URL of the mocks' own with an encoded query).

    werkzeug converts the Location of every response with ``iri_to_uri`` (split, quote each
    part, join), ~4% of an in-process launch's CPU; for a :data:`PLAIN_URL` that is the
    identity, so the headers are what werkzeug would send (test: tests/mocks/test_lean_routes).
    """

    def get_wsgi_headers(self, environ: dict[str, Any]) -> Headers:
        locations = self.headers.getlist("Location")
        status = self.status_code
        if (len(locations) != 1 or not PLAIN_URL.fullmatch(locations[0])
                or self.autocorrect_location_header or "Content-Location" in self.headers
                or status < 200 or status in (204, 304)):
            return super().get_wsgi_headers(environ)
        headers = Headers(self.headers)
        if (self.automatically_set_content_length and self.is_sequence
                and "Content-Length" not in headers):
            headers["Content-Length"] = str(sum(len(x) for x in self.iter_encoded()))
        return headers


class MockFlask(Flask):
    """Flask with :meth:`ensure_sync`'s answer kept per function.

    Flask asks ``inspect.iscoroutinefunction`` about every view, hook and handler on every
    request (about six times a request here); a rehearsal sends the mocks hundreds of
    thousands of requests. A function's answer cannot change, so it is kept (plain functions
    only: they are the app's own and few).
    """

    response_class = MockResponse

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict[types.FunctionType, Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if type(func) is not types.FunctionType:
            return super().ensure_sync(func)
        synced = self._synced.get(func)
        if synced is None:
            synced = self._synced[func] = super().ensure_sync(func)
        return synced


def create_mock_app(spec: MockSpec, config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app of one mock: state, admin, pages, faults and the vendor API,
    then the mock's own :attr:`MockSpec.init_app` hook.

    :param spec: what the mock is (:class:`MockSpec`).
    :param config: overrides of the defaults, e.g. ``{"DATABASE": ":memory:"}``.
    :raises FaultError: when ``FAULTS`` holds an unusable rule.
    """
    app = MockFlask(spec.import_name, instance_relative_config=True)
    app.config.from_mapping(BASE_DEFAULTS)
    app.config.from_mapping(spec.defaults)
    if config:
        app.config.from_mapping(config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if app.config["PEERS"] is None or app.config["BASE_URL"] is None:
        peers = app.config["PEERS"] or default_peers()
        app.config["PEERS"] = dict(peers)
        if app.config["BASE_URL"] is None:
            app.config["BASE_URL"] = peers.get(spec.name, f"http://{spec.name}.test")
    app.session_interface = KeptSerializerSessionInterface()
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    db.init_app(app, spec.name, spec.schema_sql)
    faults = FaultStore(spec.fault_kinds, seed=app.config["FAULT_SEED"])
    faults.add(list(app.config["FAULTS"] or []))
    state = MockState(spec=spec, faults=faults,
                      requests=RequestLog(int(app.config["REQUEST_LOG_SIZE"])))
    app.extensions["renkei"] = state

    app.register_blueprint(pages.bp)
    app.register_blueprint(admin.bp)
    for bp, url_prefix in spec.mounts():
        app.register_blueprint(bp, url_prefix=url_prefix)
    _register_errors(app, spec)
    lean = app.extensions["renkei_lean"] = LeanRoutes()
    app.wsgi_app = FaultMiddleware(  # type: ignore[method-assign]
        LeanDispatch(app, app.wsgi_app, lean), faults, state.requests, error_body=spec.fault_error,
        mock_name=spec.name)
    if spec.init_app is not None:
        spec.init_app(app)
    return app


def _register_errors(app: Flask, spec: MockSpec) -> None:
    """Errors as JSON (or the vendor's shape), never an HTML traceback."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if spec.error_response is not None and not request.path.startswith("/_admin"):
            return spec.error_response(exc)
        code = (exc.name or "error").replace(" ", "")
        code = code[:1].lower() + code[1:]
        resp = jsonify({"error": {"code": code, "message": exc.description}})
        resp.status_code = exc.code or 500
        if exc.code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            resp.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return resp

    @app.errorhandler(RequestException)
    def upstream(exc: RequestException) -> Any:
        # an outbound call to a peer failed (down, dropped, timed out): the peer's fault, so
        # 502 as a gateway answers, not the 500 of a bug
        url = getattr(exc.request, "url", None) or "a peer"
        log.warning("%s: outbound call to %s failed: %s", spec.name, url,
                    type(exc).__name__)
        return http_error(BadGateway(f"an outbound call to {url.split('?')[0]} failed "
                                     f"({type(exc).__name__})"))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        # a bug in the mock: log it for the developer, answer without leaking internals
        log.exception("%s: unhandled error on %s %s", spec.name, request.method, request.path)
        return http_error(InternalServerError("the mock failed unexpectedly; see its log"))


def take_fault(kind: str) -> Fault | None:
    """The mock-handled fault (``MockSpec.fault_kinds``) that hit this request, if any.

    The rule is matched (route, method, probability, count) and logged only now, when the view
    can apply it; the view then applies it.
    """
    return take_fault_in(request.environ, current_app, kind)


def http_session() -> Session:
    """The session for the mock's outbound calls (config ``HTTP_SESSION``, else a plain one)."""
    session: Session | None = current_app.config.get("HTTP_SESSION")
    if session is not None:
        return session
    state: MockState = current_app.extensions["renkei"]
    if state.session is None:
        state.session = Session()
    return state.session


__all__ = ["BASE_DEFAULTS", "FaultError", "MockFlask", "MockState", "create_mock_app",
           "http_session", "take_fault"]
