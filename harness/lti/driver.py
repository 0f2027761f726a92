"""Drive launches of a platform under certification: the launch trigger of ``platform.toml``
(a URL a browser opens, or a command), one fresh launch per case through renkei's own
:class:`~harness.lti.browser.Browser`, and the tampered authentication requests of
:mod:`harness.lti.auth_cases`.

Network: the browser talks to the platform and to renkei's tool (on 127.0.0.1). A walk for an
attack case never leaves the hosts it was given: a platform that sends the browser (and its
id_token) elsewhere is recorded and stopped there.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from harness.lti.auth_cases import AuthAnswer, AuthCase, Delivery, token_in_page
from harness.lti.browser import Browser, Page, RequestsTransport, Transport
from harness.lti.http import HttpError

#: the kinds of launch a trigger starts
RESOURCE, DEEP_LINK = "resource", "deep_link"


class TriggerError(ValueError):
    """platform.toml's trigger settings are unusable; the message names the key."""


@dataclass
class Trigger:
    """How renkei starts a launch on the platform by itself.

    :param launch_url: opening it in a browser starts an LtiResourceLinkRequest launch.
    :param deep_link_url: the same for an LtiDeepLinkingRequest.
    :param headers: sent with every request to the platform (a logged-in session).
    :param cookies: the same, as cookies on the platform's hosts.
    :param command: run once per launch (``RENKEI_LAUNCH_KIND`` is ``resource`` or
        ``deep_link``); when its last line of output is a URL, renkei's browser opens it,
        otherwise the command is expected to have started the launch in a browser of its own.
    """

    launch_url: str | None = None
    deep_link_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    command: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_config(cls, plat: Mapping[str, Any]) -> Trigger | None:
        """The trigger of a ``[platform]`` table (None when it has none)."""
        urls = {}
        for key in ("launch_url", "deep_link_url"):
            value = plat.get(key)
            if value is None:
                continue
            if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
                raise TriggerError(f"[platform] {key} must be an http(s) URL")
            urls[key] = value
        command = plat.get("launch_command")
        if command is not None and (not isinstance(command, str) or not shlex.split(command)):
            raise TriggerError("[platform] launch_command must be a non-empty string")
        session = plat.get("session", {})
        if not isinstance(session, Mapping):
            raise TriggerError("[platform.session] must be a table")
        maps: dict[str, dict[str, str]] = {}
        for key in ("headers", "cookies"):
            value = session.get(key, {})
            if not isinstance(value, Mapping) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                raise TriggerError(f"[platform.session] {key} must be a table of strings")
            maps[key] = dict(value)
        if not urls and command is None:
            return None
        return cls(urls.get("launch_url"), urls.get("deep_link_url"), maps["headers"],
                   maps["cookies"], command)

    def can(self, kind: str) -> bool:
        if self.command:
            return True
        return bool(self.launch_url if kind == RESOURCE else self.deep_link_url)

    def hosts(self) -> set[str]:
        return {urlsplit(u).netloc for u in (self.launch_url, self.deep_link_url) if u}

    def __repr__(self) -> str:  # headers and cookies hold session credentials
        return (f"Trigger(launch_url={self.launch_url!r}, deep_link_url={self.deep_link_url!r}, "
                f"command={'set' if self.command else None})")


class _Stop(Exception):
    """Ends a walk on purpose (an id_token about to be posted, or another host)."""


class _Guarded:
    """A transport that refuses hosts outside ``allowed`` (the walk stops there)."""

    def __init__(self, inner: Transport, allowed: set[str], seen: list[str]) -> None:
        self.inner, self.allowed, self.seen = inner, allowed, seen

    def send(self, method: str, url: str, data: Mapping[str, str] | None) -> Page:
        if urlsplit(url).netloc not in self.allowed:
            self.seen.append(url)
            raise _Stop(url)
        return self.inner.send(method, url, data)


