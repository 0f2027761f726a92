"""Small HTML helpers shared by the platform and tool apps: the auto-submitting form that
carries id_tokens (response_mode=form_post) and a plain message page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape, unescape
from typing import Any
from urllib.parse import quote_plus

#: what ``quote_plus`` leaves as it is (RFC 3986 unreserved characters)
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def form_urlencode(fields: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    """``urllib.parse.urlencode(fields)`` for text keys and values, with the same output.

    A name or value of unreserved characters only is taken as it is, which is what
    ``quote_plus`` returns for it, without its per-character work: a launch encodes about
    twenty such parameters (a login's query, the auth request, the posted form), and
    ``quote_plus`` was the largest single cost after Flask's own in an in-process launch.
    """
    pairs = fields.items() if isinstance(fields, Mapping) else fields
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in pairs)


#: a run of characters ``quote_plus`` changes, and what it writes for each byte of their UTF-8
_RESERVED_RUN = re.compile(r"[^A-Za-z0-9_.~-]+")
_PERCENT = [f"%{b:02X}" if b != 0x20 else "+" for b in range(256)]


def _quote_run(match: re.Match[str]) -> str:
    return "".join([_PERCENT[b] for b in match.group().encode()])


def _quote(value: object) -> str:
    if type(value) is str:
        # quote_plus's output, its per-byte work done for the reserved runs only (a URL
        # value has a few: "://", "/")
        return value if _UNRESERVED.fullmatch(value) else _RESERVED_RUN.sub(_quote_run, value)
    # as urlencode: bytes quoted as they are, anything else as its str()
    return quote_plus(value if isinstance(value, str | bytes) else str(value))


def autosubmit_form(url: str, fields: Mapping[str, str], *, title: str = "LTI") -> str:
    """A page that POSTs ``fields`` to ``url`` on load (a browser without JS gets a button)."""
    inputs = "\n".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body onload='document.forms[0].submit()'>"
        f'<form method="post" action="{escape(url)}" id="renkei-autosubmit">{inputs}'
        f'<noscript><button type="submit">Continue</button></noscript></form></body></html>'
    )


#: exactly what :func:`autosubmit_form` writes (its ``escape`` leaves no ``"`` inside a value)
_OWN_FORM = re.compile(
    r"<!doctype html><html><head><meta charset='utf-8'><title>[^<]*</title></head>"
    r"<body onload='document\.forms\[0\]\.submit\(\)'>"
    r'<form method="post" action="([^"]*)" id="renkei-autosubmit">'
    r'((?:<input type="hidden" name="[^"]*" value="[^"]*">\n?)*)'
    r'<noscript><button type="submit">Continue</button></noscript></form></body></html>')
_OWN_INPUT = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')


def read_autosubmit_form(html: str) -> tuple[str, dict[str, str]] | None:
    """(action, fields) of a page :func:`autosubmit_form` wrote, else None.

    The scripted browser tries this before its general HTML parser: renkei's own platform
    and tools answer every form_post with this page, and a full parse of it cost a launch
    more than its signature check. Any other page (a vendor's, an edited one) gives None.
    """
    m = _OWN_FORM.fullmatch(html)
    if m is None:
        return None
    return unescape(m[1]), {unescape(k): unescape(v) for k, v in _OWN_INPUT.findall(m[2])}


def message_page(title: str, lines: list[str], *, marker: str = "") -> str:
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    mark = f'<p id="renkei-result">{escape(marker)}</p>' if marker else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"</head><body><h1>{escape(title)}</h1>{mark}{body}</body></html>")
