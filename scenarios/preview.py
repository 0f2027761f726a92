"""The rehearsal on a municipality's own data: their export and their configuration, touching
no real system.

It checks the export (the OneRoster checker, as the pipeline's validate step does) and runs the
pipeline's preprocess → initial link → reconcile → guard (:func:`pipeline.plan.make_plan`, which
does no network IO and writes nothing) against a *copy* of their state database, then lists
everything in their data that will break or be held in April — each with its rule id, where
it is, and what to fix (the rule's what/why from the catalogue).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import shutil
import sqlite3
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from harness.core import Finding, Rule, RuleRegistry, Severity
from harness.report import Report

#: decisions worth a line in the preview (the rest are counted)
LISTED_ACTIONS = ("hold", "drop", "refuse", "missing", "disable", "delete", "mismatch",
                  "report", "merge", "rename", "graduate")


class PreviewError(Exception):
    """The export or the configuration cannot be used (message says which and why)."""


@dataclasses.dataclass
class Preview:
    """What April will do with this municipality's data."""

    report: Report
    counts: dict[str, int]
    quarantined: bool
    refused: bool
    holds: int

    @property
    def exit_code(self) -> int:
        """0 nothing blocks April; 1 people will be held; 2 the export or the plan is refused."""
        if self.quarantined or self.refused:
            return 2
        return 1 if self.holds else 0


def _registry() -> RuleRegistry:
    from harness.oneroster import REGISTRY as OR
    from pipeline.rules import REGISTRY as PL

    combined = RuleRegistry("rehearsal")
    for source in (OR, PL):
        for rule in source:
            if rule.id not in combined:
                combined.add(rule)
    return combined


def _fix(rule: Rule) -> str:
    return f"{rule.what} {rule.why}".strip()


def preview_export(export: str | Path, config_path: str | Path, *,
                   now: dt.datetime | None = None) -> Preview:
    """Preview ``export`` under the configuration at ``config_path`` (no system touched).

    :raises PreviewError: the configuration or the export cannot be read.
    """
    from pipeline.config import ConfigError, load_config
    from pipeline.plan import make_plan
    from pipeline.state import State, StateError
    from pipeline.validate import BundleReadError, load, validate

    export = Path(export)
    if not export.exists():
        raise PreviewError(f"{export}: no such file")
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise PreviewError(f"configuration: {exc}") from None
    registry = _registry()
    findings: list[Finding] = []
    counts: Counter[str] = Counter()
    validation = validate(export, profile=config.profile)
    for f in validation.findings:
        findings.append(f)
        counts[f.rule] += 1
    refused = False
    holds = 0
    decisions: Counter[str] = Counter()
    if not validation.quarantined:
        now = now or dt.datetime.now(dt.UTC)
        with tempfile.TemporaryDirectory(prefix="renkei-preview-") as tmp:
            state_copy = Path(tmp) / "state.sqlite"
            if Path(config.state_path).exists():
                # A consistent copy (WAL included) of their state: the plan is made against
                # their last applied snapshot, and their file is only read.
                with sqlite3.connect(f"file:{config.state_path}?mode=ro", uri=True) as src, \
                        sqlite3.connect(state_copy) as dst:
                    src.backup(dst)
            preview_config = dataclasses.replace(config, state_path=state_copy)
            try:
                bundle = load(export, profile=config.profile)
                sha = hashlib.sha256(export.read_bytes()).hexdigest()
                with State(state_copy) as state:
                    outcome = make_plan(bundle, preview_config, state, export_sha256=sha,
                                        now=now)
            except (BundleReadError, StateError, sqlite3.Error) as exc:
                raise PreviewError(f"{export}: {exc}") from None
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        plan = outcome.plan
        refused = plan.refused
        for d in plan.decisions:
            decisions[d.action] += 1
            holds += d.action == "hold"
            if d.action not in LISTED_ACTIONS or d.rule not in registry:
                continue
            rule = registry[d.rule]
            ja, en = rule.render(dict(d.fields))
            findings.append(Finding(rule.id, rule.severity, f"{d.target}", None, None,
                                    d.subject, ja, f"{en} — fix: {_fix(rule)}", rule.spec))
            counts[rule.id] += 1
    by_severity: Counter[str] = Counter()
    for rule_id, n in counts.items():
        sev = registry[rule_id].severity if rule_id in registry else Severity.INFO
        by_severity[sev.name] += n
    report = Report(
        kit="rehearsal", subject=str(export), profile=config.profile, registry=registry,
        findings=findings,
        summary={"total": sum(counts.values()),
                 "by_severity": {s.name: by_severity.get(s.name, 0) for s in reversed(Severity)},
                 "by_rule": dict(sorted(counts.items())), "suppressed": {}},
        rules_run=sorted(set(counts) | {r.id for r in registry if r.id.startswith("PL")}),
        extra={"decisions": dict(decisions), "quarantined": validation.quarantined,
               "refused": refused, "holds": holds},
    )
    return Preview(report, dict(decisions), validation.quarantined, refused, holds)


def summary_lines(preview: Preview) -> list[str]:
    """A few lines for the terminal."""
    p = preview
    verdict = ("refused: the export would be quarantined" if p.quarantined else
               "refused: the mass-change guard would trip" if p.refused else
               f"{p.holds} hold(s) to fix before April" if p.holds else "nothing blocks April")
    by = ", ".join(f"{k} {v}" for k, v in sorted(p.counts.items())) or "no decisions"
    return [f"preview: {verdict}", f"plan: {by}"]


def as_dict(preview: Preview) -> dict[str, Any]:
    return {"exit_code": preview.exit_code, "decisions": preview.counts,
            "quarantined": preview.quarantined, "refused": preview.refused,
            "holds": preview.holds}
