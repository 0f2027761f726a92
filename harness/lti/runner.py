"""Drive certification cases through a browser against a tool, and judge the outcomes.

The platform object is in the same process (it mints each launch); the tool is reached through
the browser's transport (real HTTP on 127.0.0.1, or in-process WSGI in tests).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from harness.core import FindingCollector
from harness.lti.browser import Browser, Page, Transport
from harness.lti.cases import Case
from harness.lti.http import HttpError
from harness.lti.platform import Platform
from harness.lti.rules import REGISTRY


class AcceptanceError(ValueError):
    """An acceptance table that cannot be used; ``key`` names the offending key, if one."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


ACCEPTANCE_KEYS = ("status", "marker", "json_field", "json_value")


@dataclass
class Acceptance:
    """How to recognise that the tool accepted a launch, on its final page.

    Every set condition must hold: ``status`` equal, ``marker`` in the body, ``json_field``
    (a dotted path) present and truthy or equal to ``json_value``.
    """

    status: int | None = 200
    marker: str | None = None
    json_field: str | None = None
    json_value: Any = None

    @classmethod
    def from_mapping(cls, acc: Any) -> Acceptance:
        """The acceptance of a ``[acceptance]`` table (``certify``) or an ``acceptance`` entry
        of a tool's settings (the pytest plugin): ``{"status": 200, "marker": "LAUNCH-OK"}``.

        :raises AcceptanceError: no condition, a wrong type or an unknown key.
        """
        if not isinstance(acc, Mapping) or not ({"status", "marker", "json_field"} & set(acc)):
            raise AcceptanceError("[acceptance] needs status, marker or json_field")
        for key, kind in (("status", int), ("marker", str), ("json_field", str)):
            if key in acc and (not isinstance(acc[key], kind) or isinstance(acc[key], bool)):
                raise AcceptanceError(f"[acceptance] '{key}' must be "
                                      f"{'an integer' if kind is int else 'a string'}", key)
        unknown = set(acc) - set(ACCEPTANCE_KEYS)
        if unknown:
            first = sorted(unknown)[0]
            raise AcceptanceError(f"[acceptance] has unknown key(s) {', '.join(sorted(unknown))}",
                                  first)
        return cls(status=acc.get("status"), marker=acc.get("marker"),
                   json_field=acc.get("json_field"), json_value=acc.get("json_value"))

    def describe(self) -> str:
        """The conditions in words (for a refusal's reason)."""
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.marker is not None:
            parts.append(f"the text {self.marker!r} on the page")
        if self.json_field is not None:
            parts.append(f"JSON field {self.json_field!r} "
                         + (f"= {self.json_value!r}" if self.json_value is not None
                            else "present and true"))
        return " and ".join(parts)

    def accepted(self, page: Page) -> bool:
        if self.status is not None and page.status != self.status:
            return False
        if self.marker is not None and self.marker not in page.text:
            return False
        if self.json_field is not None:
            try:
                value: Any = json.loads(page.text)
                for part in self.json_field.split("."):
                    value = value[part]
            except (ValueError, KeyError, TypeError, IndexError):
                return False
            return value == self.json_value if self.json_value is not None else bool(value)
        return True


@dataclass
class CaseResult:
    """What one case did.

    ``reached`` is False when the browser never posted the platform's answer to the tool's
    redirect URI (an interstitial renkei could not get through, an error page, a dead host):
    such a case is neither a pass nor a rejection. ``stopped_at`` then names the last page.
    """

    case: Case
    accepted: bool | None  # None: the launch never reached the tool's launch endpoint
    status: int | None
    detail: str = ""
    tool_rules: list[str] = field(default_factory=list)
    reached: bool = True
    stopped_at: str = ""
    interstitials: list[str] = field(default_factory=list)
    connection_failed: bool = False

    @property
    def ok(self) -> bool:
        return self.reached and self.accepted is not None and self.accepted == self.case.accept

    @property
    def observed(self) -> str:
        if not self.reached or self.accepted is None:
            return "not reached"
        return "accept" if self.accepted else "reject"

    def as_dict(self) -> dict[str, Any]:
        out = {"case": self.case.id, "title": self.case.title, "guide": self.case.guide,
               "group": "guide" if self.case.guide else "extra",
               "expected": "accept" if self.case.accept else "reject",
               "observed": self.observed, "ok": self.ok,
               "verdict": "not reached" if self.observed == "not reached" else
               ("pass" if self.ok else "fail"),
               "status": self.status, "detail": self.detail}
        if self.stopped_at:
            out["stopped_at"] = self.stopped_at
        if self.interstitials:
            out["interstitials"] = list(self.interstitials)
        return out


def _reached(browser: Browser, reg: Any) -> bool:
    """Did the browser post the platform's answer (id_token or OIDC error) to the tool?"""
    targets = {u.split("?")[0] for u in reg.redirect_uris}
    if reg.deep_link_url:
        targets.add(reg.deep_link_url.split("?")[0])
    return any(url.split("?")[0] in targets and names & {"id_token", "error"}
               for url, names in browser.posted)


def _capture_form(store: dict[str, Any]) -> Callable[[str, dict[str, str]], dict[str, str]]:
    def capture(url: str, fields: dict[str, str]) -> dict[str, str]:
        if "id_token" in fields and "form" not in store:
            store["form"] = (url, dict(fields))
        return fields
    return capture


