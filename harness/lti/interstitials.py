"""The pages LTI tool libraries show between the OIDC login initiation and the redirect to
the platform, understood without running a browser.

A person's browser gets through them by running their script; renkei reads what the script
would do instead, for the shapes the common libraries produce:

- PyLTI1p3 ``enable_check_cookies()``: a page whose script sets and removes a test cookie
  (``lti1p3_test_cookie``) and reloads the login URL with the login parameters from its
  ``urlParams`` object plus ``lti1p3_new_window=1`` (each added only when the current query
  lacks it). renkei's cookie jar always works, so the reload is what a browser does.
- Script redirects to a literal URL: ``window.location = "…"``, ``location.href = '…'``,
  ``location.replace("…")`` / ``assign`` (PyLTI1p3 ``do_js_redirect``; the LTI 1.3 PHP
  library's ``doJsRedirect`` / hybrid redirect, whose cookie arrives by Set-Cookie first).
- ``<meta http-equiv="refresh" content="0; url=…">``.

A page with several different script targets, or a target built at run time by code renkei
does not know, is not guessed at: the walk stops there and the case is "not reached".
Pure: text in, a step out.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin, urlsplit


@dataclass(frozen=True)
class Step:
    """Where the page sends the browser next (always a GET)."""

    kind: str
    url: str


_PYLTI_PARAMS = re.compile(r"var\s+urlParams\s*=\s*(\{.*?\});\s*$", re.M)
_JS_ASSIGN = re.compile(
    r"""(?<![\w.])(?:(?:window|document|self|top)\.)?location(?:\.href)?\s*=\s*(["'])(.+?)(?<!\\)\1""")
_JS_CALL = re.compile(
    r"""(?<![\w.])(?:(?:window|document|self|top)\.)?location\.(?:replace|assign)\(\s*(["'])(.+?)(?<!\\)\1\s*\)""")
_JS_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)")


def understand(page: Any) -> Step | None:
    """The next step out of ``page`` (a :class:`harness.lti.browser.Page`), or None."""
    text = page.text
    if "<" not in text:
        return None
    if "lti1p3_test_cookie" in text:
        return _pylti_cookie_check(page.url, text)
    lower = text.lower()
    if "<script" not in lower and "refresh" not in lower:
        return None  # most pages: nothing that could redirect, so no need to parse
    scan = _parse(text)
    targets = {_js_string(m.group(2)) for src in scan.scripts
               for rx in (_JS_ASSIGN, _JS_CALL) for m in rx.finditer(src)}
    if len(targets) == 1:
        return Step("script redirect", urljoin(page.url, targets.pop()))
    if targets:
        return None
    if scan.refresh:
        return Step("meta refresh", urljoin(page.url, scan.refresh))
    return None


def _pylti_cookie_check(url: str, text: str) -> Step | None:
    m = _PYLTI_PARAMS.search(text)
    if not m:
        return None
    try:
        params = json.loads(m.group(1))
    except ValueError:
        return None
    if not isinstance(params, dict):
        return None
    parts = urlsplit(url)
    search = parts.query
    # as getUpdatedUrl(): keep the current query, add each parameter it does not name yet,
    # values HTML-unescaped and encoded as encodeURIComponent does
    added = [f"{k}={quote(html.unescape(str(v)), safe='-_.!~*()' + chr(39))}"
             for k, v in params.items() if f"{k}=" not in search]
    query = (search + "&" if search else "") + "&".join(added)
    return Step("pylti1p3 cookie check", f"{parts.scheme}://{parts.netloc}{parts.path}?{query}")


def _js_string(literal: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "ux" and len(e) > 1:
            return chr(int(e[1:], 16))
        return {"n": "\n", "t": "\t"}.get(e, e)

    return _JS_ESCAPES.sub(one, literal)


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.refresh: str | None = None
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        if tag == "script" and not a.get("src"):
            self._in_script = True
            self.scripts.append("")
        elif tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            m = re.search(r"url\s*=\s*['\"]?([^'\"]+)", a.get("content", ""), re.I)
            if m and self.refresh is None:
                self.refresh = m.group(1).strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def _parse(text: str) -> _Scan:
    scan = _Scan()
    scan.feed(text)
    scan.close()
    return scan
