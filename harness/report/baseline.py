"""Baselines: known failures a vendor accepts for now, so CI fails only on a regression.

Modelled on the OpenID Foundation conformance suite's expected-failures files. A baseline is
a TOML file of ``[[expected]]`` entries, each naming a certification case (``case``) or a
rule with an optional file (``rule``, ``file``), and why it is accepted (``reason``)::

    # renkei baseline: known failures, accepted while they are fixed
    command = "certify oneroster-consumer"

    [[expected]]
    case = "defect-uuid-sourcedid"
    reason = "our importer accepts any sourcedId until release 4.2"

    [[expected]]
    rule = "OR701"
    file = "users.csv"
    reason = "legacy ids, migrating to UUID v4 by April"

Applied to a report (:func:`apply_baseline`), a listed failure becomes an expected failure
(XFAIL, not counted against the exit code); a listed entry that matched nothing is an XPASS
(reported, with a prompt to update the baseline); any other failure still fails. The states
live on the report (:class:`harness.report.model.Report`), so every formatter shows them.

A malformed file, or one naming a case or rule the command does not know, raises
:class:`BaselineError` with the file and line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
from pathlib import Path

from harness.core import Severity
from harness.report.model import FAIL, XFAIL, XPASS, Expected, Report

_ENTRY_KEYS = {"case", "rule", "file", "reason"}
_TOP_KEYS = {"command", "expected"}


class BaselineError(ValueError):
    """The baseline file cannot be used (unreadable, malformed, unknown case or rule)."""


def load_baseline(path: str | Path, *, command: str, known_cases: Collection[str] = (),
                  case_pattern: str | None = None, known_rules: Collection[str] = ()
                  ) -> list[Expected]:
    """Read and validate a baseline for ``command`` (e.g. ``certify lti-tool``).

    :param known_cases: the case ids the command can run; an entry naming another is an error.
    :param case_pattern: a regular expression for case ids made at run time (``message-3``).
    :param known_rules: the rule ids of the command's registry.
    :raises BaselineError: with ``file:line`` and what to fix.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{p}: no such baseline file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{p}: cannot read the baseline ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"{p}: not valid TOML ({exc})") from None
    lines = text.splitlines()
    unknown = set(data) - _TOP_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise BaselineError(f"{_where(p, lines, key)}: unknown key {key!r} (a baseline has "
                            "'command' and [[expected]] entries)")
    if "command" in data and data["command"] != command:
        raise BaselineError(f"{_where(p, lines, 'command')}: this baseline is for "
                            f"'renkei {data['command']}', not 'renkei {command}'")
    entries = data.get("expected", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BaselineError(f"{_where(p, lines, 'expected')}: 'expected' must be a list of "
                            "[[expected]] tables")
    starts = [n for n, raw in enumerate(lines, 1) if raw.strip() == "[[expected]]"]
    out: list[Expected] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        line = starts[i] if i < len(starts) else 0
        at = f"{p}:{line}" if line else str(p)
        e = _entry(entry, at, line, known_cases, case_pattern, known_rules)
        if e.key in seen:
            raise BaselineError(f"{at}: {e.key} is listed twice (first on line {seen[e.key]})")
        seen[e.key] = line
        out.append(e)
    return out


def _entry(entry: dict[str, object], at: str, line: int, known_cases: Collection[str],
           case_pattern: str | None, known_rules: Collection[str]) -> Expected:
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise BaselineError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}; an entry has "
                            "case or rule (with file), and reason")
    for key in _ENTRY_KEYS & set(entry):
        if not isinstance(entry[key], str) or not str(entry[key]).strip():
            raise BaselineError(f"{at}: '{key}' must be a non-empty string")
    case, rule = entry.get("case"), entry.get("rule")
    if (case is None) == (rule is None):
        raise BaselineError(f"{at}: an entry names either a case or a rule")
    if "reason" not in entry:
        raise BaselineError(f"{at}: 'reason' is required (why the failure is accepted)")
    if case is not None and "file" in entry:
        raise BaselineError(f"{at}: 'file' goes with a rule, not with a case")
    if case is not None and case not in known_cases and not (
            case_pattern and re.fullmatch(case_pattern, str(case))):
        raise BaselineError(f"{at}: unknown case {case!r}; known: "
                            + _some(known_cases, case_pattern))
    if rule is not None and rule not in known_rules:
        raise BaselineError(f"{at}: unknown rule {rule!r}; rules look like "
                            + _some(known_rules, None))
    return Expected(reason=str(entry["reason"]).strip(), case=_opt(case), rule=_opt(rule),
                    file=_opt(entry.get("file")), line=line)


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _some(names: Collection[str], pattern: str | None) -> str:
    shown = sorted(names)[:8]
    more = f" … ({len(names)} in all)" if len(names) > len(shown) else ""
    return ", ".join(shown + ([f"/{pattern}/"] if pattern else [])) + more if (
        shown or pattern) else "(none)"


