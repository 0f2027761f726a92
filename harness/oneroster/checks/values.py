"""Cell validators compiled once per column: the checker's hot path.

Each validator takes a non-blank string and returns ``None`` when it is fine, or
``(rule_id, params)``. Blank values never reach a validator (required-ness is checked apart).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Sequence

from harness.oneroster.schema import Column

Problem = tuple[str, dict[str, object]] | None
Validator = Callable[[str], Problem]

GUID = re.compile(r"[0-9A-Za-z.\-_/@]{1,255}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
YEAR = re.compile(r"\d{4}")
INTEGER = re.compile(r"[+-]?\d+")
POSITIVE_INTEGER = re.compile(r"0*[1-9]\d*")
USER_ID = re.compile(r"\{[^{}:,]+:[^{},]+\}")
KANA = re.compile(r"[\u30A1-\u30FA\u30FB\u30FC\u3000 ]+")
UUID4 = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
)
BOOLEANS = frozenset({"true", "false"})


def valid_date(value: str) -> bool:
    if not DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _guid(v: str) -> Problem:
    return None if GUID.fullmatch(v) else ("OR302", {})


_GUID_BAD_CHAR = re.compile(r"[^0-9A-Za-z.\-_/@\n]")
_HEX_TO_X = str.maketrans("0123456789abcdef", "x" * 16)


@functools.lru_cache(maxsize=8)
def _uuid_shape(n: int) -> str:
    return ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\n" * n)[:-1]


def uuid_lines(joined: str, n: int) -> bool:
    """Whether ``joined`` is ``n`` lower-case hex 8-4-4-4-12 UUIDs joined by newlines (no value
    holds a newline), judged in C: its hex digits translated to ``x`` give the shape of ``n``
    UUIDs (a regex over a 4,096-value column took five times longer)."""
    return (len(joined) == 37 * n - 1 and "x" not in joined  # x is the shape's own letter
            and joined.translate(_HEX_TO_X) == _uuid_shape(n))


def uuid4_lines(joined: str, n: int) -> bool:
    """:func:`uuid_lines`, and each UUID is version 4 (variant 8, 9, a or b)."""
    return (uuid_lines(joined, n)
            and not joined[14::37].strip("4") and not joined[19::37].strip("89ab"))


def _all_guids(values: set[str]) -> bool:
    # one regex pass over all values; a value holding "\n" fails the count check. The length
    # limit is a separate max(): folded into the regex as "|[^\n]{256}" it made the search
    # try a 256-character run at every position, 8x the cost of the character class alone.
    # Lower-case UUIDs (the usual id column) are GUIDs: the shape test is the cheaper pass.
    joined = "\n".join(values)
    if uuid_lines(joined, len(values)):
        return True
    return (joined.count("\n") == len(values) - 1 and not _GUID_BAD_CHAR.search(joined)
            and max(map(len, values), default=0) <= 255)


_guid.all_valid = _all_guids  # type: ignore[attr-defined]


def _guid_list(v: str) -> Problem:
    for item in v.split(","):
        if not GUID.fullmatch(item):
            return ("OR310", {"value": item or "(blank)"})
    return None


def _string_list(v: str) -> Problem:
    for item in v.split(","):
        if not item.strip():
            return ("OR310", {"value": "(blank)"})
    return None


def _date(v: str) -> Problem:
    return None if valid_date(v) else ("OR303", {})


def _datetime(v: str) -> Problem:
    if not DATETIME.fullmatch(v):
        return ("OR304", {})
    try:
        dt.datetime.fromisoformat(v[:-1])
    except ValueError:
        return ("OR304", {})
    return None


def _year(v: str) -> Problem:
    return None if YEAR.fullmatch(v) else ("OR305", {})


def _boolean(v: str) -> Problem:
    return None if v in BOOLEANS else ("OR306", {})


_boolean.all_valid = BOOLEANS.issuperset  # type: ignore[attr-defined]


def _integer(v: str) -> Problem:
    return None if INTEGER.fullmatch(v) else ("OR308", {})


def _float(v: str) -> Problem:
    try:
        x = float(v)
    except ValueError:
        return ("OR309", {})
    return None if math.isfinite(x) else ("OR309", {})


def _kana(v: str) -> Problem:
    return None if KANA.fullmatch(v) else ("OR520", {})


def _all_lines(pattern: re.Pattern[str]) -> Callable[[set[str]], bool]:
    """A fast path judging a set of values with one regex pass over them joined by newlines."""
    lines = re.compile(f"(?:(?:{pattern.pattern})\n)*(?:{pattern.pattern})")

    def all_valid(values: set[str]) -> bool:
        joined = "\n".join(values)
        return joined.count("\n") == len(values) - 1 and lines.fullmatch(joined) is not None
    return all_valid


_kana.all_valid = _all_lines(re.compile(r"[\u30A1-\u30FA\u30FB\u30FC\u3000 ]+"))  # type: ignore[attr-defined]


def _special_needs(v: str) -> Problem:
    return None if v in BOOLEANS else ("OR514", {})


def _shusseki_no(v: str) -> Problem:
    return None if POSITIVE_INTEGER.fullmatch(v) else ("OR525", {})


def _enum(column: Column) -> Validator:
    allowed = column.enum or frozenset()
    shown = "|".join(sorted(allowed)) + ("|ext:…" if column.extensible else "")

    if column.extensible:
        def check(v: str) -> Problem:
            if v in allowed or (v.startswith("ext:") and len(v) > 4):
                return None
            return ("OR307", {"allowed": shown})
    else:
        def check(v: str) -> Problem:
            return None if v in allowed else ("OR307", {"allowed": shown})
    check.all_valid = allowed.issuperset  # type: ignore[attr-defined]
    return check


def _enum_list(column: Column) -> Validator:
    single = _enum(column)

    def check(v: str) -> Problem:
        for item in v.split(","):
            problem = single(item)
            if problem:
                return ("OR310", {"value": item or "(blank)"})
        return None
    return check


_SIMPLE: dict[str, Validator | None] = {
    "guid": _guid,
    "guid_ref": _guid,
    "guid_ref_list": _guid_list,
    "string": None,
    "string_list": _string_list,
    "date": _date,
    "datetime": _datetime,
    "year": _year,
    "boolean": _boolean,
    "integer": _integer,
    "float": _float,
    "kana": _kana,
    "special_needs": _special_needs,
    "shusseki_no": _shusseki_no,
}


def _user_ids(v: str) -> Problem:
    for item in v.split(","):
        if not USER_ID.fullmatch(item):
            return ("OR312", {"value": item or "(blank)"})
    return None


_user_ids.all_valid = _all_lines(  # type: ignore[attr-defined]
    re.compile(r"\{[^{}:,\n]+:[^{},\n]+\}(?:,\{[^{}:,\n]+:[^{},\n]+\})*")
)


def bad_values(validate: Validator, column: Sequence[str]) -> dict[str, tuple[str, dict]]:
    """The distinct non-blank values of ``column`` that fail ``validate``, with their problem.

    Each distinct value is judged once; validators with an ``all_valid`` fast path judge the
    whole set at once when it is clean, which it usually is.
    """
    values = set(column)
    values.discard("")
    if not values:
        return {}
    all_valid = getattr(validate, "all_valid", None)
    if all_valid is not None and all_valid(values):
        return {}
    out = {}
    for v in values:
        problem = validate(v)
        if problem is not None:
            out[v] = problem
    return out


def validator_for(column: Column, file: str = "") -> Validator | None:
    """The validator for ``column``'s type, or ``None`` when any text is fine."""
    if file == "users" and column.name == "userIds":
        return _user_ids
    if column.type == "enum":
        return _enum(column)
    if column.type == "enum_list":
        return _enum_list(column)
    if column.type == "boolean" and column.enum:
        return _boolean
    return _SIMPLE[column.type]
