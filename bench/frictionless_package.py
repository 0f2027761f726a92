"""The baseline: a frictionless data package expressing what Table Schema can of OneRoster
(types, enumerations, required, primary and foreign keys), validated by frictionless-py."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from harness.oneroster.schema import REFERENCES, load_profile

_TYPES = {"date": "date", "integer": "integer", "float": "number", "year": "year",
          "shusseki_no": "integer"}


def _field(col) -> dict:  # noqa: ANN001
    field = {"name": col.name, "type": _TYPES.get(col.type, "string")}
    constraints = {}
    if col.required and col.name not in ("status", "dateLastModified"):
        constraints["required"] = True
    if col.enum and col.type in ("enum", "boolean"):
        constraints["enum"] = sorted(col.enum)
    if col.type == "guid":
        constraints["pattern"] = "[0-9A-Za-z.\\-_/@]{1,255}"
    if constraints:
        field["constraints"] = constraints
    return field


def package_descriptor(folder: Path) -> dict:
    profile = load_profile()
    resources = []
    present = {p.stem for p in folder.glob("*.csv")} - {"manifest"}
    for name in sorted(present):
        spec = profile.file(name)
        schema = {"fields": [_field(c) for c in spec.columns], "missingValues": [""]}
        if name != "demographics":
            schema["primaryKey"] = ["sourcedId"]
        fks = [
            {"fields": [col], "reference": {"resource": target, "fields": ["sourcedId"]}}
            for (fname, col), (target, _) in REFERENCES.items()
            if fname == name and target in present and not col.endswith("Ids")
            and not col.startswith("metadata.")
        ]
        if fks:
            schema["foreignKeys"] = fks
        resources.append({"name": name.lower(), "type": "table", "path": f"{name}.csv",
                          "scheme": "file", "format": "csv", "encoding": "utf-8",
                          "schema": schema})
    for r in resources:
        for fk in r["schema"].get("foreignKeys", []):
            fk["reference"]["resource"] = fk["reference"]["resource"].lower()
    return {"name": "oneroster", "resources": resources}


def validate_with_frictionless(bundle: str) -> dict:
    from frictionless import Package

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(bundle) as z:
            z.extractall(tmp)
        package = Package(package_descriptor(Path(tmp)), basepath=tmp)
        report = package.validate()
        errors = sum(len(task.errors) for task in report.tasks)
    return {"errors": errors, "valid": report.valid}
