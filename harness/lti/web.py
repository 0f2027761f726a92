"""Small HTML helpers shared by the platform and tool apps: the auto-submitting form that
carries id_tokens (response_mode=form_post) and a plain message page."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape


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


def message_page(title: str, lines: list[str], *, marker: str = "") -> str:
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    mark = f'<p id="renkei-result">{escape(marker)}</p>' if marker else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"</head><body><h1>{escape(title)}</h1>{mark}{body}</body></html>")
