"""The six vendor systems a scenario runs against: in-process (default) or live on loopback.

In-process, each mock is its Flask app built by :func:`mocks.create_app` on a SQLite file in a
state folder; every HTTP call — the pipeline's, the harness's, the mocks' own (a tool fetching
lgate's JWKS) — goes through a ``requests.Session`` with :func:`harness.transport.mount_wsgi`,
so nothing above the transport differs from a live run. Another process builds its own systems
from :meth:`Vendors.spec` on copies of their databases (:meth:`Vendors.copy_state`, the
snapshot ``GET /_admin/state/export`` answers): that is how launches run in parallel across
processes (:mod:`scenarios.launches`).

Live, the mocks are real servers on 127.0.0.1 — started here (:meth:`Vendors.serve`, waitress
via :mod:`mocks.serve`) or already running (``renkei mock up``, :meth:`Vendors.live`) — and the
harness and the pipeline talk plain HTTP to them.
"""

from __future__ import annotations

import io
import json as jsonlib
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

import mocks
from harness.lti.browser import Browser, Page, RequestsTransport, WsgiTransport
from harness.lti.runner import Acceptance
from harness.transport import mount_wsgi, session_for, split_url
from mocks.base import close_app_db

#: the six systems, in port order: the mocks' registry
NAMES: tuple[str, ...] = tuple(mocks.MOCKS)
#: The mocks' password-hash cost for synthetic systems. Every password here is synthetic and
#: lives in a throwaway state folder, so a slow hash protects nothing, while at Tsukuba scale
#: the mocks' defaults (scrypt 2**8 in m365, PBKDF2 ×1000 in lgate) cost ~30 s of a rehearsal.
#: Passwords are still never stored in the clear. A caller's config overrides these.
SYNTHETIC_COSTS: dict[str, dict[str, Any]] = {
    "m365": {"PASSWORD_SCRYPT_N": 2 ** 4},
    "lgate": {"PASSWORD_HASH_ITERATIONS": 10},
}


