"""The PL catalogue: declared once, documented, and every rule the code emits is declared."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.docs import rules_markdown
from pipeline.rules import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "pipeline"
USED = re.compile(r'"(PL\d{3})"')


def _code_rule_ids() -> set[str]:
    ids: set[str] = set()
    for path in PIPELINE.rglob("*.py"):
        if path.name in ("rules.py", "docs.py"):
            continue
        ids |= set(USED.findall(path.read_text(encoding="utf-8")))
    return ids


def test_docs_page_is_current() -> None:
    page = (ROOT / "docs" / "pipeline-rules.md").read_text(encoding="utf-8")
    assert page == rules_markdown(), "regenerate: python -m pipeline.docs > docs/pipeline-rules.md"


def test_every_rule_the_code_emits_is_declared() -> None:
    undeclared = _code_rule_ids() - {r.id for r in REGISTRY}
    assert not undeclared


def test_every_declared_rule_is_emitted_somewhere() -> None:
    unused = {r.id for r in REGISTRY if not r.removed} - _code_rule_ids()
    assert not unused


def test_every_rule_has_both_languages_a_pilot_section_and_a_reason() -> None:
    for rule in REGISTRY:
        assert rule.id.startswith("PL") and len(rule.id) == 5
        assert rule.message_ja and rule.message_en and rule.what
        assert rule.spec and all(("§" in s) or ("DESIGN.md" in s) for s in rule.spec), rule.id


def test_rule_families_follow_the_hundreds() -> None:
    first = {"collect": "1", "preprocess": "2", "reconcile": "3", "link": "4", "run": "5",
             "deliver": "6"}
    for rule in REGISTRY:
        assert rule.id[2] == first[rule.family], rule.id
