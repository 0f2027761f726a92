"""harness.lti.flaskctx reads Flask's current app context as ``current_app`` and ``g`` do."""

from __future__ import annotations

import pytest
from flask import Flask, current_app, g

from harness.lti.flaskctx import app_context, current_flask_app


def test_the_context_and_app_are_the_proxies_own() -> None:
    app, other = Flask("one"), Flask("two")
    assert current_flask_app() is None
    with pytest.raises(RuntimeError, match="application context"):
        app_context()
    with app.app_context():
        g.mark = "one"
        assert current_flask_app() is current_app._get_current_object() is app
        with other.app_context():
            assert current_flask_app() is other and not hasattr(app_context().g, "mark")
        assert app_context().g.mark == "one"
    assert current_flask_app() is None