@dataclass
class Driver:
    """Starts launches for one certification run.

    :param tool_app: renkei's tool app (``create_tool_app``); its log shows arrived launches.
    :param tool_base: where that app is served.
    :param platform_hosts: netlocs of the platform (auth endpoint, trigger URLs).
    """

    trigger: Trigger
    tool_app: Any
    tool_base: str
    platform_hosts: set[str]
    transport_factory: Callable[[], Any] | None = None
    #: every host an untampered launch walked through
    walked: set[str] = field(default_factory=set)
    #: where the last launch's browser walk ended (for a launch that never arrived)
    stopped_at: str = "launch_command"

    def _transport(self) -> Any:
        if self.transport_factory is not None:
            return self.transport_factory()
        t = RequestsTransport(timeout=self.trigger.timeout)
        t.session.headers.update(self.trigger.headers)
        for host in self.trigger.hosts() | self.platform_hosts:
            for name, value in self.trigger.cookies.items():
                t.session.cookies.set(name, value, domain=urlsplit("//" + host).hostname)
        return t

    @property
    def log(self) -> list[dict[str, Any]]:
        return self.tool_app.extensions["renkei_lti_tool_log"]

    def _start_url(self, kind: str) -> str | None:
        """The URL renkei's browser opens for ``kind``; None when a command launched by
        itself (raises :class:`HttpError` when the command failed)."""
        if self.trigger.command:
            env = {**os.environ, "RENKEI_LAUNCH_KIND": kind, "RENKEI_TOOL_URL": self.tool_base}
            try:
                done = subprocess.run(shlex.split(self.trigger.command), env=env,
                                      capture_output=True, text=True,
                                      timeout=self.trigger.timeout, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise HttpError(f"launch_command failed: {type(exc).__name__}") from None
            if done.returncode != 0:
                raise HttpError(f"launch_command exited with {done.returncode}")
            lines = done.stdout.strip().splitlines()
            last = lines[-1].strip() if lines else ""
            return last if urlsplit(last).scheme in ("http", "https") else None
        return self.trigger.launch_url if kind == RESOURCE else self.trigger.deep_link_url

    def launch(self, kind: str) -> dict[str, Any] | None:
        """One full launch of ``kind``; the tool's log entry for it, or None when none came."""
        before = len(self.log)
        url = self._start_url(kind)
        if url is not None:
            browser = Browser(self._transport())
            try:
                page = browser.go("GET", url)
                self.stopped_at = f"HTTP {page.status} at {_short(page.url)}"
            finally:
                # the hosts a real launch passes through (a single sign-on, say) are the
                # platform's too: an attack's walk may pass them
                self.walked |= {urlsplit(p.url).netloc for p in browser.history}
        # a browser walk that posted the id_token to renkei has logged it already
        deadline = time.monotonic() + (self.trigger.timeout if url is None else 0.2)
        while time.monotonic() < deadline:
            new = [e for e in self.log[before:] if e.get("step") == "launch"]
            if new:
                return new[-1]
            time.sleep(0.05)
        return None

    def attack(self, case: AuthCase, memory: Mapping[str, str]) -> tuple[AuthAnswer, dict[str,
                                                                                        str]]:
        """Run ``case``: a fresh resource launch whose authentication request is tampered.

        Returns what came back and the request as sent.
        """
        sent: dict[str, str] = {}

        def tamper(query: dict[str, str]) -> dict[str, str]:
            changed = case.tamper(query, memory)
            sent.update(changed)
            return changed

        self.tool_app.extensions["renkei_lti_tamper"][:] = [tamper]
        answer = AuthAnswer()
        tool_host = urlsplit(self.tool_base).netloc
        left: list[str] = []

        def on_form(action: str, fields: dict[str, str]) -> dict[str, str]:
            if "id_token" in fields:
                answer.deliveries.append(Delivery(action, frozenset(fields), fields.get("state")))
                raise _Stop(action)
            if urlsplit(action).netloc == tool_host and urlsplit(action).path.endswith(
                    "/launch"):
                answer.detail = "error " + fields.get("error", "?") + " sent to the tool"
                raise _Stop(action)
            return fields

        try:
            url = self._start_url(RESOURCE)
        except HttpError as exc:
            return AuthAnswer(reached=False, detail=str(exc)), sent
        if url is None:
            return AuthAnswer(reached=False, detail="launch_command opened its own browser: "
                              "renkei cannot see the platform's answer"), sent
        browser = Browser(_Guarded(self._transport(), self.platform_hosts | {tool_host}
                                   | self.trigger.hosts() | self.walked, left),
                          on_form=on_form)
        try:
            page = browser.go("GET", url)
            answer.status = page.status
        except _Stop:
            pass
        except HttpError as exc:
            answer.detail = str(exc)
        finally:
            self.tool_app.extensions["renkei_lti_tamper"].clear()
        if not sent:
            return AuthAnswer(reached=False, detail="the launch never reached renkei's login "
                              "URL"), sent
        for p in browser.history:
            loc = p.headers.get("Location", "")
            if "id_token=" in loc:
                answer.deliveries.append(_redirect_delivery(p.url, loc))
            if urlsplit(p.url).netloc != tool_host:
                answer.pages.append(p.text)
                answer.status = p.status
                shown = token_in_page(p.text) if not answer.deliveries else None
                if shown is not None:
                    where = shown if shown.startswith("(") else urljoin(p.url, shown)
                    answer.deliveries.append(Delivery(where,
                                                      frozenset({"id_token"}), via="page"))
        if left and not answer.deliveries:
            answer.detail = f"the platform sent the browser to {_short(left[0])}"
        if not answer.detail:
            answer.detail = f"HTTP {answer.status}"
        return answer, sent


def _redirect_delivery(from_url: str, location: str) -> Delivery:
    target = urljoin(from_url, location)
    parts = urlsplit(target)
    params = dict(parse_qsl(parts.query)) | dict(parse_qsl(parts.fragment))
    return Delivery(target, frozenset(params), params.get("state"), via="redirect")


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
