"""Validate: run the OneRoster checker; quarantine a bundle with ERRORs (PL102–PL104).

One exception, on purpose: ERROR findings about a single person's name in users.csv — 外字 in
the display name (OR528), a blank external name or kana (OR519), kana not in full-width
katakana (OR520, OR521) — are handled record by record. Preprocessing re-checks every
delivered name itself (pipeline/preprocess/names.py, a superset of those rules) and holds
exactly the people concerned. Quarantining the whole city for one pupil's 外字 would stop
every transfer that night, which the pilot's L-Gate did not do either (pilot §3.5.2).
Any other ERROR quarantines the bundle: it is kept, marked and reported, and nothing is applied.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harness.core import Finding, Severity
from harness.oneroster import check_bundle
from harness.oneroster.model import Bundle

#: Person-level name rules the pipeline handles by holding the person (see module docstring).
PER_PERSON = frozenset({"OR519", "OR520", "OR521", "OR528"})
PER_PERSON_FILE = "users.csv"


@dataclass
class Validation:
    """The checker's verdict as the pipeline reads it."""

    exit_code: int
    errors: Counter[str] = field(default_factory=Counter)  # blocking ERRORs by rule
    tolerated: Counter[str] = field(default_factory=Counter)  # per-person ERRORs by rule
    warnings: int = 0
    findings: list[Finding] = field(default_factory=list)
    #: the export as the checker parsed it (one parse for the check and the plan); None when
    #: it could not be opened
    bundle: Bundle | None = None

    @property
    def quarantined(self) -> bool:
        return bool(self.errors) or self.exit_code == 2


#: What preprocessing reads of an export (:mod:`pipeline.preprocess.source`, the school merge):
#: file → the columns it looks at (None: every column of a small file). Nothing else of a
#: city's export is kept in memory.
READ = {
    "academicSessions": None, "orgs": None, "classes": None,
    "roles": ("userSourcedId", "role", "roleType"),
    "enrollments": ("classSourcedId", "userSourcedId", "metadata.jp.ShussekiNo"),
    "users": ("sourcedId", "userMasterIdentifier", "userIds", "preferredFamilyName",
              "preferredGivenName", "metadata.jp.kanaFamilyName", "metadata.jp.kanaGivenName",
              "grades", "primaryOrgSourcedId", "metadata.jp.homeClass", "enabledUser",
              "familyName", "givenName"),
}


def validate(path: str | os.PathLike[str], *, profile: str) -> Validation:
    """Check the bundle at ``path``; say whether it must be quarantined; keep what the plan
    needs of the bundle (:data:`READ`) as the check parsed it: the export is parsed once."""
    result = check_bundle(path, profile=profile, keep_bundle=READ)
    v = Validation(exit_code=result.exit_code, findings=result.findings, bundle=result.bundle)
    by_rule = result.report.summary.get("by_rule", {})
    counted: Counter[tuple[str, str]] = Counter()
    for f in result.findings:
        if f.severity is Severity.ERROR:
            counted[(f.rule, f.file or "")] += 1
        elif f.severity is Severity.WARN:
            v.warnings += 1
    for (rule, file), n in counted.items():
        total = by_rule.get(rule, n) if isinstance(by_rule, dict) else n
        # The cap keeps at most N findings per rule; the summary has the full count.
        n = max(n, int(total) if isinstance(total, int) else n)
        if rule in PER_PERSON and Path(file).name == PER_PERSON_FILE:
            v.tolerated[rule] += n
        else:
            v.errors[rule] += n
    return v


__all__ = ["PER_PERSON", "READ", "Validation", "validate"]
