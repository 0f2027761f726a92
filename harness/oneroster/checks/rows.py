"""The per-file pass: header, then the records in chunks, checked column by column.

Why columns: a Tsukuba export has ~90,000 records, and a Python call per cell would cost ten
times the CSV parse itself. Transposing a chunk (``zip(*rows)``) lets most checks run as set
and regex operations in C; only a value that fails is looked up row by row for its line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from harness.core import FindingCollector
from harness.oneroster.checks import crossfile, japan, practice
from harness.oneroster.checks.headers import map_header
from harness.oneroster.checks.japan import Ctx, rows_where
from harness.oneroster.checks.state import (
    BundleState,
    PendingRef,
    compact_keys,
    first_lines,
)
from harness.oneroster.checks.values import _datetime, bad_values, validator_for
from harness.oneroster.schema import PAIRED_LISTS, REFERENCES, FileSpec, Profile

STATUSES = frozenset({"active", "tobedeleted"})
KIND_FILES = {"orgs": "type", "academicSessions": "type"}
#: Files no other file refers to: their own sourcedIds are unique strings, nothing to share.
UNREFERENCED_IDS = frozenset({"roles", "enrollments"})
#: Files whose sourcedIds are users' (kept as :data:`~.state.UserKey`, not shared strings).
USER_IDS = frozenset({"users", "demographics"})
#: Columns kept in the cross-file maps besides ids and references (enrollments' role).
SHARED_COLUMNS = {"enrollments": ("role",)}
DATE_PAIRS = {"academicSessions": ("startDate", "endDate"), "enrollments": ("beginDate", "endDate"),
              "roles": ("beginDate", "endDate")}
Chunks = Iterable[tuple[list[int], list[list[str]]]]


class FilePass:
    """Checks one data file chunk by chunk; :meth:`run` returns the mode its data shows."""

    def __init__(self, spec: FileSpec, profile: Profile, declared_mode: str | None,
                 state: BundleState, sink: FindingCollector, school_year_reading: str) -> None:
        self.spec, self.profile, self.declared = spec, profile, declared_mode
        self.state, self.sink, self.file = state, sink, spec.filename
        self.reading = school_year_reading
        self.mode: str | None = None
        self.header_line: int | None = None

    def run(self, chunks: Chunks) -> str | None:
        it = iter(chunks)
        first = next(it, None)
        if first is None or not first[1]:
            self.sink.add("OR123", file=self.file)
            return None
        lines, records = first
        self._header(lines[0], records[0])
        self._chunk(lines[1:], records[1:])
        for lines, records in it:
            self._chunk(lines, records)
        return self.mode

    def finish(self, broken: bool) -> None:
        if self.mode is None and self.header_line is not None and not broken:
            self.sink.add("OR115", file=self.file, line=self.header_line)

    def _header(self, line: int, header: list[str]) -> None:
        spec, index = self.spec, map_header(header, self.spec, self.profile, self.sink, line)
        self.header_line, self.width, self.index = line, len(header), index
        self.cells = [
            (index[c.name], c.name, validator_for(c, spec.name), c.required)
            for c in spec.columns
            if c.name in index and c.name not in ("status", "dateLastModified")
        ]
        self.refs = [(index[col], col, target, kind)
                     for (fname, col), (target, kind) in REFERENCES.items()
                     if fname == spec.name and col in index]
        ctx = Ctx(self.file, index, self.sink, self.state, self.reading)
        self.hooks = crossfile.HOOKS[spec.name](ctx) if spec.name in crossfile.HOOKS else []
        if self.profile.japanese and spec.name in japan.HOOKS:
            self.hooks += japan.HOOKS[spec.name](ctx)
        if self.profile.japanese:
            self.hooks += practice.hooks(ctx, spec)
        self.null_means_blank = self.profile.japanese and spec.name == "academicSessions"
        # Columns whose values the cross-file maps keep: each distinct value is stored once
        # (one str object per id for the whole bundle, not one per row and file).
        # Users' ids are not shared: the maps key users by the line of their id in users.csv
        # (BundleState.user_keys), one probe per reference.
        shared = {pos for pos, col, target, _ in self.refs
                  if not (target == "users" and not col.endswith("Ids"))} | {
            index[c] for c in SHARED_COLUMNS.get(spec.name, ()) if c in index}
        if "sourcedId" in index and spec.name not in UNREFERENCED_IDS | USER_IDS:
            shared.add(index["sourcedId"])
        self.shared = sorted(shared)

    def _add_at(self, rule: str, lines: Sequence[int], column: Sequence[str], bad: object,
                pos: int, **params: object) -> None:
        """Report ``rule`` on every row whose value in ``column`` is in ``bad``."""
        for line, v in rows_where(lines, column, bad):
            self.sink.add(rule, file=self.file, line=line, column=pos + 1,
                          **{"value": v, **params})

    def _chunk(self, lines: list[int], rows: list[list[str]]) -> None:
        if not rows:
            return
        width, add, file = self.width, self.sink.add, self.file
        if set(map(len, rows)) != {width}:
            for i, (line, r) in enumerate(zip(lines, rows, strict=True)):
                if len(r) != width:
                    add("OR122", file=file, line=line, count=len(r), expected=width)
                    rows[i] = (r + [""] * width)[:width]
        cols = list(zip(*rows, strict=True))
        canon = self.state.canonical.setdefault
        for pos in self.shared:
            cols[pos] = tuple(map(canon, cols[pos], cols[pos]))
        self._mode(lines, cols)
        for pos, name, validate, required in self.cells:
            col = cols[pos]
            if required and "" in col:
                self._add_at("OR301", lines, col, ("",), pos, field=name)
            if validate is not None:
                bad = bad_values(validate, col)
                if not bad:
                    continue
                for line, v in zip(lines, col, strict=True):
                    if v in bad:
                        rule, params = bad[v]
                        add(rule, file=file, line=line, column=pos + 1,
                            **{"value": v, "field": name, **params})
        self._ids(lines, cols)
        if self.mode == "bulk":
            self._references(lines, cols)
        self._pairs(lines, cols)
        for hook in self.hooks:
            hook(lines, rows, cols)

    def _mode(self, lines: list[int], cols: list[tuple[str, ...]]) -> None:
        i, file, add = self.index, self.file, self.sink.add
        none: tuple[str, ...] = ("",) * len(lines)
        status = cols[i["status"]] if "status" in i else none
        dlm = cols[i["dateLastModified"]] if "dateLastModified" in i else none
        if self.mode is None:
            self.mode = "delta" if (status[0] or dlm[0]) else "bulk"
            if self.declared in ("bulk", "delta") and self.declared != self.mode:
                add("OR315", file=file, line=lines[0], mode=self.declared, value=self.mode)
        for name, col in (("status", status), ("dateLastModified", dlm)):
            if name not in i:
                continue
            pos = i[name]
            if self.mode == "bulk":
                if any(col):
                    self._add_at("OR313", lines, col, set(col) - {""}, pos, field=name)
                continue
            if "" in col:
                self._add_at("OR314", lines, col, ("",), pos, field=name)
            values = set(col) - {""}
            if name == "status":
                wrong = values - STATUSES
                self._add_at("OR307", lines, col, wrong, pos, field=name,
                             allowed="active|tobedeleted")
            else:
                wrong = {v for v in values if _datetime(v) is not None}
                self._add_at("OR304", lines, col, wrong, pos, field=name)

    def _ids(self, lines: list[int], cols: list[tuple[str, ...]]) -> None:
        if "sourcedId" not in self.index:
            return
        pos = self.index["sourcedId"]
        sids, name, state = cols[pos], self.spec.name, self.state
        # nothing refers to roles' and enrollments' own ids: only their uniqueness counts;
        # a demographics record is a user's, keyed as the user (its line in users.csv);
        # users' own ids are a set until one repeats (BundleState.users)
        keys: Sequence[str | int] = sids
        if name in UNREFERENCED_IDS:
            keys = compact_keys(sids)
        elif name == "demographics":
            keys = state.user_keys(sids)[0]
        if "" not in sids:  # the usual case: one probe per id, a row loop only for repeats
            if name == "users":
                firsts = state.users.add(sids, lines)
                if firsts is None:  # every id new: each user's key is its own line
                    state.keyed_as_read(sids, lines)
            else:
                firsts = first_lines(state.ids[name], keys, lines)
            for line, sid, first in zip(lines, sids, firsts, strict=True) if firsts else ():
                if first != line:
                    self.sink.add("OR401", file=self.file, line=line, column=pos + 1,
                                  value=sid, first_line=first)
        else:
            ids: dict[Any, int] = state.users.mapping() if name == "users" else state.ids[name]
            for line, sid, key in zip(lines, sids, keys, strict=True):
                if not sid:
                    continue
                if key in ids:
                    self.sink.add("OR401", file=self.file, line=line, column=pos + 1,
                                  value=sid, first_line=ids[key])
                else:
                    ids[key] = line
        kind = KIND_FILES.get(self.spec.name)
        if kind and kind in self.index:
            self.state.kinds[self.spec.name].update(zip(sids, cols[self.index[kind]],
                                                        strict=True))

    def _references(self, lines: list[int], cols: list[tuple[str, ...]]) -> None:
        state = self.state
        for pos, name, target, kind in self.refs:
            col = cols[pos]
            values = set(col)
            values.discard("")
            if not values:
                continue
            if "NULL" in values and self.null_means_blank:
                self._add_at("OR505", lines, col, ("NULL",), pos, field=name, value=None)
                values.discard("NULL")
            is_list = name.endswith("Ids")
            if target == "users" and target in state.complete and not is_list:
                dangling = state.user_keys(col)[1]  # the probe the hooks' keys need anyway
                for line, v in rows_where(lines, col, dangling):
                    resolve(PendingRef(self.file, name, pos + 1, line, v, target, kind),
                            state, self.sink)
                continue
            if target in state.complete and not is_list:
                # judge the distinct values at once; only the failing rows go to resolve()
                missing = values.difference(state.ids.get(target, ()))
                kinds = state.kinds[target]
                wrong = {v for v in values - missing if kinds.get(v) != kind} if kind else set()
                for line, v in rows_where(lines, col, missing | wrong):
                    resolve(PendingRef(self.file, name, pos + 1, line, v, target, kind),
                            state, self.sink)
                continue
            for line, v in zip(lines, col, strict=True):
                if not v or (v == "NULL" and self.null_means_blank):
                    continue
                for item in v.split(",") if is_list else (v,):
                    if item:  # a blank list element is OR310's finding
                        ref = PendingRef(self.file, name, pos + 1, line, item, target, kind)
                        if target in state.complete:
                            resolve(ref, state, self.sink)
                        else:
                            state.pending.append(ref)

    def _pairs(self, lines: list[int], cols: list[tuple[str, ...]]) -> None:
        i, add, file = self.index, self.sink.add, self.file
        dates = DATE_PAIRS.get(self.spec.name)
        if dates and dates[0] in i and dates[1] in i:
            end_pos = i[dates[1]]
            for line, b, e in zip(lines, cols[i[dates[0]]], cols[end_pos], strict=True):
                if b and e and len(b) == len(e) == 10 and e < b:
                    add("OR316", file=file, line=line, column=end_pos + 1, value=e,
                        field=dates[1])
        lists = PAIRED_LISTS.get(self.spec.name)
        if lists and lists[0] in i and lists[1] in i:
            code_pos = i[lists[1]]
            for line, a, b in zip(lines, cols[i[lists[0]]], cols[code_pos], strict=True):
                if a and b and a.count(",") != b.count(","):
                    add("OR311", file=file, line=line, column=code_pos + 1,
                        count=a.count(",") + 1, expected=b.count(",") + 1)


def resolve(ref: PendingRef, state: BundleState, sink: FindingCollector) -> None:
    """Report ``ref`` if its target is not in the bundle, or is the wrong kind of record."""
    if ref.value not in state.id_map(ref.target):
        sink.add("OR402", file=ref.file, line=ref.line, column=ref.column, value=ref.value,
                 field=ref.field, target=f"{ref.target}.csv")
    elif ref.kind is not None:
        found = state.kinds[ref.target].get(ref.value)
        if found != ref.kind:
            sink.add("OR403", file=ref.file, line=ref.line, column=ref.column, value=ref.value,
                     field=ref.field, kind=ref.kind, found=found or "(blank)")
