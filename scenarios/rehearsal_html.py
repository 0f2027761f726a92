"""The rehearsal's HTML report: one self-contained file, Japanese with an English toggle.

Rendered with Jinja2 (autoescaped) from :meth:`RehearsalResult.to_json` data; CSS, the toggle's
few lines of script and the SVG charts are inline, so it opens offline from ``file://`` and
fetches nothing. The template lives in this module (not a separate file) so an installed
``pip install .`` copy always has it.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from harness.report.charts import bar_chart

ACTIONS_JA = {"students": "在籍", "created": "新規作成", "promoted": "進級", "moved": "学校移動",
              "graduated": "卒業", "held": "保留"}
ACTIONS_EN = {"students": "students", "created": "created", "promoted": "promoted",
              "moved": "moved school", "graduated": "graduated", "held": "held"}
PHASES_JA = {"generate": "市の生成", "baseline": "現年度の連携", "rollover": "年次更新（c4th）",
             "preview": "事前確認（ドライラン）", "apply": "年次更新の連携",
             "verify": "不変条件の確認", "launches": "LTI 起動", "verify-launches": "起動の検証"}

TEMPLATE = """<!doctype html>
<html lang="ja" data-lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>renkei 年次更新リハーサル / rollover rehearsal</title>
<style>
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:2rem;color:#222}
[data-lang=ja] .en{display:none} [data-lang=en] .ja{display:none}
h1{font-size:1.5rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85rem} td,th{border:1px solid #ddd;padding:.2rem .5rem}
th{background:#f3f5f8} td.n{text-align:right}
.verdict{display:inline-block;padding:.3rem .8rem;border-radius:4px;color:#fff;font-weight:600}
.pass{background:#2e7d4f} .fail{background:#b3261e}
.cards{display:flex;gap:1rem;flex-wrap:wrap} .card{border:1px solid #ddd;padding:.6rem 1rem}
.card b{display:block;font-size:1.4rem} tr.broken td{background:#fdecea}
#lang-toggle{float:right;padding:.3rem .8rem}
</style>
</head>
<body>
<button id="lang-toggle" type="button">English</button>
<h1><span class="ja">年次更新リハーサル</span><span class="en">April rollover rehearsal</span></h1>
<p><span class="verdict {{ 'pass' if d.passed else 'fail' }}" id="verdict">
<span class="ja">
{{ '合格: すべての不変条件と起動が成立' if d.passed else '不合格: 問題があります' }}</span>
<span class="en">
{{ 'PASS: every invariant and launch holds' if d.passed else 'FAIL: see below' }}</span>
</span>
<span class="ja">規模 {{ d.scale }} ／ シード {{ d.seed }} ／ 並列 {{ d.workers }} ／
{{ d.started }}</span>
<span class="en">scale {{ d.scale }} / seed {{ d.seed }} / workers {{ d.workers }} /
{{ d.started }}</span>
</p>

<h2><span class="ja">概要</span><span class="en">Summary</span></h2>
<div class="cards">
{% for key in ['students','created','promoted','moved','graduated','held'] %}
<div class="card"><b>{{ d.totals.get(key, 0) }}</b>
<span class="ja">{{ actions_ja[key] }}</span><span class="en">{{ actions_en[key] }}</span></div>
{% endfor %}
<div class="card"><b>{{ launched }}</b><span class="ja">起動</span>
<span class="en">launches</span></div>
<div class="card"><b>{{ broken }}</b>
<span class="ja">不変条件の違反</span><span class="en">broken invariants</span></div>
</div>

<h2><span class="ja">学校別の変化</span><span class="en">By school</span></h2>
{{ school_chart | safe }}
<table id="schools"><tr><th>学校コード</th><th><span class="ja">学校</span>
<span class="en">school</span></th>
{% for key in ['students','created','promoted','moved','graduated','held'] %}
<th><span class="ja">{{ actions_ja[key] }}</span><span class="en">
{{ actions_en[key] }}</span></th>
{% endfor %}
<th><span class="ja">連携の計画</span><span class="en">pipeline plan</span></th></tr>
{% for s in d.schools %}<tr><td>{{ s.school_code }}</td><td>{{ s.name }}</td>
{% for key in ['students','created','promoted','moved','graduated','held'] %}
<td class="n">{{ s.get(key, 0) }}</td>{% endfor %}
<td>{% for k, v in s.items() if k.startswith('plan:') %}{{ k[5:] }}
{{ v }} {% endfor %}</td></tr>
{% endfor %}</table>

<h2><span class="ja">不変条件</span><span class="en">Invariants</span></h2>
<table id="invariants"><tr><th>ID</th><th><span class="ja">内容</span>
<span class="en">what</span></th>
<th><span class="ja">違反</span><span class="en">broken</span></th></tr>
{% for r in d.invariants %}<tr class="
{{ 'broken' if r.broken and r.severity == 'ERROR' else '' }}">
<td>{{ r.id }}</td><td>{{ r.title }}</td><td class="n">{{ r.broken }}</td></tr>{% endfor %}
</table>

<h2><span class="ja">LTI 起動</span><span class="en">LTI launches</span></h2>
{{ launch_chart | safe }}
<table id="launches"><tr><th><span class="ja">ツール</span><span class="en">tool</span></th>
<th>launched</th><th>verified</th><th>refused</th><th>failed</th></tr>
{% for tool, s in d.launches.items() %}<tr><td>{{ tool }}</td><td class="n">
{{ s.launched }}</td>
<td class="n">{{ s.verified }}</td><td class="n">{{ s.refused }}</td><td class="n">
{{ s.failed }}</td></tr>
{% endfor %}</table>

<h2><span class="ja">保留（4月までに直すもの）</span>
<span class="en">Held (fix before April)</span></h2>
<table id="holds"><tr><th>rule</th><th><span class="ja">児童生徒</span>
<span class="en">pupil</span></th>
<th><span class="ja">理由</span><span class="en">reason</span></th></tr>
{% for h in d.holds %}<tr><td>{{ h.rule }}</td><td>{{ h.name }}</td>
<td><span class="ja">{{ h.reason_ja }}</span><span class="en">{{ h.reason }}</span></td></tr>
{% endfor %}</table>

<h2><span class="ja">所見</span><span class="en">Findings</span></h2>
<table id="findings"><tr><th>rule</th><th><span class="ja">場所</span>
<span class="en">where</span></th>
<th><span class="ja">内容</span><span class="en">message</span></th></tr>
{% for f in findings %}<tr><td>{{ f.rule }} {{ f.severity }}</td><td>{{ f.file }}
{{ f.value or '' }}</td>
<td><span class="ja">{{ f.message_ja }}</span><span class="en">
{{ f.message_en }}</span></td></tr>
{% endfor %}</table>

<h2><span class="ja">所要時間</span><span class="en">Phases</span></h2>
{{ phase_chart | safe }}
<table id="runs"><tr><th>run</th><th>exit</th><th>s</th><th>decisions</th></tr>
{% for name, r in d.runs.items() %}<tr><td>{{ name }}</td><td>{{ r.exit_code }}</td>
<td class="n">{{ r.seconds }}</td><td>{% for k, v in r.decisions.items() %}{{ k }}
{{ v }} {% endfor %}</td></tr>
{% endfor %}</table>
<script>
document.getElementById("lang-toggle").addEventListener("click", function () {
  var root = document.documentElement, en = root.getAttribute("data-lang") === "ja";
  root.setAttribute("data-lang", en ? "en" : "ja");
  root.setAttribute("lang", en ? "en" : "ja");
  this.textContent = en ? "日本語" : "English";
});
</script>
</body>
</html>
"""


def render_rehearsal_html(data: dict[str, Any], *, max_findings: int = 500) -> str:
    """The HTML report for :meth:`RehearsalResult.to_json` data."""
    schools = data.get("schools", [])
    keys = ("created", "promoted", "moved", "graduated", "held")
    school_chart = bar_chart(
        [f"{s['name']}" for s in schools],
        [(f"{ACTIONS_JA[k]} {ACTIONS_EN[k]}", [s.get(k, 0) for s in schools]) for k in keys],
        title="学校別の変化 / changes by school", chart_id="chart-schools")
    tools = list(data.get("launches", {}))
    launch_chart = bar_chart(
        tools, [(k, [data["launches"][t].get(k, 0) for t in tools])
                for k in ("verified", "refused", "failed")],
        title="LTI 起動 / launches", chart_id="chart-launches")
    phases = list(data.get("phases", {}))
    phase_chart = bar_chart(
        [f"{PHASES_JA.get(p, p)} {p}" for p in phases],
        [("seconds", [data["phases"][p] for p in phases])], title="所要時間 / seconds",
        chart_id="chart-phases", label_width=260)
    findings = sorted(data.get("findings", []),
                      key=lambda f: {"ERROR": 0, "WARN": 1, "INFO": 2}.get(f["severity"], 3))
    env = Environment(autoescape=True)
    return env.from_string(TEMPLATE).render(
        d=_Obj(data), actions_ja=ACTIONS_JA, actions_en=ACTIONS_EN,
        school_chart=school_chart, launch_chart=launch_chart, phase_chart=phase_chart,
        findings=findings[:max_findings],
        launched=sum(s.get("launched", 0) for s in data.get("launches", {}).values()),
        broken=sum(r.get("broken", 0) for r in data.get("invariants", [])
                   if r.get("severity") == "ERROR"),
    )


class _Obj(dict):
    """Attribute access for the template (``d.scale``) over the JSON dict."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None
