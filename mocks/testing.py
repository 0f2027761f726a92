"""In-process mock apps for tests and the scenario runner (no pytest needed).

::

    apps = make_mocks(["c4th", "lgate", "m365"])
    session = session_for(apps)                # requests → the apps, no sockets
    session.get("http://c4th.test/oneroster/export")
    browser_for(apps).go("GET", "http://lgate.test/launch?user=<umi>&tool=tsubasa_book")

Every app's ``HTTP_SESSION`` is mounted on all the apps made together, so a tool fetching
lgate's JWKS reaches lgate in-process.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import requests

from harness.transport import mount_wsgi
from mocks import MOCKS, available, create_app, default_peers, info

if TYPE_CHECKING:
    from flask import Flask

    from harness.lti.browser import Browser


def make_mocks(names: Iterable[str] | None = None, *, peers: Mapping[str, str] | None = None,
               database: str = ":memory:", config: Mapping[str, Mapping[str, Any]] | None = None,
               state_dir: str | None = None) -> dict[str, Flask]:
    """Build in-process apps for ``names`` (default: every mock present), wired to each other.

    :param names: mock names; None → :func:`mocks.available`.
    :param peers: {name: base URL}; default the in-process URLs (``http://lgate.test``…).
    :param database: the DATABASE of every app (``:memory:`` by default).
    :param config: per-mock config overrides, ``{"m365": {"THROTTLE": {...}}}``.
    :param state_dir: when given, each app's database is ``<state_dir>/<name>.sqlite``.
    """
    chosen = list(names) if names is not None else available()
    for name in chosen:
        info(name)
    peer_urls = dict(peers or default_peers())
    apps: dict[str, Flask] = {}
    sessions: list[requests.Session] = []
    for name in chosen:
        session = requests.Session()
        sessions.append(session)
        cfg: dict[str, Any] = {
            "DATABASE": f"{state_dir}/{name}.sqlite" if state_dir else database,
            "BASE_URL": peer_urls[name], "PEERS": peer_urls, "HTTP_SESSION": session,
        }
        cfg.update((config or {}).get(name, {}))
        apps[name] = create_app(name, cfg)
    by_url = {peer_urls[name]: app for name, app in apps.items()}
    for session in sessions:
        mount_wsgi(session, by_url)
    return apps


def session_for(apps: Mapping[str, Flask], session: requests.Session | None = None
                ) -> requests.Session:
    """A ``requests.Session`` whose calls to the apps' base URLs go to them in-process."""
    session = session or requests.Session()
    return mount_wsgi(session, {app.config["BASE_URL"]: app for app in apps.values()})


def browser_for(apps: Mapping[str, Flask]) -> Browser:
    """A scripted browser whose requests go to the apps in-process (fresh cookies)."""
    from harness.lti.browser import Browser, WsgiTransport

    return Browser(WsgiTransport({app.config["BASE_URL"]: app for app in apps.values()}))


def base_urls(apps: Mapping[str, Flask]) -> dict[str, str]:
    """{name: base URL} of the apps."""
    return {name: app.config["BASE_URL"] for name, app in apps.items()}


__all__ = ["MOCKS", "base_urls", "browser_for", "make_mocks", "session_for"]
