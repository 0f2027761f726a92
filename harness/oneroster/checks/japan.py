"""Japan profile row checks (OR5xx): 年度, 学校コード, kana, grades, 外字 and the pilot's quirks.

Each ``*_hooks`` function returns row callbacks bound to one file's column positions; the
collector drops their findings when the profile is not Japanese.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from harness.core import FindingCollector
from harness.oneroster.checks.state import BundleState, UserKey, compact_keys
from harness.oneroster.checks.values import UUID4, YEAR, uuid4_lines, valid_date
from harness.oneroster.disability import named_in

#: A check over one chunk: first lines, records, and the same records as columns.
Hook = Callable[[list[int], list[list[str]], list[tuple[str, ...]]], None]
RowHook = Callable[[int, list[str]], None]

NENDO_TITLE = re.compile(r"(\d{4})年度")
NENDO_PREFIX = re.compile(r"\d{4}年度")
SCHOOL_CODE = re.compile(r"[A-H][0-9]\d{2}[1-3]\d{8}")
BOARD_CODE = re.compile(r"\d{6}")
HALF_WIDTH_KANA = re.compile(r"[\uFF61-\uFF9F]")
PRIVATE_USE = re.compile(r"[\uE000-\uF8FF\U000F0000-\U0010FFFD]")
JP_GRADES = frozenset(
    [f"P{i}" for i in range(1, 7)] + [f"J{i}" for i in range(1, 4)]
    + [f"H{i}" for i in range(1, 4)] + [f"E{i}" for i in range(1, 4)]
)
#: Which grade letters a school kind teaches (学校コード kind → letters).
KIND_GRADES = {"B1": "P", "C1": "J", "C2": "PJ", "D1": "H", "D2": "JH", "E1": "PJHE"}
JP_ROLES = frozenset(
    {"student", "teacher", "guardian", "principal", "siteAdministrator",
     "districtAdministrator", "proctor", "systemAdministrator"}
)
ROLE_VOCABULARY = frozenset(
    {"aide", "counselor", "districtAdministrator", "guardian", "parent", "principal", "proctor",
     "relative", "siteAdministrator", "student", "systemAdministrator", "teacher"}
)
USER_NAMES = ("givenName", "familyName", "middleName", "preferredGivenName",
              "preferredFamilyName", "preferredMiddleName")
REQUIRED_NAMES = ("preferredGivenName", "preferredFamilyName",
                  "metadata.jp.kanaGivenName", "metadata.jp.kanaFamilyName")


class Ctx:
    """One file's column positions plus where findings and facts go."""

    def __init__(self, file: str, index: dict[str, int], sink: FindingCollector,
                 state: BundleState, school_year_reading: str = "start") -> None:
        self.file = file
        self.index = index
        self.sink = sink
        self.state = state
        self.school_year_reading = school_year_reading

    def add(self, rule: str, line: int, name: str | None, **params: object) -> None:
        column = self.index[name] + 1 if name in self.index else None
        params.setdefault("field", name)
        self.sink.add(rule, file=self.file, line=line, column=column, **params)


def per_row(fn: RowHook) -> Hook:
    """Run a row check over a chunk; for small files (sessions, orgs, courses, classes)."""

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        for line, row in zip(lines, rows, strict=True):
            fn(line, row)
    return hook


def rows_where(lines: list[int], column: tuple[str, ...], bad: object) -> list[tuple[int, str]]:
    """(line, value) of the rows whose value is in ``bad`` (none, at no cost, if it is empty:
    most calls, since a clean chunk has nothing to find)."""
    if not bad:
        return []
    return [(line, v) for line, v in zip(lines, column, strict=True) if v in bad]  # type: ignore[operator]


def _text_checks(ctx: Ctx, names: tuple[str, ...], gaiji: bool) -> Hook | None:
    cols = [(ctx.index[n], n) for n in names if n in ctx.index]
    if not cols:
        return None
    suspect = re.compile(f"{HALF_WIDTH_KANA.pattern}|{PRIVATE_USE.pattern}" if gaiji
                         else HALF_WIDTH_KANA.pattern)

    def hook(lines: list[int], rows: list[list[str]], columns: list[tuple[str, ...]]) -> None:
        for pos, name in cols:
            col = columns[pos]
            if not suspect.search("\n".join(col)):
                continue  # one regex pass per column in the usual, clean case
            for line, v in zip(lines, col, strict=True):
                if HALF_WIDTH_KANA.search(v):
                    ctx.add("OR521", line, name, value=v)
                m = PRIVATE_USE.search(v) if gaiji else None
                if m:
                    ctx.add("OR528", line, name, value=None, codepoint=f"{ord(m.group()):04X}")
    return hook


def _grade_problems(grades: str, kind: str | None) -> list[tuple[str, str]]:
    out = []
    for grade in grades.split(","):
        if grade not in JP_GRADES:
            out.append(("OR522", grade))
        elif grade[0] == "E":
            out.append(("OR523", grade))
        elif kind in KIND_GRADES and grade[0] not in KIND_GRADES[kind]:
            out.append(("OR527", grade))
    return out


