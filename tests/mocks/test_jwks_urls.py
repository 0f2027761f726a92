"""Every JWKS URL a mock advertises answers with a key set (issue 21: lgate advertised
``/lti/.well-known/jwks.json`` and answered it with 500)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from mocks import MOCKS, available
from scenarios.vendors import Vendors

_JWKS_PATH = re.compile(r"/[\w./-]*jwks[\w./-]*")


def _docstring_paths(name: str) -> set[str]:
    """JWKS paths named in the mock package's docstrings (its modules' and their objects')."""
    package = importlib.import_module(MOCKS[name].module)
    modules = [package] + [importlib.import_module(m.name) for m in
                           pkgutil.iter_modules(package.__path__, package.__name__ + ".")]
    text = []
    for module in modules:
        text.append(module.__doc__ or "")
        text.extend(getattr(obj, "__doc__", "") or "" for obj in vars(module).values()
                    if callable(obj) and getattr(obj, "__module__", "") == module.__name__)
    return {m.rstrip(".") for m in _JWKS_PATH.findall("\n".join(text))
            if "." not in m.rsplit("/", 1)[-1] or m.endswith(".json")}


def _urls_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_urls_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_urls_in(v) for v in value)) if value else set()
    if isinstance(value, str) and value.startswith("http") and "jwks" in value:
        return {value}
    return set()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    vendors = Vendors.in_process(tmp_path_factory.mktemp("jwks-world"))
    yield vendors
    vendors.close()


def _advertised(vendors: Vendors, name: str) -> set[str]:
    base = vendors.urls[name]
    paths = {p for p in vendors.call(name, "GET", "/openapi.json")["paths"] if "jwks" in p}
    index = vendors.call(name, "GET", "/")
    paths |= set(_JWKS_PATH.findall(index))
    lgate_prefix = "/lti" if name == "lgate" else ""
    for doc_path in _docstring_paths(name):
        # lgate's docstrings name its /lti routes as the blueprint sees them at times
        paths.add(doc_path if doc_path.startswith("/lti") else lgate_prefix + doc_path)
    urls = {base + p for p in paths}
    urls |= {u for u in _urls_in(vendors.state(name))}
    return urls


@pytest.mark.parametrize("name", [n for n in MOCKS if n in available()])
def test_every_advertised_jwks_url_answers_a_key_set(world, name):
    urls = _advertised(world, name)
    if name in ("lgate", "interactive_study", "tsubasa_book", "mirai_school"):
        assert urls, f"{name} advertises no JWKS URL"
    session = world.session
    for url in sorted(urls):
        host = {urlsplit(world.urls[n]).netloc for n in MOCKS}
        assert urlsplit(url).netloc in host, url
        resp = session.get(url, timeout=30)
        assert resp.status_code == 200, (url, resp.status_code, resp.text[:200])
        keys = resp.json()["keys"]
        assert keys and all(k.get("kty") == "RSA" and "d" not in k for k in keys), url
        assert "max-age=" in resp.headers.get("Cache-Control", ""), url


def test_lgate_advertises_its_well_known_jwks_url(world):
    assert world.urls["lgate"] + "/lti/.well-known/jwks.json" in _advertised(world, "lgate")
