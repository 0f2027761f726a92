"""The checker and the pipeline read one disability table and agree on every class title.

A title passes ``renkei check oneroster`` without OR530 exactly when the pipeline, given an
empty mapping table, delivers it (no PL222 hold): both read ``harness.oneroster.disability``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from harness.oneroster import check_bundle, write_bundle
from harness.oneroster.disability import KINDS, OTHER, TERMS, c4th_suffix, named_in
from harness.oneroster.testset.base import sample_bundle
from pipeline.preprocess.titles import rename_special_needs
from pipeline.preprocess.work import ClassDraft, Work

#: Pieces of ordinary titles, and single characters of the terms, so that fillers can sit
#: next to a term, split one, or build one by accident.
FILLER = st.sampled_from(
    ["ひまわり", "あおぞら", "1組", "2年", "学級", "特別支援", "　", " ", "（", "）", "・", "の",
     "知", "的", "障", "害", "自", "情", "病", "弱", "聴", "言語", "がい", "A", "7"])
PIECE = st.one_of(FILLER, st.sampled_from(TERMS), st.sampled_from(KINDS).map(
    lambda k: c4th_suffix(k.term)))
TITLES = st.lists(PIECE, min_size=1, max_size=6).map("".join)


def checker_flags(title: str, folder: Path) -> bool:
    bundle = sample_bundle("jp-eportal-v4")
    bundle.tables["classes"][0]["title"] = title
    result = check_bundle(write_bundle(bundle, folder / "RO_20250501_082201"))
    return any(f.rule == "OR530" for f in result.findings)


def pipeline_holds(title: str) -> bool:
    work = Work(school_year=2025)
    work.classes["c1"] = ClassDraft("c1", "B101/2025/x", "B101", 2025, title, title, ["P1"],
                                    special_needs=True)
    rename_special_needs(work, {}, {})
    return bool(work.classes["c1"].held)


@settings(max_examples=60, deadline=None)
@given(title=TITLES)
def test_checker_flags_a_title_exactly_when_the_pipeline_holds_it(title):
    assume(title.strip())  # a blank title is a required-field error, not a disclosure
    with tempfile.TemporaryDirectory() as d:
        assert checker_flags(title, Path(d)) == pipeline_holds(title), title


def test_every_kind_and_short_form_is_a_term():
    for kind in KINDS:
        assert named_in(f"ひまわり1組{c4th_suffix(kind.term)}") == kind.term
        for short in kind.short:
            assert named_in(f"{short}1組") is not None
    assert all(named_in(w) == w for w in OTHER)
    assert named_in("ひまわり1組") is None


def test_the_short_form_is_reported_inside_the_longer_term():
    # longest first: the report names the whole term, not 自閉 inside it
    assert named_in("1組（自閉症・情緒障害）") == "自閉症・情緒障害"
