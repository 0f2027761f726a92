"""Header checks: which spec column each header cell is, and what is wrong with the header."""

from __future__ import annotations

from harness.core import FindingCollector
from harness.oneroster.schema import FileSpec, Profile


def map_header(
    header: list[str], spec: FileSpec, profile: Profile, sink: FindingCollector, line: int = 1
) -> dict[str, int]:
    """Check ``header`` against ``spec`` and return spec column name → index.

    Columns with the wrong case or another profile's spelling are still mapped (after a finding)
    so their values get checked too.
    """
    file = spec.filename
    exact = {c.name: c for c in spec.columns}
    folded = {c.name.lower(): c.name for c in spec.columns}
    aliases = profile.extension_aliases.get(spec.name, {})
    index: dict[str, int] = {}
    seen: set[str] = set()
    for pos, name in enumerate(header):
        col_no = pos + 1
        if not name.strip():
            sink.add("OR210", file=file, line=line, column=col_no, column_no=col_no)
            continue
        if name in seen:
            sink.add("OR205", file=file, line=line, column=col_no, value=name, field=name)
            continue
        seen.add(name)
        if name in exact:
            target = name
        elif name in aliases:
            target = aliases[name]
            sink.add("OR209", file=file, line=line, column=col_no, value=name,
                     profile=profile.id, field=target)
        elif name.lower() in folded:
            target = folded[name.lower()]
            sink.add("OR204", file=file, line=line, column=col_no, value=name,
                     field=target)
        elif name.startswith("metadata."):
            # a vendor's own extension column is allowed at the right end (the spec), but
            # importers that compare the whole header refuse it (importer practice)
            sink.add("OR705", file=file, line=line, column=col_no, field=name,
                     profile=profile.id)
            continue
        else:
            sink.add("OR202", file=file, line=line, column=col_no, value=name, field=name)
            continue
        if target not in index:
            index[target] = pos
    _missing_and_order(header, spec, profile, index, sink, line)
    return index


def _missing_and_order(
    header: list[str], spec: FileSpec, profile: Profile, index: dict[str, int],
    sink: FindingCollector, line: int,
) -> None:
    file = spec.filename
    last_base = -1
    last_ext = -1
    for col in spec.columns:
        pos = index.get(col.name)
        if pos is None:
            if col.extension:
                sink.add("OR207", file=file, line=line, value=col.name, profile=profile.id,
                         field=col.name)
            else:
                sink.add("OR201", file=file, line=line, value=col.name, field=col.name)
            continue
        if col.extension:
            if pos < last_ext:
                sink.add("OR208", file=file, line=line, column=pos + 1, value=col.name,
                         field=col.name)
            last_ext = max(last_ext, pos)
        else:
            if pos < last_base:
                sink.add("OR203", file=file, line=line, column=pos + 1, value=col.name,
                         field=col.name)
            last_base = max(last_base, pos)
    for pos, name in enumerate(header):
        if pos < last_base and name.startswith("metadata."):
            sink.add("OR206", file=file, line=line, column=pos + 1, value=name, field=name)
