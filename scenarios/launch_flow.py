"""One LTI launch through the full OIDC flow in a scripted browser, and how it ended.

A launch starts at lgate's ``GET /launch?user=<userMasterIdentifier>&tool=<name>`` in a fresh
scripted browser (:class:`harness.lti.browser.Browser`): lgate logs the pupil in and redirects
to the tool's login URL, the tool redirects back to lgate's auth endpoint, lgate posts the
signed id_token to the tool's launch URL, and the tool verifies it. :func:`launch_many` takes
many launches through the flow side by side, hop by hop (in-process: the CPU's caches stay warm
for each hop's code); :class:`LaunchOutcome` is how each ended, with a reason a person can act
on. Running them across processes and checking the tools' records is
:mod:`scenarios.launches`'s.
"""

from __future__ import annotations

import functools
import html
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import quote, urlsplit

from harness.lti.browser import Page
from harness.lti.http import HttpError
from harness.transport import split_url
from scenarios.vendors import Vendors

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


#: where a launch ended, in the order of the flow (lgate → the tool's login step → lgate's
#: auth → the tool's launch), and how a reason says it
STEPS: dict[str, str] = {
    "lgate": "at lgate, before the tool was reached",
    "login": "at the tool's login step, before lgate's auth",
    "auth": "at lgate's auth, after the tool's login step",
    "launch": "at the tool's launch, after its login step",
}
#: how a launch into a vendor's own tool was judged without acceptance settings
STATUS_ONLY = ("only the HTTP status could be seen: give the tool an acceptance entry "
               "(status, marker or json_field) to tell its error pages from a launch")


@dataclass(frozen=True, slots=True)
class LaunchOutcome:
    """How one launch ended in the browser: the final page's status and a short reason.

    :param ok: the tool took the launch: its acceptance held (a vendor's own tool with
        ``acceptance`` settings), or HTTP 200 at the tool after its login step.
    :param reason: why not, first the cause (a status and who answered it, or a transport
        error), then where, then the page's own words.
    :param step: where the flow ended, a key of :data:`STEPS`.
    :param excerpt: the visible text of the final page, shortened (kept only for a launch
        that was not taken: a city's worth of accepted launch pages is a lot of text).
    :param judged: ``"acceptance"``, ``"status only"`` (a vendor's own tool without
        acceptance settings; :attr:`note` says so), or ``""`` for renkei's own tools (their
        records are checked afterwards).
    """

    umi: str
    tool: str
    status: int
    ok: bool
    reason: str = ""
    hops: int = 0
    step: str = ""
    excerpt: str = ""
    judged: str = ""

    @property
    def note(self) -> str:
        """What the verdict could not see (empty when the acceptance settings were used)."""
        return STATUS_ONLY if self.judged == "status only" else ""

    def __reduce__(self) -> tuple[type[LaunchOutcome], tuple[Any, ...]]:
        # pickled as its fields (a worker sends tens of thousands to the parent): a third
        # of the default's time for a slotted dataclass, the same outcome back
        return LaunchOutcome, _OUTCOME_FIELDS(self)


_OUTCOME_FIELDS = operator.attrgetter(*(f.name for f in fields(LaunchOutcome)))


def page_reason(text: str, limit: int = 200) -> str:
    """The visible text of an error page, shortened (the tool's reason for a refusal)."""
    head, sep, body = text.partition("<body")
    body = body.partition(">")[2] if sep else head  # from after the <body …> tag
    plain = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", body))).strip()
    return plain[:limit]


def short_url(url: str, limit: int = 60) -> str:
    """``url`` without its query and cut to ``limit`` characters (a login URL carries a long
    query that would hide the rest of a message)."""
    parts = urlsplit(url)
    out = f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")
    return out if len(out) <= limit else out[:limit - 1] + "…"


def flow_step(urls: Sequence[str], lgate: str) -> str:
    """Where a launch that visited ``urls`` (in order) ended, as a key of :data:`STEPS`.

    The flow alternates hosts: lgate, the tool (its login step), lgate again (its auth), the
    tool again (the launch); no path needs knowing.
    """
    host = base_host(lgate)
    step = "lgate"
    for url in urls:
        at_lgate = split_url(url).netloc == host
        if step == "lgate" and not at_lgate:
            step = "login"
        elif step == "login" and at_lgate:
            step = "auth"
        elif step == "auth" and not at_lgate:
            step = "launch"
    return step


@functools.lru_cache(maxsize=64)
def base_host(url: str) -> str:
    """The host of a system's base URL (a few, asked for on every launch)."""
    return split_url(url).netloc


#: launches a worker takes through their flows side by side (:func:`launch_many`)
TOGETHER = 16


