"""Importer-practice checks (OR7xx): what strict Japanese e-portal importers reject.

Field practice, not the spec (see :mod:`harness.oneroster.rules_practice` for the evidence).
The row hooks follow the checker's column-wise pattern: one regex or set operation over a
chunk's column in the clean case, a row lookup only for the values that fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from harness.core import FindingCollector
from harness.oneroster.checks.japan import JP_ROLES, Ctx, Hook, rows_where
from harness.oneroster.checks.state import BundleState
from harness.oneroster.checks.values import uuid4_lines
from harness.oneroster.rules_practice import (
    NOT_ROSTERING,
    PILOT_GRADES,
    PILOT_ROLES,
    ROSTER_CORE,
    SUBJECT_CODES,
    UPLOAD_LIMIT,
    Y_BUNDLE_NAME,
)
from harness.oneroster.schema import FileSpec

#: The form F社's check_uuid.sh accepts (the strictest of the pilot importers): lower-case hex.
UUID4_LOWER = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
ID_TYPES = frozenset({"guid", "guid_ref", "guid_ref_list"})
#: Files whose sourcedIds are not worth remembering as judged: no other file refers to them,
#: or (users) there are too many. A chunk of references to users' ids is judged again by the
#: shape test (one pass in C), cheaper at 230,000 users than probing a set of them all.
NOT_REMEMBERED = frozenset({"users", "enrollments", "roles", "demographics", "classResources",
                          "courseResources", "userResources", "lineItemScoreScales",
                          "resultScoreScales", "lineItemLearningObjectiveIds",
                          "resultLearningObjectiveIds"})

# One RFC 4180 record (quoted fields may hold line breaks), and one whose fields are all quoted.
_QUOTED = r'"(?:[^"]|"")*"'
_FIELD = rf'(?:{_QUOTED}|[^",\r\n]*)'
RECORD = re.compile(rf"{_FIELD}(?:,{_FIELD})*")
ALL_QUOTED = re.compile(rf"{_QUOTED}(?:,{_QUOTED})*")
#: Characters of each file judged for quoting (OR704).
QUOTING_PREFIX = 16 * 1024


def enabled(sink: FindingCollector, rule_id: str) -> bool:
    """Whether ``sink`` keeps findings of ``rule_id`` (so work for a dropped rule is skipped)."""
    return sink.profile is None or sink.registry[rule_id].applies_to(sink.profile)


def _all_uuid4(values: Collection[str]) -> bool:
    """Whether every value is a lower-case UUID v4, judged at once in C (a regex over the
    column took 7x longer)."""
    return uuid4_lines("\n".join(values), len(values))


def _id_hook(ctx: Ctx, name: str, is_list: bool, null_is_blank: bool) -> Hook:
    pos = ctx.index[name]
    ok = ctx.state.uuid4_ok  # ids judged once per bundle: references repeat the sourcedIds
    unique = name == "sourcedId"
    remember = unique and ctx.file[:-4] not in NOT_REMEMBERED

    def bad_value(value: str) -> bool:
        items = value.split(",") if is_list else (value,)
        return any(item and not UUID4_LOWER.fullmatch(item) for item in items)

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        col = cols[pos]
        if ok.issuperset(col):
            return  # references to ids already judged (a few distinct orgs, classes, terms)
        if "" not in col and _all_uuid4(col):
            if remember:
                ok.update(col)
            return  # a sourcedId column, or references to users: one pass over the chunk
        values = set(col).difference(ok)
        values.discard("")
        if null_is_blank:
            values.discard("NULL")  # OR505 reads it as blank
        if not values:
            return
        items = set(",".join(values).split(",")) - ok - {""} if is_list else values
        if _all_uuid4(items):
            ok.update(items)
            return
        bad = {v for v in values if bad_value(v)}
        if not is_list:
            ok.update(values - bad)
        for line, v in rows_where(lines, col, bad):
            ctx.add("OR701", line, name, value=v)
    return hook


def _blank_hook(ctx: Ctx, name: str, rule: str) -> Hook | None:
    """``rule`` on every row whose ``name`` is blank (homeClass OR706, primary OR719)."""
    pos = ctx.index.get(name)
    if pos is None or not enabled(ctx.sink, rule):
        return None

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        if "" in cols[pos]:
            for line, _ in rows_where(lines, cols[pos], ("",)):
                ctx.add(rule, line, name)
    return hook


def _elements_hook(ctx: Ctx, names: tuple[str, ...], rule: str, allowed: frozenset[str],
                   reported: Collection[str] | None = None) -> Hook | None:
    """``rule`` on each list element of ``names`` outside ``allowed`` (only those in
    ``reported``, when given: the rest are another rule's). One set test per column in the
    usual, clean case."""
    cols = [(ctx.index[n], n) for n in names if n in ctx.index]
    if not cols:
        return None

    def hook(lines: list[int], rows: list[list[str]], columns: list[tuple[str, ...]]) -> None:
        for pos, name in cols:
            values = set(columns[pos])
            values.discard("")
            if not values or allowed.issuperset(",".join(values).split(",")):
                continue
            for line, v in zip(lines, columns[pos], strict=True):
                for item in v.split(",") if v else ():
                    if item and item not in allowed and (reported is None or item in reported):
                        ctx.add(rule, line, name, value=item)
    return hook


#: The columns M社 checks with its notHalfKana pattern (no white space at either end).
PADDED_COLUMNS = {
    "users": ("givenName", "familyName", "middleName", "preferredGivenName",
              "preferredFamilyName", "preferredMiddleName", "metadata.jp.kanaGivenName",
              "metadata.jp.kanaFamilyName", "metadata.jp.kanaMiddleName"),
    "orgs": ("name",), "classes": ("title", "location"), "courses": ("title",),
}
_PADS = (" ", "\t", "\u3000")
_PAD_MARKS = tuple(m for p in _PADS for m in (f"\n{p}", f"{p}\n"))


def _scan_hook(ctx: Ctx, names: tuple[str, ...], rule: str, suspect: Callable[[str], bool],
               bad: Callable[[str], bool]) -> Hook | None:
    """``rule`` on each value of ``names`` that is ``bad``; a column is looked at row by row
    only when ``suspect`` says so of its values joined by newlines (a few substring scans in
    the usual, clean case)."""
    cols = [(ctx.index[n], n) for n in names if n in ctx.index]
    if not cols:
        return None

    def hook(lines: list[int], rows: list[list[str]], columns: list[tuple[str, ...]]) -> None:
        for pos, name in cols:
            col = columns[pos]
            if not suspect("\n".join(col)):
                continue
            for line, v in zip(lines, col, strict=True):
                if bad(v):
                    ctx.add(rule, line, name, value=v)
    return hook


def _padded_somewhere(joined: str) -> bool:
    return (joined[:1] in _PADS or joined[-1:] in _PADS
            or any(mark in joined for mark in _PAD_MARKS))


def _padded(value: str) -> bool:
    return value != value.strip(" \t\u3000")


def _several(value: str) -> bool:
    return "," in value


_Y_NAME = re.compile(Y_BUNDLE_NAME)
#: Columns K社 checks against P1–P6/J1–J3 (OR716) and columns it compares as one value (OR717).
GRADE_COLUMNS = {"users": ("grades",), "courses": ("grades",), "classes": ("grades",)}
SINGLE_VALUE_COLUMNS = {"users": ("grades", "agentSourcedIds"), "courses": ("grades",),
                        "classes": ("termSourcedIds",)}
#: 高等学校 grades: valid in the profile (OR522), refused by K社. E grades are OR523's.
_HIGH_SCHOOL = frozenset(f"H{i}" for i in range(1, 4))


def bundle_checks(name: str, is_zip: bool, size: int | None, members: Collection[str],
                  sink: FindingCollector) -> None:
    """The whole-bundle OR7xx rules: its name and size, which files and member names it has.

    :param name: the bundle's file (or folder) name; ``size`` its bytes (a zip) or ``None``.
    :param members: the member names at the root of the bundle.
    """
    for member in sorted(members):
        if member.endswith(".csv") and member[:-4] in NOT_ROSTERING:
            sink.add("OR709", file=member)
        if is_zip and not member.isascii():
            sink.add("OR713", file=member)
    for core in ROSTER_CORE:
        if f"{core}.csv" not in members:
            sink.add("OR712", file=f"{core}.csv")
    if is_zip and not _Y_NAME.fullmatch(name):
        sink.add("OR710", file=name)
    if size is not None and size > UPLOAD_LIMIT:
        sink.add("OR715", file=name, value=size)


def _roles_hook(ctx: Ctx) -> Hook | None:
    pos = ctx.index.get("role")
    if pos is None:
        return None

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        values = set(cols[pos]) - PILOT_ROLES
        # blank is OR301's, a term outside the vocabulary OR307's, the rarer terms OR526's
        bad = {v for v in values if v in JP_ROLES or v.startswith("ext:")}
        for line, v in rows_where(lines, cols[pos], bad):
            ctx.add("OR718", line, "role", value=v)
    return hook


def _district_hook(ctx: Ctx) -> Hook | None:
    kind, ident = ctx.index.get("type"), ctx.index.get("identifier")
    if kind is None or ident is None:
        return None
    state = ctx.state

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        if not state.district_code and "district" in cols[kind]:
            state.district_code = any(k == "district" and code.strip()
                                      for k, code in zip(cols[kind], cols[ident], strict=True))
    return hook


def finish(state: BundleState, sink: FindingCollector) -> None:
    """OR7xx rules that need a whole file read."""
    if "orgs" in state.complete and not state.district_code:
        sink.add("OR714", file="orgs.csv")


def hooks(ctx: Ctx, spec: FileSpec) -> list[Hook]:
    """The OR7xx row hooks for one file (every id column, homeClass, subjectCodes, names,
    grades, list fields, roles, enrollments' primary, the district's code)."""
    out: list[Hook | None] = []
    if enabled(ctx.sink, "OR701"):
        out += [_id_hook(ctx, c.name, c.type == "guid_ref_list",
                         spec.name == "academicSessions" and c.name == "parentSourcedId")
                for c in spec.columns if c.type in ID_TYPES and c.name in ctx.index]
    if spec.name == "users":
        out.append(_blank_hook(ctx, "metadata.jp.homeClass", "OR706"))
    if spec.name in ("classes", "courses"):
        out.append(_elements_hook(ctx, ("subjectCodes",), "OR707", SUBJECT_CODES))
    if spec.name in PADDED_COLUMNS:
        out.append(_scan_hook(ctx, PADDED_COLUMNS[spec.name], "OR708", _padded_somewhere,
                              _padded))
    if spec.name in GRADE_COLUMNS:  # codes outside the profile are OR522's, E grades OR523's
        out.append(_elements_hook(ctx, GRADE_COLUMNS[spec.name], "OR716", PILOT_GRADES,
                                  _HIGH_SCHOOL))
    if spec.name in SINGLE_VALUE_COLUMNS:
        out.append(_scan_hook(ctx, SINGLE_VALUE_COLUMNS[spec.name], "OR717", _several,
                              _several))
    if spec.name == "roles":
        out.append(_roles_hook(ctx))
    if spec.name == "enrollments":
        out.append(_blank_hook(ctx, "primary", "OR719"))
    if spec.name == "orgs":
        out.append(_district_hook(ctx))
    return [h for h in out if h is not None]


def check_quoting(text: str, complete: bool, filename: str, sink: FindingCollector) -> None:
    """OR704: data records (after the header) whose fields are not all in double quotes.

    ``text`` is the decoded start of the file; unless ``complete``, its last record may be cut
    and is not judged. A record that is not well-formed CSV is left to OR121, OR126 and OR127.
    """
    if not enabled(sink, "OR704"):
        return
    if len(text) > QUOTING_PREFIX:
        # a writer quotes every row or none: a hundred-odd records tell, and cost little
        text, complete = text[:QUOTING_PREFIX], False
    pos, line, end = 0, 1, len(text)
    while pos < end:
        m = RECORD.match(text, pos)
        stop = m.end() if m else pos
        if stop < end and text[stop] not in "\r\n":
            return  # malformed (stray quote): the CSV reader reports it
        if stop == end and not complete:
            return  # the record may continue past the sniffed prefix
        record = text[pos:stop]
        if line > 1 and record and not ALL_QUOTED.fullmatch(record):
            sink.add("OR704", file=filename, line=line)
        breaks = record.count("\n") + record.count("\r") - record.count("\r\n")
        step = 2 if text.startswith("\r\n", stop) else 1
        pos, line = stop + step, line + 1 + breaks
