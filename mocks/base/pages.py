"""``GET /`` (what this system is, and its endpoints) and ``GET /openapi.json``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template_string

bp = Blueprint("pages", __name__)

INDEX = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{{ spec.title_ja }} — renkei mock</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}code{font-size:1.05em}
td{padding:.15em .8em}</style></head>
<body>
<h1>{{ spec.title_ja }}</h1>
<p lang="en">{{ spec.title_en }} — renkei mock <code>{{ spec.name }}</code>.
A stand-in for the vendor system's outside surface, for tests and rehearsals.</p>
<p>Base URL: <code>{{ base_url }}</code> · <a href="openapi.json">OpenAPI</a>
· <a href="_admin/state">state</a> · <a href="_admin/requests">requests</a>
· <a href="_admin/faults">faults</a></p>
{% for title, rows in groups %}
<h2>{{ title }}</h2>
<table>{% for methods, rule in rows %}
<tr><td><code>{{ methods }}</code></td><td><code>{{ rule }}</code></td></tr>{% endfor %}
</table>
{% endfor %}
</body></html>
"""


def endpoints() -> list[tuple[str, str]]:
    """(methods, rule) of every route of the app, sorted by rule."""
    rows = []
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted(m for m in (rule.methods or ()) if m not in ("HEAD", "OPTIONS"))
        rows.append((" ".join(methods), rule.rule))
    return sorted(rows, key=lambda r: (r[1], r[0]))


@bp.get("/")
def index() -> Any:
    spec = current_app.extensions["renkei"].spec
    rows = endpoints()
    vendor = [r for r in rows if not r[1].startswith("/_admin") and r[1] not in
              ("/", "/openapi.json")]
    admin = [r for r in rows if r[1].startswith("/_admin")]
    general = [r for r in rows if r[1] in ("/", "/openapi.json")]
    groups = [("ベンダーAPI · vendor API", vendor), ("管理 · admin", admin),
              ("その他 · general", general)]
    return render_template_string(INDEX, spec=spec, groups=groups,
                                  base_url=current_app.config.get("BASE_URL", ""))


@bp.get("/openapi.json")
def openapi() -> Any:
    spec = current_app.extensions["renkei"].spec
    doc = spec.openapi() if spec.openapi else empty_document(spec.title_en)
    return jsonify(doc)


def empty_document(title: str) -> dict[str, Any]:
    """An OpenAPI 3.1 document with no paths (a mock that describes nothing yet)."""
    return {"openapi": "3.1.0", "info": {"title": title, "version": "1.0"}, "paths": {}}
