"""Fixtures for the mock tests: each test gets its own apps on their own databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from mocks import create_app

MakeMock = Callable[..., Flask]


@pytest.fixture
def make_mock() -> MakeMock:
    """``make_mock("m365", THROTTLE={...})``: a fresh app on a ``:memory:`` database."""

    def make(name: str, **config: Any) -> Flask:
        config.setdefault("DATABASE", ":memory:")
        app = create_app(name, config)
        app.testing = True
        return app

    return make
