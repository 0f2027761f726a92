"""MockFlask keeps Flask's ensure_sync answer per plain function, and nothing else changes."""

from __future__ import annotations

import pytest
from flask import Flask

from mocks.base import MockFlask


def test_ensure_sync_is_kept_per_function() -> None:
    app = MockFlask(__name__)

    def view() -> str:
        return "ok"

    assert app.ensure_sync(view) is view
    assert app._synced == {view: view}
    assert app.ensure_sync(view) is view

    async def async_view() -> str:
        return "ok"

    try:
        flask_says = Flask(__name__).ensure_sync(async_view)
    except RuntimeError:  # Flask's answer without its async extra: the same refusal
        with pytest.raises(RuntimeError):
            app.ensure_sync(async_view)
    else:
        assert flask_says is not async_view and app.ensure_sync(async_view) is not async_view


def test_hooks_and_views_run_as_in_flask() -> None:
    app = MockFlask(__name__)
    seen: list[str] = []
    app.before_request(lambda: seen.append("before"))

    @app.after_request
    def after(resp):  # noqa: ANN001, ANN202
        seen.append("after")
        return resp

    @app.get("/")
    def index() -> str:
        return "hello"

    client = app.test_client()
    assert client.get("/").text == "hello" and client.get("/").text == "hello"
    assert seen == ["before", "after"] * 2