def _where(path: Path, lines: list[str], key: str) -> str:
    for n, raw in enumerate(lines, 1):
        if raw.split("=", 1)[0].strip().strip("[]") == key:
            return f"{path}:{n}"
    return str(path)


def apply_baseline(report: Report, entries: list[Expected], *, source: str) -> Report:
    """Put ``entries`` in force on ``report``: listed failing cases become ``xfail``, listed
    passing ones ``xpass`` (with the entry's reason); findings are judged by
    :meth:`Report.expected_for`. Returns ``report``."""
    report.baseline = list(entries)
    report.baseline_file = source
    by_case = {e.case: e for e in entries if e.case is not None}
    for c in report.case_rows():
        e = by_case.get(str(c.get("case")))
        if e is None:
            continue
        c["baseline_reason"] = e.reason
        if c.get("verdict") in (FAIL, "not reached") or (
                "verdict" not in c and not c.get("ok")):
            c["verdict"] = XFAIL
            c["ok"] = True
        else:
            c["verdict"] = XPASS
    return report


def baseline_text(report: Report) -> str:
    """The baseline part of a text report: each XFAIL and XPASS with its reason, and the
    prompt to update the baseline when something listed passes now."""
    if report.baseline_file is None:
        return ""
    xfails, xpasses = report.xfails(), report.xpasses()
    lines = [f"baseline {report.baseline_file}: {len(xfails)} expected failure(s), "
             f"{len(xpasses)} unexpected pass(es)"]
    lines += [f"  XFAIL {e.key}: {e.reason}" for e in xfails]
    lines += [f"  XPASS {e.key}: listed, but it passes now" for e in xpasses]
    if xpasses:
        lines.append("  update the baseline: remove the XPASS entries, or write a new one "
                     "with --write-baseline FILE")
    return "\n".join(lines) + "\n"


def baseline_from(report: Report, *, command: str) -> str:
    """A baseline (TOML text) accepting every failure of ``report``, each with its reason.

    Certification reports list each failing case; findings outside the cases (and every
    finding of a check report) are listed by rule and file, ERROR and WARN alike, so that a
    vendor can accept a practice warning too.
    """
    lines = ["# renkei baseline: known failures, accepted while they are fixed.",
             f"# Written by `renkei {command} --write-baseline`; use it with --baseline.",
             "# A listed failure is reported as XFAIL and does not fail the run; a listed entry",
             "# that passes is reported as XPASS: then remove it.",
             f'command = "{command}"', ""]
    cases = report.case_rows()
    case_ids = {str(c.get("case")) for c in cases}
    for c in cases:
        if c.get("verdict") in (FAIL, XFAIL, "not reached") or (
                "verdict" not in c and not c.get("ok")):
            reason = c.get("baseline_reason") or _case_reason(c)
            lines += ["[[expected]]", f"case = {_q(str(c['case']))}",
                      f"reason = {_q(str(reason))}", ""]
    pairs: dict[tuple[str, str | None], list[str]] = {}
    for f in report.findings:
        if f.file in case_ids or f.severity is Severity.INFO:
            continue
        pairs.setdefault((f.rule, f.file), []).append(f.message_en)
    for (rule, file), messages in sorted(pairs.items(), key=lambda kv: (kv[0][0],
                                                                         kv[0][1] or "")):
        more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
        lines += ["[[expected]]", f"rule = {_q(rule)}"]
        if file:
            lines.append(f"file = {_q(file)}")
        lines += [f"reason = {_q(messages[0][:200] + more)}", ""]
    return "\n".join(lines)


def _case_reason(c: dict[str, object]) -> str:
    return (f"expected {c.get('expected', '?')}, observed {c.get('observed', '?')}"
            + (f": {str(c['detail'])[:160]}" if c.get("detail") else ""))


def _q(text: str) -> str:
    """A TOML basic string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch >= " " or ch == "\t" else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'