def _grade_check(ctx: Ctx, name: str, school_column: str) -> Hook | None:
    if name not in ctx.index:
        return None
    pos, school_pos = ctx.index[name], ctx.index.get(school_column)
    kinds = ctx.state.school_kind

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        schools = cols[school_pos] if school_pos is not None else ("",) * len(lines)
        pairs = set(zip(cols[pos], schools, strict=True))
        bad = {}
        for grades, school in pairs:
            if grades and (found := _grade_problems(grades, kinds.get(school))):
                bad[(grades, school)] = found
        if not bad:
            return
        for line, grades, school in zip(lines, cols[pos], schools, strict=True):
            for rule, grade in bad.get((grades, school), ()):
                ctx.add(rule, line, name, value=grade, kind=kinds.get(school))
    return hook


def academic_sessions_hooks(ctx: Ctx) -> list[Hook]:
    i = ctx.index
    t, title, start, end, year = (i.get(k) for k in
                                  ("type", "title", "startDate", "endDate", "schoolYear"))

    def hook(line: int, row: list[str]) -> None:
        if t is not None and row[t] and row[t] != "schoolYear":
            ctx.add("OR501", line, "type", value=row[t])
        nendo = None
        if title is not None and row[title]:
            m = NENDO_TITLE.fullmatch(row[title])
            if m:
                nendo = int(m.group(1))
            else:
                ctx.add("OR502", line, "title", value=row[title])
        if nendo is None and start is not None and valid_date(row[start]):
            y, mth = int(row[start][:4]), int(row[start][5:7])
            nendo = y if mth >= 4 else y - 1
        if nendo is None:
            return
        for pos, name, expected in ((start, "startDate", f"{nendo}-04-01"),
                                    (end, "endDate", f"{nendo + 1}-03-31")):
            if pos is not None and row[pos] and row[pos] != expected:
                ctx.add("OR503", line, name, value=row[pos], expected=expected)
        if year is not None and YEAR.fullmatch(row[year]):
            expected_year = nendo if ctx.school_year_reading == "start" else nendo + 1
            if row[year] != str(expected_year):
                ctx.add("OR504", line, "schoolYear", value=row[year], expected=expected_year)
    return [per_row(hook)] + [h for h in [_text_checks(ctx, ("title",), False)] if h]


def orgs_hooks(ctx: Ctx) -> list[Hook]:
    i = ctx.index
    sid, t, ident, parent = (i.get(k) for k in ("sourcedId", "type", "identifier",
                                                "parentSourcedId"))
    state = ctx.state

    def hook(line: int, row: list[str]) -> None:
        kind = row[t] if t is not None else ""
        if kind and kind not in ("district", "school"):
            ctx.add("OR506", line, "type", value=kind)
        code = row[ident] if ident is not None else ""
        if kind == "district":
            if parent is not None and row[parent]:
                ctx.add("OR507", line, "parentSourcedId", value=row[parent])
            if not BOARD_CODE.fullmatch(code):
                ctx.add("OR510", line, "identifier", value=code or "(blank)")
        elif kind == "school":
            if SCHOOL_CODE.fullmatch(code):
                state.school_codes[code].append(line)
                if sid is not None:
                    state.school_kind[row[sid]] = code[:2]
            else:
                ctx.add("OR508", line, "identifier", value=code or "(blank)")
    return [per_row(hook)] + [h for h in [_text_checks(ctx, ("name",), False)] if h]


def courses_hooks(ctx: Ctx) -> list[Hook]:
    code, title = ctx.index.get("courseCode"), ctx.index.get("title")

    def hook(line: int, row: list[str]) -> None:
        if code is not None and row[code]:
            ctx.add("OR511", line, "courseCode", value=row[code])
        if title is not None and row[title] and not NENDO_PREFIX.match(row[title]):
            ctx.add("OR512", line, "title", value=row[title])
    hooks = [per_row(hook), _text_checks(ctx, ("title",), False),
             _grade_check(ctx, "grades", "orgSourcedId")]
    return [h for h in hooks if h]


def classes_hooks(ctx: Ctx) -> list[Hook]:
    ctype, title = ctx.index.get("classType"), ctx.index.get("title")

    def hook(line: int, row: list[str]) -> None:
        if ctype is not None and row[ctype].startswith("ext:"):
            ctx.add("OR513", line, "classType", value=row[ctype])
        if title is not None:
            term = named_in(row[title])
            if term is not None:
                ctx.add("OR530", line, "title", value=row[title], term=term)
    hooks = [per_row(hook), _text_checks(ctx, ("title", "location"), False),
             _grade_check(ctx, "grades", "schoolSourcedId")]
    return [h for h in hooks if h]


