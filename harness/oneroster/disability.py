"""The one table of disability terms (障害種別, shōgai shubetsu) a class title must not name.

C4th names a 特別支援学級 (tokubetsu shien gakkyū, special-needs class) after the disability it
serves and appends the kind in full-width brackets: ``ひまわり1組（知的障害）`` (pilot §3.3.3).
Titles leave the school in every tool, so the checker warns on them (OR530) and the pipeline
holds them until the board's mapping table renames them (PL222). Both read this table, as do
the synthetic city, the scenarios, the example configuration and the benchmarks; nothing else
lists the terms.

``KINDS`` are the seven kinds of 特別支援学級 in MEXT's statistics (学校教育法 §81), each with
the short forms school titles use (知的, 自情 …) and its share of classes (MEXT 特別支援教育資料:
知的 and 自閉症・情緒 make up nine in ten), which the synthetic city draws from. ``OTHER``
are the names of the 特別支援学校 categories and general words that also disclose a disability.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Disability:
    """One kind of 特別支援学級.

    :param term: the kind as MEXT names it, e.g. 知的障害.
    :param short: the short forms titles use instead, e.g. 知的.
    :param en: the English name, for reports and docs.
    :param share: percent of special-needs classes of this kind (rounded; for the fixtures).
    """

    term: str
    short: tuple[str, ...]
    en: str
    share: int


KINDS: tuple[Disability, ...] = (
    Disability("知的障害", ("知的",), "intellectual disability", 44),
    Disability("自閉症・情緒障害", ("自閉症", "情緒障害", "自閉", "情緒", "自情"),
               "autism and emotional disturbance", 46),
    Disability("肢体不自由", ("肢体",), "physical disability", 4),
    Disability("病弱・身体虚弱", ("病弱", "身体虚弱"), "health impairment", 3),
    Disability("難聴", (), "hard of hearing", 1),
    Disability("弱視", (), "low vision", 1),
    Disability("言語障害", (), "speech and language disorder", 1),
)

#: Words that disclose a disability without being a class kind: the 特別支援学校 categories
#: (視覚障害, 聴覚障害), 発達障害, and the bare 障害 / 障がい that catch any other kind.
OTHER: tuple[str, ...] = ("視覚障害", "聴覚障害", "発達障害", "障害", "障がい")

#: Every term and short form, longest first so a match names the whole term.
TERMS: tuple[str, ...] = tuple(sorted(
    {t for k in KINDS for t in (k.term, *k.short)} | set(OTHER), key=lambda t: (-len(t), t)))
PATTERN = re.compile("|".join(re.escape(t) for t in TERMS))


def named_in(title: str) -> str | None:
    """The disability term a class title names (the longest at the first match), or None."""
    m = PATTERN.search(title)
    return m.group() if m else None


def c4th_suffix(term: str) -> str:
    """What C4th appends to a special-needs class title: the kind in full-width brackets."""
    return f"（{term}）"
