"""The scripted browser reads renkei's own form_post page without its HTML parser, and the
result is what the parser gives; any other page still goes through the parser."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.lti.browser import find_autosubmit, parse_autosubmit
from harness.lti.web import autosubmit_form, form_urlencode, read_autosubmit_form


@pytest.mark.parametrize("url, fields", [
    ("http://tool.test/lti/launch", {"id_token": "eyJ.eyJ.sig", "state": "s-1"}),
    ("http://tool.test/launch?a=1&b=<\"'>", {"x\"y": "", "state": "b&\"'<>日本 &amp;"}),
    ("https://lgate.test/lti/deep_link_return", {"JWT": "a" * 2000}),
    ("http://tool.test/", {}),
])
def test_own_page_read_as_the_parser_reads_it(url: str, fields: dict[str, str]) -> None:
    html = autosubmit_form(url, fields, title="LTI <&>")
    assert read_autosubmit_form(html) == (url, fields)
    assert find_autosubmit(html) == parse_autosubmit(html) == ("POST", url, fields)


def test_other_pages_go_through_the_parser() -> None:
    html = autosubmit_form("http://tool.test/launch", {"id_token": "t"})
    edited = html.replace('id="renkei-autosubmit"', 'id="theirs"')
    assert read_autosubmit_form(edited) is None
    assert find_autosubmit(edited) == ("POST", "http://tool.test/launch", {"id_token": "t"})
    two_forms = html.replace("</body>", "<form action='/x'></form></body>")
    assert read_autosubmit_form(two_forms) is None
    assert find_autosubmit(two_forms) is None  # two forms: nothing to submit by itself
    vendor = ("<html><body><form method='get' action='/next'><input name='a' value='1'>"
              "</form><script>document.forms[0].submit()</script></body></html>")
    assert find_autosubmit(vendor) == ("GET", "/next", {"a": "1"})


@given(st.dictionaries(st.text(max_size=12), st.text(max_size=40) | st.integers(), max_size=6))
def test_form_urlencode_is_urlencode(fields: dict[str, str | int]) -> None:
    assert form_urlencode(fields) == urlencode(fields)
    assert form_urlencode(list(fields.items())) == urlencode(list(fields.items()))


@pytest.mark.parametrize("fields", [
    {"scope": "openid", "redirect_uri": "http://tool.test/lti/launch?x=1&y=2",
     "login_hint": "b56a098b-d0c1", "state": "Ab_c-d.e~f"},
    {"名前": "山田 太郎", "plus": "a+b", "pct": "100%", "": ""},
    {"b": b"x y/z"},  # type: ignore[dict-item]
])
def test_form_urlencode_examples(fields: dict[str, str]) -> None:
    assert form_urlencode(fields) == urlencode(fields)
