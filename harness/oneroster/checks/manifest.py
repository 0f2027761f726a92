"""manifest.csv: its shape, its properties, and whether the files agree with it."""

from __future__ import annotations

from collections.abc import Iterable

from harness.core import FindingCollector
from harness.oneroster.schema import MANIFEST, Profile, data_files

MODES = frozenset({"absent", "bulk", "delta"})
OPTIONAL = frozenset({"source.systemName", "source.systemCode"})


def check_manifest(
    records: Iterable[tuple[int, list[str]]], profile: Profile, sink: FindingCollector
) -> dict[str, str]:
    """Check manifest records (header first); return file name → declared mode."""
    modes: dict[str, str] = {}
    known = {p for p, _ in profile.manifest_properties}
    seen: dict[str, int] = {}
    values: dict[str, tuple[int, str]] = {}
    it = iter(records)
    first = next(it, None)
    if first is None:
        sink.add("OR123", file=MANIFEST)
        return modes
    line, header = first
    if header != ["propertyName", "value"]:
        sink.add("OR107", file=MANIFEST, line=line, value=",".join(header))
    for line, row in it:
        if len(row) != 2:
            sink.add("OR122", file=MANIFEST, line=line, count=len(row), expected=2)
            if len(row) < 2:
                continue
        prop, value = row[0], row[1]
        if prop in seen or (prop not in known and prop not in OPTIONAL):
            sink.add("OR114", file=MANIFEST, line=line, column=1, value=prop, property=prop)
            if prop in seen:
                continue
        seen[prop] = line
        values[prop] = (line, value)
    for prop, required in profile.manifest_properties:
        if required and prop not in values:
            sink.add("OR108", file=MANIFEST, property=prop, value=prop)
    for prop in sorted(OPTIONAL, reverse=True):  # systemName, then systemCode
        if not values.get(prop, (0, ""))[1].strip():
            sink.add("OR702", file=MANIFEST, line=values.get(prop, (None, ""))[0],
                     property=prop)
    if "manifest.version" in values:
        line, value = values["manifest.version"]
        if value != "1.0":
            sink.add("OR109", file=MANIFEST, line=line, column=2, value=value)
    if "oneroster.version" in values:
        line, value = values["oneroster.version"]
        if value != profile.oneroster_version:
            sink.add("OR110", file=MANIFEST, line=line, column=2, value=value,
                     profile=profile.id, expected=profile.oneroster_version)
    for name in data_files():
        prop = f"file.{name}"
        if prop not in values:
            continue
        line, value = values[prop]
        if value in MODES:
            modes[name] = value
            if value == "delta":
                sink.add("OR711", file=MANIFEST, line=line, column=2, property=prop)
        else:
            sink.add("OR111", file=MANIFEST, line=line, column=2, value=value, property=prop)
    return modes


def check_presence(
    present: set[str], modes: dict[str, str], have_manifest: bool, sink: FindingCollector
) -> None:
    """Files listed bulk/delta must be there; files there must not be declared absent."""
    if not have_manifest:
        return
    for name in data_files():
        mode = modes.get(name)
        filename = f"{name}.csv"
        if mode in ("bulk", "delta") and filename not in present:
            sink.add("OR112", file=filename, mode=mode)
        elif mode == "absent" and filename in present:
            sink.add("OR113", file=filename)