def _with_costs(config: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {n: {**SYNTHETIC_COSTS.get(n, {}), **dict((config or {}).get(n, {}))} for n in NAMES}


class VendorError(RuntimeError):
    """A vendor system did not answer as the contract says (never carries a secret)."""


class _MixedTransport:
    """In-process for the mocks' hosts, real HTTP (loopback) for every other host."""

    def __init__(self, wsgi: WsgiTransport, hosts: set[str]) -> None:
        self.wsgi = wsgi
        self.hosts = hosts
        self._http: RequestsTransport | None = None

    def send(self, method: str, url: str, data: Mapping[str, str] | None) -> Page:
        parts = split_url(url)
        if parts.netloc in self.hosts:
            return self.wsgi.send(method, url, data, parts=parts)
        if self._http is None:
            self._http = RequestsTransport(timeout=30.0)
        return self._http.send(method, url, data)


@dataclass
class Vendors:
    """The running vendor systems and how to reach them.

    :param urls: {name: base URL}.
    :param apps: {name: Flask app} in-process; empty when live.
    :param state_dir: where in-process mocks keep their SQLite files.
    :param secret_key: the Flask SECRET_KEY of the in-process mocks (generated per run; a
        launch worker's own mocks are built with it too).
    """

    urls: dict[str, str]
    apps: dict[str, Any] = field(default_factory=dict)
    state_dir: Path | None = None
    secret_key: str = ""
    config: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: live servers this process started (``serve``); :meth:`close` stops them
    servers: Any = None
    #: the local CA the live servers' https certificates come from (``serve(tls=True)``)
    ca_file: Path | None = None
    _hosts: set[str] | None = field(default=None, init=False, repr=False, compare=False)
    #: the apps and the transport to them a new browser starts from (a copy, own cookies)
    _wsgi: tuple[tuple[Any, ...], WsgiTransport] | None = field(
        default=None, init=False, repr=False, compare=False)
    _session: requests.Session | None = None

    # --- construction ----------------------------------------------------------------------

    @classmethod
    def in_process(cls, state_dir: str | Path, *, secret_key: str | None = None,
                   config: Mapping[str, Mapping[str, Any]] | None = None) -> Vendors:
        """Build the six mock apps on SQLite files under ``state_dir`` (``<name>.sqlite3``: a
        file already there, such as a :meth:`copy_state` copy, is that mock's state).

        :param config: per-mock config overrides, e.g. ``{"tsubasa_book": {"REJECT_LAUNCHES":
            "licence server down"}}``.
        """
        missing = [n for n in NAMES if not mocks.is_available(n)]
        if missing:
            raise VendorError(f"mocks not available in this checkout: {', '.join(missing)}")
        state = Path(state_dir)
        state.mkdir(parents=True, exist_ok=True)
        urls = mocks.default_peers(live=False)
        key = secret_key or secrets.token_hex(16)
        session = requests.Session()  # the mocks' own outbound calls (JWKS fetches)
        conf = _with_costs(config)
        apps = {}
        for name in NAMES:
            apps[name] = mocks.create_app(name, {
                "DATABASE": str(state / f"{name}.sqlite3"), "BASE_URL": urls[name],
                "PEERS": dict(urls), "HTTP_SESSION": session, "SECRET_KEY": key,
                "TESTING": False, **conf[name],
            })
        mount_wsgi(session, {urls[n]: apps[n] for n in NAMES})
        return cls(urls=urls, apps=apps, state_dir=state, secret_key=key, config=conf)

    @classmethod
    def live(cls, urls: Mapping[str, str], *,
             config: Mapping[str, Mapping[str, Any]] | None = None,
             ca_file: str | Path | None = None) -> Vendors:
        """Talk to real servers at ``urls`` ({name: http(s)://127.0.0.1:port}).

        :param config: the config they were started with, when known (a vendor's own tools
            and their acceptance, from lgate's ``TOOLS``).
        :param ca_file: the CA to trust for https (``renkei mock up --tls`` prints it).
        """
        missing = [n for n in NAMES if n not in urls]
        if missing:
            raise VendorError(f"no URL for {', '.join(missing)}")
        return cls(urls=dict(urls), config=_with_costs(config),
                   ca_file=Path(ca_file) if ca_file else None)

    @classmethod
    def serve(cls, state_dir: str | Path, *, port_base: int = 0,
              config: Mapping[str, Mapping[str, Any]] | None = None,
              tls: bool = False) -> Vendors:
        """Start the six mocks as real servers on 127.0.0.1 in this process.

        :param port_base: 0 → free ports chosen by the OS; else port base + registry index.
        :param tls: serve https with a local CA made in ``<state_dir>/tls``.
        """
        from mocks.serve import MockServers, ServeError  # the servers: only when serving
        from mocks.tls import TlsError, ensure_tls

        Path(state_dir).mkdir(parents=True, exist_ok=True)
        try:
            files = ensure_tls(Path(state_dir) / "tls") if tls else None
            servers = MockServers(NAMES, port_base=port_base, state_dir=str(state_dir),
                                  config=_with_costs(config), tls=files).start()
        except (ServeError, TlsError) as exc:
            raise VendorError(str(exc)) from None
        return cls(urls=servers.urls, servers=servers, config=_with_costs(config),
                   ca_file=files.ca if files else None)

    def external_tools(self) -> list[str]:
        """The tools registered in lgate's ``TOOLS`` that are not renkei's mocks (a vendor's
        own tool, reached over real HTTP)."""
        tools = self.config.get("lgate", {}).get("TOOLS") or {}
        return [str(name) for name in tools if name not in NAMES]

    def acceptance(self, tool: str) -> Acceptance | None:
        """How ``tool``'s final page shows an accepted launch (its ``acceptance`` entry in
        lgate's ``TOOLS``), or None when only the HTTP status can be judged."""
        entry = (self.config.get("lgate", {}).get("TOOLS") or {}).get(tool) or {}
        raw = entry.get("acceptance") if isinstance(entry, Mapping) else None
        return None if raw is None else Acceptance.from_mapping(raw)

    @property
    def is_live(self) -> bool:
        return not self.apps

    def spec(self) -> dict[str, Any]:
        """Plain data another process needs to reach these systems (live) or to build its own
        in-process ones configured alike (see the module doc)."""
        return {"urls": self.urls, "secret_key": self.secret_key, "config": self.config,
                "ca_file": str(self.ca_file) if self.ca_file else None}

    # --- HTTP ------------------------------------------------------------------------------

    def session_factory(self) -> requests.Session:
        """A new session that reaches every system (the pipeline's ``session_factory``)."""
        session = session_for(str(self.ca_file) if self.ca_file else None)
        if self.apps:
            mount_wsgi(session, {self.urls[n]: self.apps[n] for n in NAMES})
        return session

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = self.session_factory()
        return self._session

    def browser(self) -> Browser:
        """A fresh scripted browser (own cookie jar) for one launch.

        In-process, the six mocks are reached through their WSGI apps and any other host (a
        vendor's own tool registered in lgate's ``TOOLS``) over real HTTP.
        """
        if self.apps:
            if self._hosts is None:  # (the systems' URLs do not change once built)
                self._hosts = {urlsplit(self.urls[n]).netloc for n in NAMES}
            apps = tuple(map(self.apps.__getitem__, NAMES))
            if self._wsgi is None or self._wsgi[0] != apps:
                self._wsgi = (apps, WsgiTransport({self.urls[n]: self.apps[n] for n in NAMES}))
            return Browser(_MixedTransport(self._wsgi[1].fresh(), self._hosts))
        return Browser(RequestsTransport(timeout=30.0, verify=str(self.ca_file)
                                         if self.ca_file else True))

    def call(self, name: str, method: str, path: str, *, json: Any = None,
             params: Mapping[str, Any] | None = None, ok: Iterable[int] = (200,)) -> Any:
        """Call ``path`` on system ``name`` and return its JSON (or text) body.

        :raises VendorError: on a connection error or a status not in ``ok``.
        """
        resp = self.send(name, method, path, json=json, params=params, ok=ok)
        if resp.headers.get("Content-Type", "").startswith("application/json"):
            return resp.json()
        return resp.text

    def send(self, name: str, method: str, path: str, *, ok: Iterable[int] = (200,),
             what: str = "", **kwargs: Any) -> requests.Response:
        """Send one request to system ``name`` and return the response as it came.

        :param what: names the call in errors instead of the path and the error body (for a
            call whose answer may hold a secret, such as the password file).
        :param kwargs: passed to :meth:`requests.Session.request` (``json``, ``data`` …).
        :raises VendorError: on a connection error or a status not in ``ok``.
        """
        label = f"{name}: {what or f'{method} {path}'}"
        try:
            resp = self.session.request(method, self.urls[name] + path, timeout=300, **kwargs)
        except requests.RequestException as exc:
            raise VendorError(f"{label} failed: {type(exc).__name__}") from None
        if resp.status_code not in set(ok):
            detail = "" if what else f": {resp.text[:300]}"
            raise VendorError(f"{label} answered {resp.status_code}{detail}")
        return resp

    # --- the admin surface every mock has (contract) -----------------------------------------

    def state(self, name: str) -> dict[str, Any]:
        return self.call(name, "GET", "/_admin/state")

    def reset(self, name: str) -> None:
        self.call(name, "POST", "/_admin/reset", ok=(200, 204))

    def seed(self, name: str, payload: Mapping[str, Any]) -> Any:
        return self.call(name, "POST", "/_admin/seed", json=dict(payload), ok=(200, 201))

    def add_faults(self, name: str, faults: list[dict[str, Any]]) -> Any:
        return self.call(name, "POST", "/_admin/faults", json=faults, ok=(200, 201))

    def clear_faults(self, name: str) -> None:
        self.call(name, "DELETE", "/_admin/faults", ok=(200, 204))

    def city(self) -> dict[str, Any]:
        """c4th's city as JSON (``City.to_json`` form)."""
        return self.call("c4th", "GET", "/_admin/city")

    def city_stream(self) -> dict[str, Any]:
        """c4th's city as :meth:`city` has it, but ``"students"`` is an iterator over the
        pupils, read line by line (``GET /_admin/city?format=ndjson``): iterate it once. At
        scale the whole city as one JSON document costs several times its size to parse."""
        body = io.BytesIO(self.send("c4th", "GET", "/_admin/city",
                                    params={"format": "ndjson"}).content)  # shares the bytes
        head = jsonlib.loads(body.readline())
        head["students"] = (jsonlib.loads(line) for line in body if line.strip())
        return head

    def event(self, event: str, **args: Any) -> Any:
        """Apply a life event in c4th (``enrol``, ``transfer_in``, ``transfer`` …)."""
        body = self.call("c4th", "POST", "/_admin/events",
                         json={"event": event, "args": {k: v for k, v in args.items()
                                                        if v is not None}})
        return body.get("result") if isinstance(body, dict) else body

    def password_file(self, *, only_new: bool = False) -> bytes:
        """The board's ID・初期パスワード file for the city's pupils (never logged)."""
        path = "/_admin/password-file" + ("?only=new" if only_new else "")
        return self.send("c4th", "GET", path, what="password file").content

    def copy_state(self, name: str, target: str | Path) -> Path:
        """System ``name``'s whole database as a SQLite file at ``target``: the consistent
        snapshot ``GET /_admin/state/export`` answers (:meth:`export_state`).

        In-process, SQLite's online backup copies it page by page from the mock's own file:
        at a large city's scale the drill app's database passes 500 MB, which the export would
        hold in this process's memory several times over. A mock built on the copy
        (:meth:`in_process` on a folder holding ``<name>.sqlite3``) starts with that state.
        """
        target = Path(target)
        if not self.apps:
            target.write_bytes(self.export_state(name))
            return target
        source = sqlite3.connect(f"file:{self.apps[name].config['DATABASE']}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target

    def export_state(self, name: str) -> bytes:
        """System ``name``'s whole state as one SQLite file (``GET /_admin/state/export``)."""
        return self.send(name, "GET", "/_admin/state/export").content

    def import_state(self, name: str, snapshot: bytes) -> None:
        """Replace system ``name``'s state with an :meth:`export_state` snapshot, at once."""
        self.send(name, "POST", "/_admin/state/import", data=snapshot,
                  headers={"Content-Type": "application/vnd.sqlite3"})

    def launch_rejection(self, tool: str) -> str | None:
        """The reason ``tool`` refuses every launch with, or None when it accepts them."""
        return self.call(tool, "GET", "/_admin/reject-launches")["reject_launches"]

    def reject_launches(self, tool: str, reason: str | None) -> None:
        """Make ``tool`` refuse every launch with ``reason`` (its licence server is down …),
        or accept them again with None (``/_admin/reject-launches``)."""
        if reason is None:
            self.call(tool, "DELETE", "/_admin/reject-launches")
        else:
            self.call(tool, "PUT", "/_admin/reject-launches", json={"reason": reason})

    def paged(self, name: str, path: str, key: str, *, limit: int = 1000) -> list[dict]:
        """Every record of a OneRoster read API collection (limit/offset paging)."""
        return [record for page in self.pages(name, path, key, limit=limit) for record in page]

    def pages(self, name: str, path: str, key: str, *, limit: int = 1000
              ) -> Iterator[list[dict]]:
        """A OneRoster read API collection page by page (limit/offset paging), for a reader
        that keeps only what it needs of each record."""
        offset = 0
        while True:
            body = self.call(name, "GET", path, params={"limit": limit, "offset": offset})
            page = body.get(key, []) if isinstance(body, dict) else []
            yield page
            if len(page) < limit:
                return
            offset += limit

    def close(self) -> None:
        for app in self.apps.values():
            close_app_db(app)
        if self._session is not None:
            self._session.close()
            self._session = None
        if self.servers is not None:
            self.servers.stop()
            self.servers = None
