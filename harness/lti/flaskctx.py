"""Flask's current app context read straight from its context variable.

``current_app`` and ``g`` are werkzeug proxies: each use looks the context up again through
a chain of Python descriptors (several µs a use under load), and a launch's four requests
used them a few dozen times (the database connection, the platform state, cookie limits).
"""

from __future__ import annotations

from flask import Flask, g
from flask.ctx import AppContext
from flask.globals import _cv_app


def app_context() -> AppContext:
    """The current app context; outside one, the proxies' ``RuntimeError``."""
    ctx = _cv_app.get(None)
    if ctx is None:
        return g._get_current_object()  # type: ignore[no-any-return]  # raises RuntimeError
    return ctx


def current_flask_app() -> Flask | None:
    """``current_app`` itself, or None outside an app context (``bool(current_app)``)."""
    ctx = _cv_app.get(None)
    return None if ctx is None else ctx.app