class _Launch:
    """One launch under way: its scripted browser walking the flow (:meth:`Browser.walk`)."""

    __slots__ = ("browser", "judged", "lgate", "own", "steps", "acceptance", "tool", "umi",
                 "url")

    def __init__(self, vendors: Vendors, umi: str, tool: str) -> None:
        self.umi, self.tool = umi, tool
        self.browser = vendors.browser()
        self.lgate = lgate = vendors.urls["lgate"]
        self.url = f"{lgate}/launch?user={quote(umi)}&tool={quote(tool)}"
        self.own = own = tool in vendors.urls  # renkei's own tool mock (checked later)
        self.acceptance = None if own else vendors.acceptance(tool)
        self.judged = "" if own else ("acceptance" if self.acceptance else "status only")
        self.steps = self.browser.walk("GET", self.url)

    def failed(self, exc: HttpError) -> LaunchOutcome:
        """The outcome of a launch whose hop got no answer."""
        browser, lgate, url = self.browser, self.lgate, self.url
        urls = [p.url for p in browser.history] + ([exc.url] if exc.url else [])
        step = flow_step(urls, lgate)
        where = f"{exc.method} {short_url(exc.url)}" if exc.url else short_url(url)
        reason = f"{exc.cause or 'no answer'}: {where} ({STEPS[step]})"
        return LaunchOutcome(self.umi, self.tool, 0, False, reason, len(browser.history), step,
                             "", self.judged)

    def ended(self, page: Page, vendors: Vendors) -> LaunchOutcome:
        """The outcome of a launch whose flow ended on ``page``."""
        browser, lgate, acceptance = self.browser, self.lgate, self.acceptance
        step = flow_step([p.url for p in browser.history], lgate)
        if self.own:
            ok = (page.status == 200
                  and split_url(page.url).netloc == base_host(vendors.urls[self.tool]))
        elif acceptance is not None:
            ok = step == "launch" and acceptance.accepted(page)
        else:
            ok = step == "launch" and page.status == 200
        if ok:
            return LaunchOutcome(self.umi, self.tool, page.status, ok, "",
                                 len(browser.history), step, "", self.judged)
        excerpt = page_reason(page.text, 160)  # only a launch not taken keeps its words
        reason = refusal_reason(page.status, page.url, step, excerpt, acceptance, lgate,
                                self.own)
        return LaunchOutcome(self.umi, self.tool, page.status, ok, reason,
                             len(browser.history), step, excerpt, self.judged)


def launch_one(vendors: Vendors, umi: str, tool: str) -> LaunchOutcome:
    """Launch ``umi`` into ``tool`` through the whole flow; never raises for a failed launch."""
    return launch_many(vendors, [(umi, tool)], together=1)[0]


def launch_many(vendors: Vendors, pairs: Sequence[tuple[str, str]], *,
                together: int | None = None, done: Callable[[], object] | None = None
                ) -> list[LaunchOutcome]:
    """:func:`launch_one` for every (umi, tool) pair, in order; ``together`` launches at a
    time are taken through the flow side by side, hop by hop, as that many pupils' browsers
    would be (each its own browser and cookies, the same requests, each hop's requests in
    the pairs' order).

    Why side by side: a launch runs through four apps' code and an RSA signature, each
    evicting the others' code and data from the CPU's caches; the same hop made for many
    launches in a row finds them warm (one worker's Tsukuba slice, 6,000 launches: 1.52-1.62
    -> 1.20-1.41 ms CPU a launch; the signing call 408-412 -> 380-389 us). More than 16 at
    a time gains nothing more (32 and 64: 1.30-1.38 ms; more garbage passes).

    Live, one at a time by default: over HTTP a hop's cost is the servers' and the round
    trip's, and side by side only slowed the launches (``renkei rehearse --scale small
    --live``, 868 launches on 2 workers, wall on a loaded machine: one at a time 5.2-7.1 s
    in 8 runs, main's included; 16 together 6.6-9.3 s in 5 runs).

    :param together: default :data:`TOGETHER` in-process, 1 live.
    :param done: called once a launch has ended (progress).
    """
    size = max(together or (1 if vendors.is_live else TOGETHER), 1)
    outcomes: list[LaunchOutcome | None] = [None] * len(pairs)
    for first in range(0, len(pairs), size):
        walking = [(i, _Launch(vendors, *pairs[i]))
                   for i in range(first, min(first + size, len(pairs)))]
        while walking:
            still = []
            for i, launch in walking:
                try:
                    next(launch.steps)
                except StopIteration as end:
                    outcomes[i] = launch.ended(end.value, vendors)
                except HttpError as exc:
                    outcomes[i] = launch.failed(exc)
                else:
                    still.append((i, launch))
                    continue
                if done is not None:
                    done()
            walking = still
    return outcomes  # type: ignore[return-value]  # (every launch has ended)


def refusal_reason(status: int, url: str, step: str, excerpt: str, acceptance: Any,
                   lgate: str, own: bool) -> str:
    """Why a launch that ended on ``url`` was not taken: who answered what (or which
    acceptance failed), at which step of the flow, then the page's words; at a vendor's tool's
    login step, the issuer it should have registered (the commonest cause, issue 21).

    :param own: the tool is one of renkei's mocks (no registration hint).
    """
    who = "lgate" if step in ("lgate", "auth") else "the tool"
    if step == "launch" and acceptance is not None and status == (acceptance.status or status):
        head = f"the tool's page at {short_url(url)} shows no acceptance " \
               f"(expected {acceptance.describe()}) "
    else:
        head = f"{who} answered HTTP {status} at {short_url(url)} "
    hint = ""
    if step == "login" and not own and status >= 500:
        # the commonest cause (issue 21): the tool knows no platform with this issuer
        hint = f"; is lgate registered in the tool with issuer {lgate}? " \
               "(renkei mock platform-settings)"
    return f"{head}({STEPS[step]}): {excerpt}{hint}"
