"""The one HTML environment: templates found by package, shipped as package data, escaped;
the SVG charts draw offline."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest
from jinja2 import TemplateNotFound

from harness.report.charts import line_chart
from harness.report.htmlkit import ENV, render_page

ROOT = Path(__file__).parents[2]


def test_every_template_is_shipped_by_the_package_data_patterns():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))[
        "tool"]["setuptools"]["package-data"]["*"]
    found = [p for pkg in ("harness", "pipeline", "scenarios")
             for p in (ROOT / pkg).rglob("templates/*") if p.is_file()]
    assert len(found) >= 6
    for path in found:
        rel = f"templates/{path.name}"
        assert any(fnmatch.fnmatch(rel, pat) for pat in patterns), rel
        assert (path.parent.parent / "__init__.py").exists(), "beside a package's code"


@pytest.mark.parametrize("name", ["base.html", "check.html", "pipeline.report/run.html",
                                  "scenarios/rehearsal.html",
                                  "scenarios.preparation/preparation.html"])
def test_each_page_template_loads(name):
    assert ENV.get_template(name) is not None


def test_an_unknown_template_is_not_found():
    with pytest.raises(TemplateNotFound):
        render_page("nowhere.package/page.html")
    with pytest.raises(TemplateNotFound):
        render_page("scenarios/nope.html")


def test_values_are_escaped_and_the_page_has_the_shared_toggle():
    html = ENV.from_string('{% extends "base.html" %}{% block body %}{{ x }}{% endblock %}'
                           ).render(x="<b>")
    assert "&lt;b&gt;" in html and 'id="lang-toggle"' in html and 'data-lang="ja"' in html


def test_line_chart_draws_a_line_per_series_and_escapes_labels():
    svg = line_chart(["w1", "w2", "w3"], [("PL252", [5, 3, 0]), ("<x>", [1, 1, 1])],
                     title="t", chart_id="c")
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 6
    assert "&lt;x&gt;" in svg and "<x>" not in svg
    single = line_chart(["w1"], [("PL252", [4])], title="t")
    assert "<polyline" not in single and single.count("<circle") == 1
