"""Every mock's package reads the same way (issue 19, "every mock the same shape").

``__init__.py`` holds the :class:`~mocks.base.MockSpec` and a ``create_app`` that goes through
:func:`~mocks.base.create_mock_app`; the mock's own ``/_admin`` routes live in an ``admin``
module and nowhere else; every route of the app comes from the base or from a blueprint the
spec lists (none is added by a side-effect import or by hand after the factory).
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest
from flask import Blueprint, Flask
from werkzeug.routing import Rule

from mocks import available, create_app, info
from mocks.base import MockSpec, pages
from mocks.base import admin as base_admin

NAMES = available()


def _package(name: str) -> ModuleType:
    return importlib.import_module(info(name).module)


def _app(name: str) -> Flask:
    return create_app(name, {"DATABASE": ":memory:"})


def _blueprint_of(app: Flask, endpoint: str) -> Blueprint | None:
    name = endpoint.rpartition(".")[0]
    return app.blueprints.get(name) if name else None


def _rules(app: Flask) -> list[Rule]:
    """The app's routes but Flask's own ``/static`` (every Flask app has it; a mock has no
    static folder, so it answers 404)."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def _admin_module(name: str, spec: MockSpec) -> ModuleType:
    """The mock's own ``admin.py``; a textbook product, which is only data on the tool family
    (:mod:`mocks.lti_tool.textbook`), has the family's."""
    try:
        return importlib.import_module(f"{info(name).module}.admin")
    except ModuleNotFoundError:
        family = {bp.import_name for bp, _ in spec.mounts() if bp.import_name.endswith(".admin")}
        assert len(family) == 1, f"{name} has no admin.py and no shared admin module"
        return importlib.import_module(family.pop())


@pytest.mark.parametrize("name", NAMES)
def test_create_app_goes_through_create_mock_app(name: str) -> None:
    package = _package(name)
    assert isinstance(package.SPEC, MockSpec) and package.SPEC.name == name
    assert "create_mock_app" in package.create_app.__code__.co_names
    assert _app(name).extensions["renkei"].spec is package.SPEC


@pytest.mark.parametrize("name", NAMES)
def test_every_route_comes_from_the_base_or_the_spec(name: str) -> None:
    app = _app(name)
    allowed = {pages.bp.name, base_admin.bp.name} | {bp.name for bp, _ in
                                                      app.extensions["renkei"].spec.mounts()}
    stray = sorted(f"{rule.rule} ({rule.endpoint})" for rule in _rules(app)
                   if (bp := _blueprint_of(app, rule.endpoint)) is None or bp.name not in allowed)
    assert not stray, f"{name} serves routes outside its spec's blueprints: {stray}"


@pytest.mark.parametrize("name", NAMES)
def test_admin_routes_live_in_admin_modules(name: str) -> None:
    app = _app(name)
    for rule in _rules(app):
        bp = _blueprint_of(app, rule.endpoint)
        assert bp is not None
        in_admin_module = bp.import_name.rpartition(".")[2] == "admin"
        assert rule.rule.startswith("/_admin/") == in_admin_module, (
            f"{name}: {rule.rule} is served by {bp.import_name}")


@pytest.mark.parametrize("name", NAMES)
def test_each_mock_has_an_admin_module(name: str) -> None:
    spec = _package(name).SPEC
    module = _admin_module(name, spec)
    mounted = {bp for bp, _ in spec.mounts()}
    for value in vars(module).values():
        if isinstance(value, Blueprint) and value.import_name == module.__name__:
            assert value.url_prefix == "/_admin", f"{module.__name__}: {value.name}"
            assert value in mounted, f"{module.__name__}.{value.name} is not in {name}'s spec"
