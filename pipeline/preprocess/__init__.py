"""Preprocess (前処理, pilot §3.3): turn a validated C4th export into clean, keyed drafts.

Steps, each its own module and ``PL2xx`` rules, in this order:

1. :mod:`~pipeline.preprocess.source` — read schools, this 年度's homeroom classes, people;
2. :mod:`~pipeline.preprocess.schools` — key schools by 学校コード, merge each 義務教育学校,
   key classes by (school, 年度, title);
3. :mod:`~pipeline.preprocess.people` — drop stale duplicates by GIGA id (hold when
   ambiguous), then hold people who cannot be placed;
4. :mod:`~pipeline.preprocess.titles` — special-needs rename, display grades, holds;
5. :mod:`~pipeline.preprocess.names` — the gaiji-free external name, checked;
6. :mod:`~pipeline.preprocess.passwords` — initial passwords for new pupils (after the
   initial link, which decides who is new; see :mod:`pipeline.plan`).
"""

from __future__ import annotations

from collections.abc import Mapping

from harness.oneroster.model import Bundle
from pipeline.preprocess.names import check_names
from pipeline.preprocess.people import ClaimsOf, OwnersOf, drop_stale_duplicates, place_people
from pipeline.preprocess.schools import merge_schools
from pipeline.preprocess.source import read_work, school_year_of
from pipeline.preprocess.titles import (
    hold_pupils_of_held_classes,
    rename_special_needs,
    rewrite_display_grades,
)
from pipeline.preprocess.work import ClassDraft, PersonDraft, SchoolDraft, Work


def preprocess(bundle: Bundle, *, school_year: int, known_owners: OwnersOf,
               claims: ClaimsOf | None = None, teachers: bool = False,
               titles: Mapping[str, str] | None = None,
               terms: Mapping[str, str] | None = None, display_grades: bool = False) -> Work:
    """Run steps 1–5 on ``bundle``.

    :param known_owners: GIGA ids → the userMasterIdentifier known to own each (previous
        roster, target accounts on the first run); decides stale duplicates. Asked once, for
        the GIGA ids on several records only.
    :param claims: GIGA ids → every userMasterIdentifier the board's password file pairs
        each with (rows set aside as conflicts included); a claimed record is never dropped.
        Asked once, for the same GIGA ids.
    """
    work = read_work(bundle, school_year=school_year, teachers=teachers)
    merge_schools(work)
    drop_stale_duplicates(work, known_owners, claims)
    place_people(work)
    rename_special_needs(work, titles or {}, terms or {})
    if display_grades:
        rewrite_display_grades(work)
    hold_pupils_of_held_classes(work)
    check_names(work)
    if work.teachers_skipped:
        work.decide("PL207", "report", "teachers", count=work.teachers_skipped)
    return work


__all__ = ["ClassDraft", "PersonDraft", "SchoolDraft", "Work", "preprocess", "school_year_of"]
