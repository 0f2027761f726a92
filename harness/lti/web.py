"""Small HTML helpers shared by the platform and tool apps: the auto-submitting form that
carries id_tokens (response_mode=form_post) and a plain message page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape, unescape


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
