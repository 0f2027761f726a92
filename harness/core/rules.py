"""Rule declarations and the registry every check, report and doc page reads.

A rule is declared once: a stable id that never changes meaning, a severity, message templates
in Japanese and English filled from one set of fields, spec references and a what/why/example
description. A retired rule stays listed with ``removed=True``.
"""

from __future__ import annotations

import enum
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How bad a finding is; the int order lets results roll up worst-first."""

    INFO = 1
    WARN = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Rule:
    """One conformance rule.

    :param id: stable identifier such as ``OR301`` (kit prefix, family hundred, number).
    :param family: the group the rule belongs to (``packaging``, ``headers``, ...).
    :param message_ja: Japanese template; ``{field}`` placeholders shared with ``message_en``.
    :param spec: references such as ``OneRoster 1.2.1 CSV §3.3``.
    :param profiles: profile ids the rule applies to; empty means every profile.
    """

    id: str
    severity: Severity
    family: str
    title: str
    message_ja: str
    message_en: str
    spec: tuple[str, ...]
    what: str
    why: str
    example: str = ""
    profiles: tuple[str, ...] = ()
    removed: bool = False
    fields: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        names_ja = _template_fields(self.message_ja)
        names_en = _template_fields(self.message_en)
        if names_ja != names_en:
            raise ValueError(
                f"rule {self.id}: ja and en templates use different fields "
                f"({sorted(names_ja)} vs {sorted(names_en)})"
            )
        object.__setattr__(self, "fields", tuple(sorted(names_en)))

    def applies_to(self, profile: str) -> bool:
        return not self.profiles or profile in self.profiles

    def render(self, params: dict[str, object]) -> tuple[str, str]:
        """Return the (ja, en) messages filled from ``params``; missing fields render as ``?``."""
        values = {name: params.get(name, "?") for name in self.fields}
        return self.message_ja.format(**values), self.message_en.format(**values)


def _template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class RuleRegistry:
    """An ordered table of rules with lookup by id; ids are unique for ever."""

    def __init__(self, kit: str, rules: Iterable[Rule] = ()) -> None:
        self.kit = kit
        self._rules: dict[str, Rule] = {}
        for rule in rules:
            self.add(rule)

    def add(self, rule: Rule) -> Rule:
        if rule.id in self._rules:
            raise ValueError(f"rule id {rule.id} is declared twice")
        self._rules[rule.id] = rule
        return rule

    def declare(
        self, id: str, severity: Severity, family: str, title: str, message_ja: str,
        message_en: str, spec: tuple[str, ...], what: str, why: str, example: str = "",
        profiles: tuple[str, ...] = (),
    ) -> Rule:
        """Build a :class:`Rule` from its fields and add it: the form rule tables use."""
        return self.add(Rule(id, severity, family, title, message_ja, message_en, spec, what,
                             why, example, profiles))

    def __getitem__(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def active(self, profile: str | None = None) -> list[Rule]:
        return [
            r for r in self._rules.values()
            if not r.removed and (profile is None or r.applies_to(profile))
        ]

    def families(self) -> list[str]:
        seen: dict[str, None] = {}
        for rule in self._rules.values():
            seen.setdefault(rule.family, None)
        return list(seen)

    def as_json(self) -> list[dict[str, object]]:
        return [
            {
                "id": r.id,
                "severity": str(r.severity),
                "family": r.family,
                "title": r.title,
                "message_ja": r.message_ja,
                "message_en": r.message_en,
                "spec": list(r.spec),
                "profiles": list(r.profiles),
                "what": r.what,
                "why": r.why,
                "example": r.example,
                "removed": r.removed,
            }
            for r in self._rules.values()
        ]
