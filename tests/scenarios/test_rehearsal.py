"""``renkei rehearse``: the whole rollover at small scale (default run) and at Tsukuba scale
(``-m scale``): exit 0 only when every invariant and launch holds; HTML and JSON written."""

from __future__ import annotations

import json

import pytest


def test_small_rehearsal_passes_and_writes_both_reports(renkei, tmp_path, capsys):
    out = tmp_path / "r"
    assert renkei("rehearse", "--scale", "small", "--workers", "1", "-o", out) == 0
    data = json.loads((out / "rehearsal.json").read_text("utf-8"))
    assert data["passed"] is True
    assert set(data["phases"]) >= {"generate", "baseline", "apply", "verify", "launches"}
    totals = data["totals"]
    assert totals["created"] > 0 and totals["promoted"] > 0 and totals["graduated"] > 0
    launched = sum(s["launched"] for s in data["launches"].values())
    held = len({h["subject"] for h in data["holds"]})
    assert launched == 2 * (totals["students"] - held), "everyone into every tool that applies"
    assert all(r["broken"] == 0 for r in data["invariants"] if r["severity"] == "ERROR")
    html = (out / "rehearsal.html").read_text("utf-8")
    assert 'id="lang-toggle"' in html and "<svg" in html and "https://" not in html


@pytest.mark.scale
def test_tsukuba_rehearsal_every_invariant_and_every_launch_holds(tmp_path):
    from scenarios.rehearsal import rehearse

    result = rehearse(scale="tsukuba", seed=1)
    data = result.to_json()
    (tmp_path / "rehearsal.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert result.passed, [f for f in data["findings"] if f["severity"] == "ERROR"][:20]
    assert data["totals"]["students"] > 20000
    launched = sum(s["launched"] for s in data["launches"].values())
    assert launched >= 2 * (data["totals"]["students"] - len(data["holds"]))
