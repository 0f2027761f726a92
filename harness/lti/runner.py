"""Drive certification cases through a browser against a tool, and judge the outcomes.

The platform object is in the same process (it mints each launch); the tool is reached through
the browser's transport (real HTTP on 127.0.0.1, or in-process WSGI in tests).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core import FindingCollector
from harness.lti.browser import Browser, Page, Transport
from harness.lti.cases import Case
from harness.lti.http import HttpError
from harness.lti.platform import Platform
from harness.lti.rules import REGISTRY


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
    case: Case
    accepted: bool | None  # None: the exchange broke before the tool answered
    status: int | None
    detail: str = ""
    tool_rules: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.accepted is not None and self.accepted == self.case.accept

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.case.id, "title": self.case.title, "guide": self.case.guide,
                "expected": "accept" if self.case.accept else "reject",
                "observed": {True: "accept", False: "reject", None: "error"}[self.accepted],
                "ok": self.ok, "status": self.status, "detail": self.detail}


def run_case(case: Case, platform: Platform, client_id: str,
             new_transport: Callable[[], Transport], acceptance: Acceptance) -> CaseResult:
    """Run one case in a fresh browser (fresh cookie jar)."""
    reg = platform.tools[client_id]
    browser = Browser(new_transport())
    try:
        if case.action == "rotate":
            platform.keys.rotate()
        if case.action == "replay":
            captured: dict[str, str] = {}

            def capture(url: str, fields: dict[str, str]) -> dict[str, str]:
                if "id_token" in fields:
                    captured.setdefault("id_token", fields["id_token"])
                return fields

            first = Browser(browser.transport, on_form=capture)
            url, params = platform.initiate_login(client_id, case.build(reg))
            first.go(case.method, url, params)

            def replay(url: str, fields: dict[str, str]) -> dict[str, str]:
                if "id_token" in fields and "id_token" in captured:
                    fields = {**fields, "id_token": captured["id_token"]}
                return fields

            browser.on_form = replay
        elif case.action == "state":
            def tamper(url: str, fields: dict[str, str]) -> dict[str, str]:
                if "id_token" in fields:
                    fields = {**fields, "state": "renkei-tampered-state"}
                return fields

            browser.on_form = tamper
        url, params = platform.initiate_login(client_id, case.build(reg))
        page = browser.go(case.method, url, params)
    except HttpError as exc:
        return CaseResult(case, None, None, str(exc))
    accepted = acceptance.accepted(page)
    return CaseResult(case, accepted, page.status, _summary(page))


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
    """Findings for every case the tool got wrong: LT700 (valid rejected), LT701 (bad accepted)."""
    out = FindingCollector(REGISTRY, profile=profile)
    for r in results:
        if r.ok:
            continue
        if r.case.accept:
            out.add("LT700", file=r.case.id, reason=r.detail or "no answer")
        elif r.accepted is None:
            out.add("LT700", file=r.case.id, reason="exchange failed: " + r.detail)
        else:
            out.add("LT701", file=r.case.id, value=r.case.title,
                    expected="/".join(r.case.rules))
    return out
