"""The run report as one self-contained HTML page (no CDN, no external file): Japanese first,
with a button that switches every label and message to English."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

from pipeline.report.labels import STATUS_JA, plan_columns

TEMPLATE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>renkei 連携処理レポート — {{ r.municipality }}</title>
<style>
body{font-family:"Hiragino Sans","Noto Sans JP",Meiryo,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;
vertical-align:top}th{background:#f2f2f2}.num{text-align:right}
.ERROR{background:#fdd}.WARN{background:#ffd}.INFO{background:#fff}
.status{font-size:1.2em;padding:.4em .8em;display:inline-block;border-radius:4px}
.s0{background:#e6f6e6}.s1{background:#fff4cc}.s2{background:#fdd}.s3{background:#fde2c8}
body.en [lang=ja]{display:none}body:not(.en) [lang=en]{display:none}
#toggle{float:right}
</style></head>
<body>
<button id="toggle" type="button" onclick="document.body.classList.toggle('en')">
<span lang="ja">English</span><span lang="en">日本語</span></button>
<h1><span lang="ja">連携処理レポート</span><span lang="en">Integration run report</span>
— {{ r.municipality }} ({{ r.board_code }})</h1>
<p class="status s{{ r.run.exit_code }}"><span lang="ja">{{ status_ja }}</span>
<span lang="en">{{ r.run.status }}</span> (exit {{ r.run.exit_code }})</p>
{% if r.run.message %}<p>{{ r.run.message }}</p>{% endif %}
<p><span lang="ja">開始</span><span lang="en">started</span> {{ r.run.started_at }} —
<span lang="ja">終了</span><span lang="en">finished</span> {{ r.run.finished_at }}
{% if r.run.dry_run %}— <span lang="ja">試行</span><span lang="en">dry run</span>{% endif %}</p>
{% if r.run.export %}<p><span lang="ja">受信ファイル</span><span lang="en">export</span>:
{{ r.run.export.file }} — SHA-256 <code>{{ r.run.export.sha256 }}</code></p>{% endif %}
{% if r.plan %}
<h2><span lang="ja">計画（学校別・変更種別）</span><span lang="en">Plan by school and change
type</span></h2>
<p>{{ r.plan.id }} — <span lang="ja">児童生徒</span><span lang="en">people</span>
{{ r.plan.people }}, <span lang="ja">学校</span><span lang="en">schools</span> {{ r.plan.schools }},
<span lang="ja">学級</span><span lang="en">classes</span> {{ r.plan.classes }}</p>
<table><tr><th><span lang="ja">学校</span><span lang="en">school</span></th>
{% for a in cols %}<th>{{ a }}</th>{% endfor %}</tr>
{% for school, counts in r.plan.by_school.items() %}<tr><td>{{ r.schools.get(school, '') }}
{{ school }}</td>{% for a in cols %}<td class="num">{{ counts.get(a, '') }}</td>{% endfor %}</tr>
{% endfor %}<tr><th><span lang="ja">合計</span><span lang="en">total</span></th>
{% for a in cols %}<th class="num">{{ r.plan.by_action.get(a, 0) }}</th>{% endfor %}</tr></table>
{% endif %}
{% if r.delivery %}
<h2><span lang="ja">配信</span><span lang="en">Delivery</span></h2>
<table><tr><th>target</th><th>status</th><th>counts</th><th>message</th></tr>
{% for name, d in r.delivery.items() %}<tr><td>{{ name }}</td><td>{{ d.status }}</td>
<td>{% for k, v in d.counts.items() %}{{ k }} {{ v }}{% if not loop.last %}, {% endif %}
{% endfor %}</td><td>{{ d.message }}</td></tr>{% endfor %}</table>
{% for name, d in r.delivery.items() %}{% if d.problems %}<h3>{{ name }}:
<span lang="ja">配信時の問題</span><span lang="en">delivery problems</span></h3><ul>
{% for p in d.problems %}<li>{{ p.subject }} — {{ p.reason }}</li>{% endfor %}</ul>
{% endif %}{% endfor %}
{% endif %}
<h2><span lang="ja">判断の一覧</span><span lang="en">Every decision</span>
({{ r.decisions|length }})</h2>
<table><tr><th>rule</th><th><span lang="ja">重要度</span><span lang="en">severity</span></th>
<th><span lang="ja">処理</span><span lang="en">action</span></th><th>target</th>
<th><span lang="ja">対象</span><span lang="en">subject</span></th>
<th><span lang="ja">理由</span><span lang="en">reason</span></th></tr>
{% for d in r.decisions %}<tr class="{{ d.severity }}"><td>{{ d.rule }}</td>
<td>{{ d.severity }}</td><td>{{ d.action }}</td><td>{{ d.target }}</td>
<td>{{ d.label or d.subject }}</td><td><span lang="ja">{{ d.message_ja }}</span>
<span lang="en">{{ d.message_en }}</span></td></tr>
{% endfor %}</table>
</body></html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def render_html(report: dict[str, Any]) -> str:
    cols = plan_columns(report["plan"]["by_action"]) if report.get("plan") else []
    return _ENV.from_string(TEMPLATE).render(
        r=report, cols=cols, status_ja=STATUS_JA.get(report["run"]["status"], ""))