def users_hooks(ctx: Ctx) -> list[Hook]:
    i = ctx.index
    enabled, umi, user_ids, sid = (i.get(k) for k in ("enabledUser", "userMasterIdentifier",
                                                      "userIds", "sourcedId"))
    required = [(i[n], n) for n in REQUIRED_NAMES if n in i]
    state = ctx.state

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        if enabled is not None and "false" in cols[enabled]:  # other spellings: OR306
            for line, v in rows_where(lines, cols[enabled], ("false",)):
                ctx.add("OR515", line, "enabledUser", value=v)
        if umi is not None:
            _master_ids(ctx, lines, cols[umi])
        for pos, name in required:
            if "" in cols[pos]:
                for line, _ in rows_where(lines, cols[pos], ("",)):
                    ctx.add("OR519", line, name)
        if user_ids is not None:
            # each element -> the line it was first met on; that line's user is its key
            # (BundleState.user_keys), noted in user_line_owner only where it is not the line
            seen, owner = state.user_id_values, state.user_line_owner
            owners: Sequence[UserKey] = (state.user_keys(cols[sid])[0] if sid is not None
                                         else ("",) * len(lines))
            if owners != lines:
                owner.update((line, k) for line, k in zip(lines, owners, strict=True)
                             if k != line)
            ids = cols[user_ids]
            if "" not in ids and ",".join(ids).count(",") == len(ids) - 1:
                # one element per user, the usual case: one probe per element
                firsts = seen.add(ids, lines)
                for line, me, value, first in (zip(lines, owners, ids, firsts, strict=True)
                                               if firsts else ()):
                    if owner.get(first, first) != me:
                        ctx.add("OR529", line, "userIds", value=value, first_line=first)
                return
            firsts_of = seen.mapping()
            for line, me, value in zip(lines, owners, cols[user_ids], strict=True):
                for element in value.split(",") if value else ():
                    first = firsts_of.setdefault(element, line)
                    if owner.get(first, first) != me:
                        ctx.add("OR529", line, "userIds", value=element, first_line=first)
    hooks = [hook, _text_checks(ctx, USER_NAMES, True),
             _grade_check(ctx, "grades", "primaryOrgSourcedId")]
    return [h for h in hooks if h]


def _master_ids(ctx: Ctx, lines: list[int], col: tuple[str, ...]) -> None:
    """userMasterIdentifier: present (OR516), a UUID v4 (OR517), unique (OR518)."""
    if "" in col:
        for line, _ in rows_where(lines, col, ("",)):
            ctx.add("OR516", line, "userMasterIdentifier")
    values = set(col)
    values.discard("")
    joined = "\n".join(values)
    # ASCII upper case lowers letter by letter: the lower-case shape test judges them all
    if not (joined.isascii() and uuid4_lines(joined.lower(), len(values))):
        bad = {v for v in values if not UUID4.fullmatch(v)}
        for line, v in rows_where(lines, col, bad):
            ctx.add("OR517", line, "userMasterIdentifier", value=v)
    seen = ctx.state.user_master_ids
    whole = "\n".join(col)
    if whole.isascii() and whole.count("\n") == len(col) - 1:
        lowered = compact_keys(whole.lower().split("\n"))
    else:
        lowered = compact_keys([v.lower() for v in col])
    if "" not in col:  # the usual case: one probe per id, a row loop only for repeats
        firsts = seen.add(lowered, lines)
        for line, v, first in zip(lines, col, firsts, strict=True) if firsts else ():
            if first != line:
                ctx.add("OR518", line, "userMasterIdentifier", value=v, first_line=first)
        return
    firsts_of = seen.mapping()
    for line, v, low in zip(lines, col, lowered, strict=True):
        if not v:
            continue
        if low in firsts_of:
            ctx.add("OR518", line, "userMasterIdentifier", value=v, first_line=firsts_of[low])
        else:
            firsts_of[low] = line


def enrollments_hooks(ctx: Ctx) -> list[Hook]:
    role, primary = ctx.index.get("role"), ctx.index.get("primary")
    if role is None or primary is None:
        return []

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        if "true" not in cols[primary]:
            return
        for line, r, p in zip(lines, cols[role], cols[primary], strict=True):
            if r == "student" and p == "true":
                ctx.add("OR524", line, "primary", value=p)
    return [hook]


def roles_hooks(ctx: Ctx) -> list[Hook]:
    role = ctx.index.get("role")
    if role is None:
        return []
    outside = ROLE_VOCABULARY - JP_ROLES  # terms outside the vocabulary are OR307's

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        bad = outside.intersection(cols[role])
        for line, v in rows_where(lines, cols[role], bad):
            ctx.add("OR526", line, "role", value=v)
    return [hook]


HOOKS: dict[str, Callable[[Ctx], list[Hook]]] = {
    "academicSessions": academic_sessions_hooks,
    "orgs": orgs_hooks,
    "courses": courses_hooks,
    "classes": classes_hooks,
    "users": users_hooks,
    "enrollments": enrollments_hooks,
    "roles": roles_hooks,
}


def finish(state: BundleState, sink: FindingCollector) -> None:
    for code, lines in state.school_codes.items():
        if len(lines) > 1:
            sink.add("OR531", file="orgs.csv", line=lines[1], value=code, count=len(lines))
