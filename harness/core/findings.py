"""Findings: what a check reports. Data, never exceptions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from harness.core.rules import Rule, RuleRegistry, Severity


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule broken at one place.

    ``file`` is the bundle member (or the case, for LTI); ``line`` and ``column`` are 1-based
    and ``None`` where the finding is about a whole file or bundle.
    """

    rule: str
    severity: Severity
    file: str | None
    line: int | None
    column: int | None
    value: str | None
    message_ja: str
    message_en: str
    spec: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
            "spec": "; ".join(self.spec),
        }

    def location(self) -> str:
        parts = [self.file or "-"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


_MAX_VALUE = 200
#: the types of a plain finding's file, line, column and value: equal values of the same one
#: of these types render the same messages (not so for ``True == 1`` or ``-0.0 == 0.0``)
_PLAIN = frozenset({str, int, type(None)})
#: plain finding → the one shared (immutable) :class:`Finding` for it; a check run reports
#: the same warning again and again (LT119 on every launch of an http issuer), and its two
#: messages need rendering once
_SHARED: dict[tuple[object, ...], tuple[Rule, Finding]] = {}
_SHARED_MAX = 4096


class FindingCollector:
    """Collects findings for one run, capped per rule so a broken file cannot flood a report.

    Every finding is counted; only the first ``cap_per_rule`` of each rule are kept, and
    :meth:`suppressed` says how many more there were.

    :param profile: findings of rules that do not apply to this profile are dropped.
    """

    def __init__(
        self, registry: RuleRegistry, *, profile: str | None = None, cap_per_rule: int = 100
    ) -> None:
        self.registry = registry
        self.profile = profile
        self.cap_per_rule = cap_per_rule
        self.findings: list[Finding] = []
        self.counts: Counter[str] = Counter()
        self._enabled: dict[str, Rule | None] = {}

    def _rule(self, rule_id: str) -> Rule | None:
        try:
            return self._enabled[rule_id]
        except KeyError:
            rule = self.registry[rule_id]  # KeyError here is a programming error
            ok = not rule.removed and (self.profile is None or rule.applies_to(self.profile))
            self._enabled[rule_id] = rule if ok else None
            return self._enabled[rule_id]

    def add(
        self,
        rule_id: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        value: object = None,
        **params: object,
    ) -> None:
        rule = self._rule(rule_id)
        if rule is None:
            return
        self.counts[rule_id] += 1
        if self.counts[rule_id] > self.cap_per_rule:
            return
        text = None if value is None else _clip(str(value))
        if not params and type(file) in _PLAIN and type(line) in _PLAIN \
                and type(column) in _PLAIN:
            self.findings.append(_plain_finding(rule, file, line, column, text))
            return
        params.setdefault("file", file)
        params.setdefault("value", text)
        ja, en = rule.render(params)
        self.findings.append(
            Finding(rule.id, rule.severity, file, line, column, text, ja, en, rule.spec)
        )

    def suppressed(self) -> dict[str, int]:
        return {
            rule_id: n - self.cap_per_rule
            for rule_id, n in self.counts.items()
            if n > self.cap_per_rule
        }

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def summary(self) -> dict[str, object]:
        by_severity: Counter[str] = Counter()
        for rule_id, n in self.counts.items():
            by_severity[str(self.registry[rule_id].severity)] += n
        return {
            "total": sum(self.counts.values()),
            "by_severity": {s.name: by_severity.get(s.name, 0) for s in reversed(Severity)},
            "by_rule": dict(sorted(self.counts.items())),
            "suppressed": self.suppressed(),
        }


def _plain_finding(rule: Rule, file: str | None, line: int | None, column: int | None,
                   text: str | None) -> Finding:
    """The finding of ``rule`` with only these fields, rendered once and then shared."""
    key = (rule.id, file, line, column, text)
    kept = _SHARED.get(key)
    if kept is not None and kept[0] is rule:  # (another registry may hold another rule)
        return kept[1]
    ja, en = rule.render({"file": file, "value": text})
    finding = Finding(rule.id, rule.severity, file, line, column, text, ja, en, rule.spec)
    if len(_SHARED) >= _SHARED_MAX:
        _SHARED.clear()
    _SHARED[key] = (rule, finding)
    return finding


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_VALUE else text[:_MAX_VALUE] + "…"
