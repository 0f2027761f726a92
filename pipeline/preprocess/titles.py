"""Class titles: the special-needs rename (PL221, PL222) and junior-high display grades (PL231).

C4th names a 特別支援学級 (tokubetsu shien gakkyū, special-needs class) after the disability it
serves (pilot §3.3.3). Titles leave the school in every tool, so the municipality's mapping
table (config ``[special_needs]``: exact ``titles`` first, then ``terms`` replaced anywhere)
rewrites them; a title that still names a disability afterwards (any term or short form of
``harness.oneroster.disability``, the table the checker's OR530 reads too) is held with its
pupils.

With ``display_grades`` on, classes whose grades are all J1–J3 get their leading 1年/2年/3年
rewritten to 7年/8年/9年 (Tsukuba's wish, pilot §3.3.3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from harness.oneroster.disability import named_in
from pipeline.preprocess.work import Work

JUNIOR = frozenset({"J1", "J2", "J3"})
LEADING_YEAR = re.compile(r"^([1-3１-３])(\s*年)")
DISPLAY = {"1": "7", "2": "8", "3": "9", "１": "７", "２": "８", "３": "９"}


def rename_special_needs(work: Work, titles: Mapping[str, str], terms: Mapping[str, str]
                         ) -> None:
    """Apply the mapping table to every class title; hold classes still naming a disability."""
    for cls in work.classes.values():
        title = titles.get(cls.source_title)
        if title is None:
            title = cls.source_title
            for term, replacement in terms.items():
                title = title.replace(term, replacement)
        title = title.strip()
        if title != cls.source_title and title:
            cls.title = title
            work.decide("PL221", "cleanse", cls.key, from_title=cls.source_title,
                        to_title=title)
        named = named_in(cls.title)
        if named is not None or not cls.title:
            cls.held.append("PL222")
            work.decide("PL222", "hold", cls.key, title=cls.title, term=named or "(blank)")


def rewrite_display_grades(work: Work) -> None:
    """1年/2年/3年 → 7年/8年/9年 at the start of J1–J3 class titles."""
    for cls in work.classes.values():
        if cls.held or not cls.grades or not set(cls.grades) <= JUNIOR:
            continue
        m = LEADING_YEAR.match(cls.title)
        if m is None:
            continue
        title = DISPLAY[m.group(1)] + cls.title[1:]
        work.decide("PL231", "cleanse", cls.key, from_title=cls.title, to_title=title)
        cls.title = title


def hold_pupils_of_held_classes(work: Work) -> None:
    """A held class holds its pupils (their class change is not applied either)."""
    held = {sid: c for sid, c in work.classes.items() if c.held}
    if not held:
        return
    for p in work.people:
        cls = held.get(p.class_id)
        if cls is not None and not p.held:
            rule = cls.held[0]
            fields = {"title": cls.title, "school_code": cls.school_code,
                      "school_year": cls.school_year, "term": named_in(cls.title) or "",
                      "name": cls.school_code, "value": cls.school_code, "umi": p.umi}
            work.hold(p, rule, **fields)
