"""Lean routes: a mock's hottest views served below Flask's request machinery.

A rehearsal's launches send each of four views (a tool's ``/lti/login`` and ``/lti/launch``,
lgate's ``/launch`` and ``/lti/auth``) one request per launch, hundreds of thousands at a
large city's scale; Flask's own handling of a request (request context, URL matching, session
open and save, response finalising, teardown) cost about as much as the views' work. A lean
route is a view written once against a :class:`Call` (the werkzeug request, the session, the
request's fault store) instead of Flask's globals, and served two ways:

- :class:`LeanDispatch`, a WSGI layer inside the mock's fault middleware and in front of the
  Flask app, answers ``(method, path)`` pairs of its lean routes itself: the app context only
  (``g``, the database connection, ``current_app``), the app's own request and response
  classes, its session interface, and its error handlers for anything the view raises;
- the Flask route at the same path calls the same view through :func:`flask_call` (the
  route stays in the URL map: 405s, HEAD, ``url_for`` and the OpenAPI stay Flask's).

A lean route's request is the app's request class reading its query string, urlencoded body
and cookies straight from the environ (:class:`LeanRequestMixin`: the same values, parsed
with less work); a view that answers with a :class:`harness.lti.reply.Reply` (the launch
hops do) has its status, headers and body sent as they are, the session saved on it by the
app's session interface, without a werkzeug Response made and taken apart again.

In-process (harness.transport) and live (waitress) go through the same WSGI stack, so both
take the lean path. What Flask would do around a view and a lean view does not — the app's
``before_request`` and ``after_request`` hooks — a lean route names as covered
(``covers``): it does that work itself; a hook it does not cover makes the first request
fail loudly instead of being skipped. Flask's ``request_started`` / ``request_finished``
signals are not sent for a lean route (nothing in renkei listens to them); its app context
is pushed and popped without Flask's ``AppContext.push``/``pop`` around it, the same context
and teardown functions, and the app-context signals sent only when something listens.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from contextvars import Token
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from flask import Flask, Request, Response, current_app, request, session
from flask.ctx import AppContext
from flask.globals import _cv_app
from flask.sessions import SessionMixin
from flask.signals import appcontext_popped, appcontext_pushed, appcontext_tearing_down
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_cookie
from werkzeug.utils import cached_property

from harness.lti.reply import Reply
from mocks.base.faults import Fault, FaultStore
from mocks.base.middleware import FAULTS_KEY, RECORD_KEY, WsgiApp, note_fault

#: what a lean view returns: anything a Flask view may return
LeanView = Callable[["Call"], Any]


class Call:
    """One request as a lean view sees it, whichever way it came in.

    :param app: the mock's Flask app (its config and extensions).
    :param request: the request (the app's request class).
    :param open_session: gives the session when the view first asks for it.
    """

    __slots__ = ("_open_session", "_session", "app", "request")

    def __init__(self, app: Flask, request: Request,
                 open_session: Callable[[], SessionMixin]) -> None:
        self.app = app
        self.request = request
        self._open_session = open_session
        self._session: SessionMixin | None = None

    @property
    def session(self) -> SessionMixin:
        """The mock's cookie session (opened on first use); marked accessed, as Flask's
        request context marks it (its answer then varies with the cookie)."""
        if self._session is None:
            self._session = self._open_session()
        self._session.accessed = True
        return self._session

    @property
    def session_opened(self) -> SessionMixin | None:
        return self._session

    def params(self) -> dict[str, str]:
        """``request.values.to_dict()``: the first value of each query and (but for a GET)
        form field; a GET's from its query alone (all werkzeug's ``values`` then holds),
        without building the combined view to read it."""
        req = self.request
        if req.method == "GET":
            return req.args.to_dict()
        return req.values.to_dict()

    def take_fault(self, kind: str) -> Fault | None:
        """The mock-handled fault ``kind`` that hits this request, if any (see
        :func:`mocks.base.take_fault`)."""
        return take_fault_in(self.request.environ, self.app, kind)

    def wants_json(self) -> bool:
        """The client asked for JSON first (an API client, not a browser)."""
        if not self.request.environ.get("HTTP_ACCEPT"):
            return False  # no Accept (the in-process browser's): werkzeug's best is None
        return self.request.accept_mimetypes.best == "application/json"


def take_fault_in(environ: dict[str, Any], app: Flask, kind: str) -> Fault | None:
    """The fault rule of ``kind`` that hits the request in ``environ`` (route, method,
    probability, count), noted in its request log entry; None outside the fault middleware
    (e.g. a ``$batch`` sub-request)."""
    store: FaultStore | None = environ.get(FAULTS_KEY)
    if store is None:
        return None
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
    fault = store.pick(method, path, kinds=(kind,))
    if fault is not None:
        note_fault(environ[RECORD_KEY], fault, app.extensions["renkei"].spec.name, method, path)
    return fault


#: the one form body a lean request parses itself (what browsers and requests send)
FORM_URLENCODED = "application/x-www-form-urlencoded"


def parse_query(text: str) -> list[tuple[str, str]]:
    """``parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")``, as werkzeug
    reads a query string or a urlencoded body, with each name and value unquoted only when it
    holds a ``%`` or ``+`` (a launch's parameters are mostly plain: tokens, ids, states)."""
    items = []
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "%" in name or "+" in name:
            name = unquote(name.replace("+", " "), "utf-8", "werkzeug.url_quote")
        if "%" in value or "+" in value:
            value = unquote(value.replace("+", " "), "utf-8", "werkzeug.url_quote")
        items.append((name, value))
    return items


class LeanRequestMixin:
    """The app's request class with a lean route's inputs read straight from the environ:
    the query string and a urlencoded body parsed by :func:`parse_query`, the cookies from
    ``HTTP_COOKIE`` (werkzeug's own parser). Same values as werkzeug's properties; a body of
    any other kind, or over the content length limit, is werkzeug's to parse (or refuse)."""

    environ: dict[str, Any]
    query_string: bytes
    parameter_storage_class: type[MultiDict[str, str]]
    dict_storage_class: type[MultiDict[str, str]]
    max_content_length: int | None

    @cached_property
    def args(self) -> MultiDict[str, str]:
        if not self.query_string:
            return self.parameter_storage_class()
        return self.parameter_storage_class(parse_query(self.query_string.decode()))

    @cached_property
    def cookies(self) -> MultiDict[str, str]:
        return parse_cookie(self.environ.get("HTTP_COOKIE"), cls=self.dict_storage_class)

    def _load_form_data(self) -> None:
        environ = self.environ
        length = environ.get("CONTENT_LENGTH", "")
        if (not environ.get("CONTENT_TYPE") and length in ("", "0") and "form" not in self.__dict__
                and not environ.get("wsgi.input_terminated")):
            # no body (a GET): werkzeug's empty form and files; the stream stays its own to
            # make when asked (an empty one, as werkzeug would have made here)
            d = self.__dict__
            d["form"], d["files"] = self.parameter_storage_class(), self.parameter_storage_class()
            return
        limit = self.max_content_length
        if ("form" in self.__dict__ or environ.get("CONTENT_TYPE") != FORM_URLENCODED
                or not length.isdigit() or environ.get("wsgi.input_terminated")
                or (limit is not None and int(length) > limit)):  # werkzeug refuses it (413)
            super()._load_form_data()  # type: ignore[misc]
            return
        body = environ["wsgi.input"].read(int(length)) if int(length) else b""
        try:
            form = self.parameter_storage_class(parse_query(body.decode()))
        except ValueError:  # not UTF-8: werkzeug's parser gives an empty form too
            form = self.parameter_storage_class()
        d = self.__dict__
        d["stream"], d["form"], d["files"] = io.BytesIO(), form, self.parameter_storage_class()


def lean_request_class(base: type[Request]) -> type[Request]:
    """``base`` (an app's request class) reading its inputs as :class:`LeanRequestMixin`."""
    return type("Lean" + base.__name__, (LeanRequestMixin, base), {})


def flask_call() -> Call:
    """The current Flask request as a :class:`Call` (a Flask route serving a lean view)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    return Call(app, req, lambda: session._get_current_object())  # type: ignore[attr-defined]


@dataclass
class LeanRoute:
    view: LeanView
    methods: frozenset[str]
    #: the app hooks (before_request / after_request functions) the view does itself
    covers: tuple[Callable[..., Any], ...] = ()


@dataclass
class LeanRoutes:
    """The lean routes of one app: ``view function of a Flask route → lean view``."""

    routes: dict[Callable[..., Any], LeanRoute] = field(default_factory=dict)
    enabled: bool = True

    def add(self, flask_view: Callable[..., Any], view: LeanView, methods: Sequence[str],
            covers: Iterable[Callable[..., Any]] = ()) -> None:
        """Serve ``flask_view``'s route(s) with ``view`` for ``methods`` (a subset of the
        route's own methods, never HEAD or OPTIONS: Flask answers those)."""
        self.routes[flask_view] = LeanRoute(view, frozenset(m.upper() for m in methods),
                                            tuple(covers))


def lean_routes(app: Flask) -> LeanRoutes:
    """The app's :class:`LeanRoutes` (created by :func:`mocks.base.create_mock_app`)."""
    routes: LeanRoutes = app.extensions["renkei_lean"]
    return routes


class LeanDispatch:
    """WSGI: answer the app's lean routes below Flask, pass everything else to ``wsgi``."""

    def __init__(self, app: Flask, wsgi: WsgiApp, routes: LeanRoutes) -> None:
        self.app = app
        self.wsgi = wsgi
        self.routes = routes
        self._table: dict[tuple[str, str], LeanRoute] | None = None
        self._request_class: tuple[type[Request], type[Request]] | None = None

    def request_class(self) -> type[Request]:
        """The app's request class as :func:`lean_request_class` (made once per class)."""
        kept, base = self._request_class, self.app.request_class
        if kept is None or kept[0] is not base:
            kept = self._request_class = (base, lean_request_class(base))
        return kept[1]

    def table(self) -> dict[tuple[str, str], LeanRoute]:
        """``(method, path) → lean route``, from the app's URL map (built at first use, once
        every blueprint and hook is registered)."""
        if self._table is None:
            table: dict[tuple[str, str], LeanRoute] = {}
            views: dict[str, Callable[..., Any]] = dict(self.app.view_functions)
            for rule in self.app.url_map.iter_rules():
                view = views.get(rule.endpoint)
                lean = None if view is None else self.routes.routes.get(view)
                if lean is None:
                    continue
                if rule.arguments or rule.host or rule.subdomain:
                    raise ValueError(f"lean route {rule.rule!r} has arguments or a host")
                for method in lean.methods & set(rule.methods or ()):
                    table[(method, rule.rule)] = lean
            self._check_hooks(table.values())
            self._table = table
        return self._table

    def _check_hooks(self, leans: Iterable[LeanRoute]) -> None:
        hooks = [*self.app.before_request_funcs.get(None, ()),
                 *self.app.after_request_funcs.get(None, ())]
        for lean in leans:
            missed = [h for h in hooks if h not in lean.covers]
            if missed:
                raise RuntimeError(f"lean view {lean.view.__qualname__} skips the app hooks "
                                   f"{[h.__qualname__ for h in missed]}")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        lean = None
        if self.routes.enabled:
            lean = self.table().get((environ.get("REQUEST_METHOD", "GET"),
                                     environ.get("PATH_INFO", "/")))
        if lean is None:
            return self.wsgi(environ, start_response)
        return send(self.serve(lean, environ), environ, start_response)

    def serve(self, lean: LeanRoute, environ: dict[str, Any]) -> Response | Reply:
        """Run ``lean`` as Flask would run its route: in the app context, the response made
        by the app, the session saved by its interface, errors to its error handlers."""
        app = self.app
        top = _cv_app.get(None)
        pushed = None if top is not None and top.app is app else push_app_context(app)
        error: BaseException | None = None
        try:
            req = self.request_class()(environ)
            call = Call(app, req, lambda: _open_session(app, req))
            try:
                answer = lean.view(call)
                response = answer if type(answer) is Reply else app.make_response(answer)
                opened = call.session_opened
                if opened is not None and not app.session_interface.is_null_session(opened):
                    # a Reply takes a session's cookie and Vary as a Response does
                    app.session_interface.save_session(app, opened, response)  # type: ignore[arg-type]
            except Exception as exc:  # the app's error handlers answer, as for a Flask route
                with app.request_context(environ):
                    response = app.finalize_request(app.handle_user_exception(exc),
                                                    from_error_handler=True)
            return response
        except BaseException as exc:
            error = exc
            raise
        finally:
            # what Flask does when a request context ends: the request no longer in its
            # environ, so no request <-> environ cycle is left to the cyclic collector (four
            # a launch, with their parsed inputs and bodies: ~59 objects of cyclic garbage)
            if "werkzeug.request" in environ:
                environ["werkzeug.request"] = None
            if pushed is not None:
                pop_app_context(app, pushed, error)


def push_app_context(app: Flask) -> Token[AppContext]:
    """``app.app_context().push()`` for one lean request: the context (``g``,
    ``current_app``) made current; ``appcontext_pushed`` sent only when something listens
    (blinker's ``send`` costs a few µs even to nobody, four times a launch)."""
    ctx = AppContext(app)
    token = _cv_app.set(ctx)
    if appcontext_pushed.receivers:
        appcontext_pushed.send(app, _async_wrapper=app.ensure_sync)
    return token


def pop_app_context(app: Flask, token: Token[AppContext], error: BaseException | None
                    ) -> None:
    """``AppContext.pop(error)`` of :func:`push_app_context`'s context: the app's teardown
    functions (its database connection given back), then the context reset; the teardown
    and pop signals sent only when something listens."""
    try:
        for func in reversed(app.teardown_appcontext_funcs):
            app.ensure_sync(func)(error)
        if appcontext_tearing_down.receivers:
            appcontext_tearing_down.send(app, _async_wrapper=app.ensure_sync, exc=error)
    finally:
        _cv_app.reset(token)
    if appcontext_popped.receivers:
        appcontext_popped.send(app, _async_wrapper=app.ensure_sync)


def send(response: Response | Reply, environ: dict[str, Any],
         start_response: Callable[..., Any]) -> Iterable[bytes]:
    """``response(environ, start_response)``: a :class:`Reply` is sent as it is; a body of
    bytes held in a list (what a view's text or a redirect gives) that nothing waits to close
    is sent as that list, without werkzeug's encoding generator and closing iterator around
    it (same status, headers and bytes); anything else is werkzeug's to send."""
    if type(response) is Reply:
        return response(environ, start_response)
    assert isinstance(response, Response)
    body = response.response
    status = response.status_code
    if (type(body) is not list or response.direct_passthrough or response._on_close
            or environ.get("REQUEST_METHOD") == "HEAD" or status < 200 or status in (204, 304)
            or not all(type(chunk) is bytes for chunk in body)):
        return response(environ, start_response)
    headers = response.get_wsgi_headers(environ)
    start_response(response.status, headers.to_wsgi_list())
    return body


def _open_session(app: Flask, req: Request) -> SessionMixin:
    opened = app.session_interface.open_session(app, req)
    return opened if opened is not None else app.session_interface.make_null_session(app)


__all__ = ["Call", "LeanDispatch", "LeanRoutes", "flask_call", "lean_routes", "take_fault_in"]
