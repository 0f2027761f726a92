"""A OneRoster conformance test set like 1EdTech's: valid bundles and invalid bundles with one
known defect each, plus ``expected.json`` naming the rule ids each must raise."""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness.oneroster.schema import load_profile
from harness.oneroster.testset import cases_data, cases_japan  # noqa: F401  (registers cases)
from harness.oneroster.testset.cases import CASES, Case


def cases_for(profile: str) -> list[Case]:
    """The cases that apply under ``profile``; compare with :meth:`Case.expected_for`."""
    return [c for c in CASES if c.applies_to(load_profile(profile).id)]


def write_case(case: Case, profile: str, root: Path) -> Path:
    """Write one case under ``root/<valid|invalid>/<id>/`` and return the bundle's path."""
    folder = root / ("valid" if case.valid else "invalid") / case.id
    folder.mkdir(parents=True, exist_ok=True)
    built = case.build(profile)
    if isinstance(built, bytes):
        target = folder / case.filename
        target.write_bytes(built)
        return target
    if case.folder:
        target = folder / case.filename.removesuffix(".zip")
        target.mkdir(exist_ok=True)
        for name, data in built:
            (target / name).write_bytes(data)
        return target
    from harness.oneroster.testset.tables import zip_members

    target = folder / case.filename
    target.write_bytes(zip_members(built))
    return target


def write_testset(out: str | os.PathLike[str], profile: str | None = None) -> dict[str, object]:
    """Write every case for ``profile`` under ``out`` and return the expectations written to
    ``out/expected.json``: bundle path (relative) → rule ids."""
    prof = load_profile(profile)
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    entries = []
    for case in cases_for(prof.id):
        path = write_case(case, prof.id, root)
        entries.append({
            "id": case.id,
            "family": case.family,
            "title": case.title,
            "bundle": path.relative_to(root).as_posix(),
            "valid": case.valid,
            "exercises": case.exercises,
            "expected_rules": list(case.expected_for(prof.id)),
        })
    doc = {"profile": prof.id, "cases": entries}
    (root / "expected.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
    return doc


__all__ = ["CASES", "Case", "cases_for", "write_case", "write_testset"]