def run_case(case: Case, platform: Platform, client_id: str,
             new_transport: Callable[[], Transport], acceptance: Acceptance) -> CaseResult:
    """Run one case in a fresh browser (fresh cookie jar)."""
    reg = platform.tools[client_id]
    browser = Browser(new_transport())
    judged = browser  # the browser whose last page is the tool's answer
    try:
        if case.action == "rotate":
            platform.keys.rotate()
        spec = case.build(reg)
        if case.action in ("replay", "repost_cookie", "repost_nocookie", "nonce_reuse"):
            first: dict[str, Any] = {}
            first_spec = case.build(reg)
            if case.action == "nonce_reuse":
                first_spec, spec = _nonce_pair(spec, first)
            warmup = Browser(browser.transport, on_form=_capture_form(first))
            url, params = platform.initiate_login(client_id, first_spec)
            warmup.go(case.method, url, params)
            if "form" not in first:
                return _not_reached(case, warmup, "the first launch of the case did not reach "
                                                  "the tool")
            if case.action == "repost_cookie":
                judged = warmup
                page = warmup.go("POST", *first["form"])
                return _result(case, judged, page, acceptance, reg)
            if case.action == "repost_nocookie":
                judged = Browser(new_transport())
                page = judged.go("POST", *first["form"])
                return _result(case, judged, page, acceptance, reg)
            if case.action == "replay":
                def replay(url: str, fields: dict[str, str]) -> dict[str, str]:
                    if "id_token" in fields:
                        fields = {**fields, "id_token": first["form"][1]["id_token"]}
                    return fields

                browser.on_form = replay
        elif case.action in ("state", "nostate"):
            def tamper(url: str, fields: dict[str, str]) -> dict[str, str]:
                if "id_token" in fields:
                    fields = {k: v for k, v in fields.items() if k != "state"}
                    if case.action == "state":
                        fields["state"] = "renkei-tampered-state"
                return fields

            browser.on_form = tamper
        url, params = platform.initiate_login(client_id, spec)
        page = browser.go(case.method, url, params)
    except HttpError as exc:
        if _reached(judged, reg):
            # the id_token was posted and the tool dropped the connection: an answer (no
            # session was opened), unlike a launch that never got there
            return CaseResult(case, False, None, f"no answer to the launch: {exc}",
                              interstitials=list(judged.passed))
        last = judged.history[-1] if judged.history else None
        return CaseResult(case, None, None, str(exc), reached=False,
                          stopped_at=_where(last) if last else str(exc),
                          interstitials=list(judged.passed),
                          connection_failed=not judged.history)
    return _result(case, judged, page, acceptance, reg)


def _nonce_pair(spec: Any, first: dict[str, Any]) -> tuple[Any, Any]:
    """Two launches of ``spec``: the first records its nonce, the second (a fresh login, a
    fresh state, a freshly signed token) carries that old nonce instead of its own."""
    from dataclasses import replace

    def record(claims: dict[str, Any]) -> None:
        if spec.patch is not None:
            spec.patch(claims)
        first.setdefault("nonce", claims.get("nonce"))

    def reuse(claims: dict[str, Any]) -> None:
        if spec.patch is not None:
            spec.patch(claims)
        claims["nonce"] = first.get("nonce", claims.get("nonce"))
        if isinstance(claims.get("iat"), int):
            # RS256 is deterministic: within the same second the "fresh" token would be the
            # earlier one byte for byte; a tool must not pass this case by hashing tokens
            claims["iat"] -= 1

    return replace(spec, patch=record), replace(spec, patch=reuse)


def _result(case: Case, browser: Browser, page: Page, acceptance: Acceptance, reg: Any
            ) -> CaseResult:
    if not _reached(browser, reg):
        login_host = urlsplit(reg.login_url).netloc
        if page.status >= 400 and urlsplit(page.url).netloc == login_host:
            # the tool itself refused at its login endpoint (e.g. an unknown issuer): an
            # answer from the tool, unlike a 200 page renkei could not get through
            return CaseResult(case, acceptance.accepted(page), page.status,
                              "refused at login: " + _summary(page),
                              interstitials=list(browser.passed))
        return _not_reached(case, browser, "")
    return CaseResult(case, acceptance.accepted(page), page.status, _summary(page),
                      interstitials=list(browser.passed))


def _not_reached(case: Case, browser: Browser, why: str) -> CaseResult:
    last = browser.history[-1] if browser.history else None
    where = _where(last) if last else "no page"
    return CaseResult(case, None, last.status if last else None,
                      (why + ": " if why else "") + "stopped at " + where, reached=False,
                      stopped_at=where, interstitials=list(browser.passed))


def _where(page: Page) -> str:
    return f"{page.method} {page.url.split('?')[0]} ({_summary(page)[:120]})"


def _summary(page: Page) -> str:
    import re

    text = re.sub(r"<[^>]+>", " ", page.text)
    text = " ".join(text.split())
    return f"HTTP {page.status}: {text[:160]}"


def run_cases(cases: Sequence[Case], platform: Platform, client_id: str,
              new_transport: Callable[[], Transport], acceptance: Acceptance
              ) -> list[CaseResult]:
    return [run_case(k, platform, client_id, new_transport, acceptance) for k in cases]


def judge(results: Sequence[CaseResult], *, profile: str = "core") -> FindingCollector:
    """Findings for every case that is not a pass: LT700 (valid rejected), LT701 (bad
    accepted), LT703 (never reached the tool: neither a pass nor a rejection)."""
    out = FindingCollector(REGISTRY, profile=profile)
    for r in results:
        if r.ok:
            continue
        if not r.reached or r.accepted is None:
            out.add("LT703", file=r.case.id, reason=r.stopped_at or r.detail)
        elif r.case.accept:
            out.add("LT700", file=r.case.id, reason=r.detail or "no answer")
        else:
            out.add("LT701", file=r.case.id, value=r.case.title,
                    expected="/".join(r.case.rules))
    return out
