"""The per-file pass: header, then every row's cells, mode, ids and references, in one loop."""

from __future__ import annotations

from collections.abc import Iterable

from harness.core import FindingCollector
from harness.oneroster.checks import crossfile, japan
from harness.oneroster.checks.headers import map_header
from harness.oneroster.checks.japan import Ctx
from harness.oneroster.checks.state import BundleState, PendingRef
from harness.oneroster.checks.values import _datetime, validator_for
from harness.oneroster.schema import PAIRED_LISTS, REFERENCES, FileSpec, Profile

STATUSES = frozenset({"active", "tobedeleted"})
KIND_FILES = {"orgs": "type", "academicSessions": "type"}
DATE_PAIRS = {"academicSessions": ("startDate", "endDate"), "enrollments": ("beginDate", "endDate"),
              "roles": ("beginDate", "endDate")}


def check_file(
    records: Iterable[tuple[int, list[str]]],
    spec: FileSpec,
    profile: Profile,
    declared_mode: str | None,
    state: BundleState,
    sink: FindingCollector,
    *,
    school_year_reading: str = "start",
) -> str | None:
    """Check one data file's records (header first). Return the mode its data shows
    (``bulk``/``delta``), or ``None`` when it has no data rows."""
    file = spec.filename
    rows = iter(records)
    first = next(rows, None)
    if first is None:
        sink.add("OR123", file=file)
        return None
    header_line, header = first
    index = map_header(header, spec, profile, sink, header_line)
    width = len(header)

    cells = []
    for col in spec.columns:
        pos = index.get(col.name)
        if pos is None or col.name in ("status", "dateLastModified"):
            continue
        cells.append((pos, col.name, validator_for(col, spec.name), col.required))
    status_pos, dlm_pos = index.get("status"), index.get("dateLastModified")
    sid_pos = index.get("sourcedId")
    ids = state.ids[spec.name]
    kind_pos = index.get(KIND_FILES.get(spec.name, ""))
    kinds = state.kinds[spec.name]
    refs = [
        (index[col], col, target, kind)
        for (fname, col), (target, kind) in REFERENCES.items()
        if fname == spec.name and col in index
    ]
    ctx = Ctx(file, index, sink, state, school_year_reading)
    hooks = [h for build in (crossfile.HOOKS.get(spec.name),) if build for h in build(ctx)]
    if profile.japanese and spec.name in japan.HOOKS:
        hooks += japan.HOOKS[spec.name](ctx)
    paired = PAIRED_LISTS.get(spec.name)
    paired_pos = (index.get(paired[0]), index.get(paired[1])) if paired else (None, None)
    pairs = DATE_PAIRS.get(spec.name)
    pair_pos = (index.get(pairs[0]), index.get(pairs[1])) if pairs else (None, None)
    null_means_blank = profile.japanese and spec.name == "academicSessions"

    mode: str | None = None
    add = sink.add
    for line, row in rows:
        if len(row) != width:
            add("OR122", file=file, line=line, count=len(row), expected=width)
            row = (row + [""] * width)[:width]
        status = row[status_pos] if status_pos is not None else ""
        dlm = row[dlm_pos] if dlm_pos is not None else ""
        if mode is None:
            mode = "delta" if (status or dlm) else "bulk"
            if declared_mode in ("bulk", "delta") and declared_mode != mode:
                add("OR315", file=file, line=line, mode=declared_mode, value=mode)
        if mode == "bulk":
            if status:
                add("OR313", file=file, line=line, column=status_pos + 1, value=status,
                    field="status")
            if dlm:
                add("OR313", file=file, line=line, column=dlm_pos + 1, value=dlm,
                    field="dateLastModified")
        else:
            _delta_cells(file, line, status, dlm, status_pos, dlm_pos, add)
        for pos, name, validate, required in cells:
            v = row[pos]
            if not v:
                if required:
                    add("OR301", file=file, line=line, column=pos + 1, field=name)
                continue
            if validate is not None:
                problem = validate(v)
                if problem is not None:
                    params = {"value": v, "field": name}
                    params.update(problem[1])
                    add(problem[0], file=file, line=line, column=pos + 1, **params)
        if sid_pos is not None and (sid := row[sid_pos]):
            if sid in ids:
                add("OR401", file=file, line=line, column=sid_pos + 1, value=sid,
                    first_line=ids[sid])
            else:
                ids[sid] = line
                if kind_pos is not None:
                    kinds[sid] = row[kind_pos]
        if mode == "bulk":
            for pos, name, target, kind in refs:
                v = row[pos]
                if not v:
                    continue
                if v == "NULL" and null_means_blank:
                    add("OR505", file=file, line=line, column=pos + 1, field=name)
                    continue
                for item in v.split(",") if name.endswith("Ids") else (v,):
                    if not item:
                        continue  # a blank list element is OR310's finding
                    ref = PendingRef(file, name, pos + 1, line, item, target, kind)
                    if target in state.complete:
                        resolve(ref, state, sink)
                    else:
                        state.pending.append(ref)
        if pair_pos[0] is not None and pair_pos[1] is not None:
            begin, end = row[pair_pos[0]], row[pair_pos[1]]
            if begin and end and len(end) == len(begin) == 10 and end < begin:
                add("OR316", file=file, line=line, column=pair_pos[1] + 1, value=end,
                    field=pairs[1])
        if paired_pos[0] is not None and paired_pos[1] is not None:
            a, b = row[paired_pos[0]], row[paired_pos[1]]
            if a and b and a.count(",") != b.count(","):
                add("OR311", file=file, line=line, column=paired_pos[1] + 1,
                    count=a.count(",") + 1, expected=b.count(",") + 1)
        for hook in hooks:
            hook(line, row)
    if mode is None and not getattr(records, "broken", False):
        sink.add("OR115", file=file, line=header_line)
    return mode


def _delta_cells(file, line, status, dlm, status_pos, dlm_pos, add) -> None:  # noqa: ANN001
    if status_pos is not None:
        if not status:
            add("OR314", file=file, line=line, column=status_pos + 1, field="status")
        elif status not in STATUSES:
            add("OR307", file=file, line=line, column=status_pos + 1, value=status,
                field="status", allowed="active|tobedeleted")
    if dlm_pos is not None:
        if not dlm:
            add("OR314", file=file, line=line, column=dlm_pos + 1, field="dateLastModified")
        elif _datetime(dlm) is not None:
            add("OR304", file=file, line=line, column=dlm_pos + 1, value=dlm,
                field="dateLastModified")


def resolve(ref: PendingRef, state: BundleState, sink: FindingCollector) -> None:
    """Report ``ref`` if its target is not in the bundle, or is the wrong kind of record."""
    if ref.value not in state.ids.get(ref.target, ()):
        sink.add("OR402", file=ref.file, line=ref.line, column=ref.column, value=ref.value,
                 field=ref.field, target=f"{ref.target}.csv")
    elif ref.kind is not None:
        found = state.kinds[ref.target].get(ref.value)
        if found != ref.kind:
            sink.add("OR403", file=ref.file, line=ref.line, column=ref.column, value=ref.value,
                     field=ref.field, kind=ref.kind, found=found or "(blank)")
