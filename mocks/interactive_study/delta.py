"""OneRoster delta intake for the drill app (インタラクティブスタディ): check, then apply.

The pilot fed the drill app by OneRoster *delta* (差分) CSV, outside the e-portal standard, so
that account status (active / disabled / removed) could travel (pilot report §4). Semantics:

- the bundle is checked with :func:`harness.oneroster.check_bundle`; any ERROR finding, or a
  file present in bulk mode, rejects the whole upload and nothing changes;
- rows are taken in ``dateLastModified`` order (file order breaks ties), so for a sourcedId
  that appears more than once the newest row wins; a row older than what is stored is stale
  and skipped (a late, out-of-order delta never rolls an account back);
- ``active`` upserts, ``tobedeleted`` removes (a removed user's enrollments and roles go too);
  ``enabledUser=false`` keeps the account but disables it (no LTI launch);
- an identical row (same fields, same dateLastModified) is unchanged, so replaying a delta
  changes nothing.

One import is one SQLite transaction (the caller's), applied with ``executemany`` into a
staging table and set-based SQL, so a Tsukuba-scale first delta (~23k users) takes seconds.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.core import Finding, Severity
from harness.core.gcpause import no_cyclic_gc
from harness.oneroster import check_bundle, read_bundle
from harness.oneroster.reader import BundleReadError
from harness.oneroster.schema import data_files
from mocks.interactive_study.store import FILES, columns, row_values

#: Rules the drill app's delta intake does not enforce. OR515 (jp-eportal: enabledUser must be
#: true) exists because the e-portal standard has no way to disable an account; the drill app's
#: delta is exactly that way (pilot §4), and the issue asks for enabledUser=false → disabled.
DEFAULT_WAIVED = ("OR515",)
COUNT_KEYS = ("created", "updated", "unchanged", "stale", "deleted", "unknown")


class DeltaFiles(Mapping[str, list[dict[str, Any]]]):
    """The checked delta's importable files by name; ``files[name]`` reads that file's rows
    (the bundle's file must still be there)."""

    def __init__(self, path: str | os.PathLike[str], profile: str, names: Iterable[str]) -> None:
        self.path, self.profile, self.names = path, profile, tuple(names)

    def __getitem__(self, name: str) -> list[dict[str, Any]]:
        if name not in self.names:
            raise KeyError(name)
        try:
            return read_bundle(self.path, profile=self.profile, columns={name: None}).tables[name]
        except BundleReadError as exc:  # the checker passed it, so this would be a reader gap
            raise DeltaUnreadable(str(exc)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


class DeltaUnreadable(Exception):
    """A checked delta's file could not be read after all (the caller rolls back)."""


@dataclass
class DeltaCheck:
    """The verdict on an uploaded bundle before anything is applied.

    :param code: ``None`` when the bundle may be applied, else ``invalidBundle`` (ERROR
        findings) or ``notDelta`` (a file in bulk mode).
    """

    code: str | None
    message: str
    findings: list[Finding] = field(default_factory=list)
    waived: list[Finding] = field(default_factory=list)
    modes: dict[str, str] = field(default_factory=dict)
    #: the files the drill app imports (others are ignored), once checked: each file's rows
    #: are read when the import comes to it (a whole city's delta at once is gigabytes)
    tables: Mapping[str, Iterable[Mapping[str, Any]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code is None


def check_delta(path: str | os.PathLike[str], *, profile: str = "jp-eportal-v4",
                waived: Iterable[str] = DEFAULT_WAIVED, name_is_ours: bool = False) -> DeltaCheck:
    """Check the bundle at ``path`` as a delta the drill app may apply, and read it.

    A file counts as delta only when both its rows (the checker's effective mode) and the
    manifest (``file.<name>`` = ``delta``) say so: the checker lets the data win where they
    disagree, but a drill app must not guess what the sender meant.

    :param waived: rule ids reported but not enforced (see :data:`DEFAULT_WAIVED`).
    :param name_is_ours: the file name was chosen by the server, not the sender, so the
        bundle-name finding (OR125) says nothing about the upload and is dropped.
    :returns: a :class:`DeltaCheck`; when ``ok``, ``tables`` holds the rows to apply.
    """
    result = check_bundle(path, profile=profile)
    skip = set(waived)
    findings = [f for f in result.findings if not (name_is_ours and f.rule == "OR125")]
    kept = [f for f in findings if f.rule not in skip]
    waived_found = [f for f in findings if f.rule in skip]
    modes = dict(result.report.extra.get("modes", {}))  # type: ignore[union-attr]

    def refuse(code: str, message: str) -> DeltaCheck:
        return DeltaCheck(code, message + "; nothing was applied", kept, waived_found, modes)

    errors = [f for f in kept if f.severity is Severity.ERROR]
    if errors:
        return refuse("invalidBundle", f"the bundle has {len(errors)} ERROR finding(s)")
    # which files have rows, and the manifest's modes (one shared column of each file): a
    # city's rows, read for this alone and dropped before the collector resumes
    with no_cyclic_gc():
        try:
            bundle = read_bundle(path, profile=profile,
                                 columns={n: ("status",) for n in data_files()})
        except BundleReadError as exc:  # the checker passed it: this would be a reader gap
            return refuse("invalidBundle", f"the bundle could not be read: {exc}")
        bulk = sorted({f"{n}.csv" for n, m in modes.items() if m != "delta"} |
                      {f"{n}.csv" for n, rows in bundle.tables.items()
                       if rows and bundle.modes.get(n) != "delta"})
        present = [name for name in FILES if bundle.tables.get(name)]
        del bundle
    if bulk:
        return refuse("notDelta", "the drill app takes delta bundles only (manifest file.* = "
                                  f"delta, rows with status); not delta: {', '.join(bulk)}")
    tables = DeltaFiles(path, profile, present)
    return DeltaCheck(None, "ok" if modes else "manifest only: no changes", kept, waived_found,
                      modes, tables)


def ordered_latest(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The newest row per sourcedId, taking rows in dateLastModified order (stable)."""
    latest: dict[str, Mapping[str, Any]] = {}
    for row in sorted(rows, key=lambda r: str(r.get("dateLastModified") or "")):
        latest.pop(str(row.get("sourcedId")), None)  # re-insert so the order stays by date
        latest[str(row.get("sourcedId"))] = row
    return list(latest.values())


def apply_table(db: sqlite3.Connection, name: str, rows: Iterable[Mapping[str, Any]]
                ) -> dict[str, int]:
    """Apply one file's delta rows to table ``name``; returns the counts by outcome.

    Runs inside the caller's transaction. Set-based: rows are staged with ``executemany``,
    then classified and applied by a handful of statements over the whole stage.
    """
    cols = columns(name)
    collist = ", ".join(f'"{c}"' for c in cols)
    stage = f"stage_{name}"
    db.execute(f'DROP TABLE IF EXISTS temp."{stage}"')
    db.execute(f'CREATE TEMP TABLE "{stage}" AS SELECT * FROM main."{name}" WHERE 0')
    db.executemany(f'INSERT INTO temp."{stage}" ({collist}) VALUES ({", ".join("?" * len(cols))})',
                   (row_values(name, r) for r in ordered_latest(rows)))
    # every count in one pass over the stage, where each count was a pass of its own that
    # probed the table's key at random places (the counts of a rollover: 15.7x the time for
    # 10x the rows at prefecture scale); a stale row (older than the stored one) counts as
    # stale and as nothing else
    disabled = ("s.status = 'active' AND s.\"enabledUser\" = 0 AND "
                'COALESCE(t."enabledUser", 1) = 1') if name == "users" else "0"
    row = db.execute(
        "SELECT COALESCE(SUM(stale), 0), COALESCE(SUM(NOT stale AND active AND NOT known), 0), "
        "COALESCE(SUM(NOT stale AND active AND known AND same), 0), "
        "COALESCE(SUM(NOT stale AND active AND known AND NOT same), 0), "
        "COALESCE(SUM(NOT stale AND gone AND known), 0), "
        "COALESCE(SUM(NOT stale AND gone AND NOT known), 0), "
        "COALESCE(SUM(NOT stale AND disabled), 0) FROM ("
        f'SELECT COALESCE(t."dateLastModified" > s."dateLastModified", 0) AS stale, '
        f"s.status = 'active' AS active, s.status = 'tobedeleted' AS gone, "
        f't."sourcedId" IS NOT NULL AS known, COALESCE(t."data" = s."data", 0) AS same, '
        f"COALESCE({disabled}, 0) AS disabled "
        f'FROM temp."{stage}" s LEFT JOIN main."{name}" t ON t."sourcedId" = s."sourcedId")'
    ).fetchone()
    counts = dict(zip(("stale", "created", "unchanged", "updated", "deleted", "unknown"),
                      map(int, row[:6]), strict=True))
    if name == "users":
        counts["disabled"] = int(row[6])
    if counts["stale"]:  # dropped from the stage before anything is applied
        db.execute(f'DELETE FROM temp."{stage}" WHERE rowid IN (SELECT s.rowid '
                   f'FROM temp."{stage}" s JOIN main."{name}" t ON t."sourcedId" = s."sourcedId" '
                   f'WHERE t."dateLastModified" > s."dateLastModified")')
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c != "sourcedId")
    # "WHERE true" resolves the parsing ambiguity of INSERT … SELECT … ON CONFLICT in SQLite
    db.execute(f'INSERT INTO main."{name}" ({collist}) SELECT {collist} FROM temp."{stage}" '
               f"WHERE status = 'active' AND true ON CONFLICT (\"sourcedId\") DO UPDATE SET "
               f'{updates} WHERE main."{name}"."data" <> excluded."data"')
    if name == "users":
        counts["cascaded_enrollments"] = counts["cascaded_roles"] = 0
    if counts["deleted"] + counts["unknown"]:  # tobedeleted rows left in the stage
        leaving = f'IN (SELECT "sourcedId" FROM temp."{stage}" WHERE status = \'tobedeleted\')'
        if name == "users":
            for child in ("enrollments", "roles"):
                counts[f"cascaded_{child}"] = db.execute(
                    f'DELETE FROM main."{child}" WHERE "userSourcedId" {leaving}').rowcount
        db.execute(f'DELETE FROM main."{name}" WHERE "sourcedId" {leaving}')
    db.execute(f'DROP TABLE temp."{stage}"')
    return counts


# a city's rows at once: the cyclic collector's passes would rescan them as they grow
@no_cyclic_gc()
def apply_delta(db: sqlite3.Connection, tables: Mapping[str, Iterable[Mapping[str, Any]]]
                ) -> dict[str, Any]:
    """Apply a checked delta's tables in dependency order; the response body's counts.

    ``applied`` counts rows created or updated and ``deleted`` rows removed (a removed user's
    enrollments and roles included), per file; the other keys break the outcome down.
    """
    out: dict[str, dict[str, int]] = {k: {} for k in ("applied", "disabled", *COUNT_KEYS)}
    for name in FILES:  # orgs, classes, users, roles, enrollments
        if name not in tables:
            continue
        counts = apply_table(db, name, tables[name])  # one file's rows at a time
        out["applied"][name] = counts["created"] + counts["updated"]
        for key in COUNT_KEYS:
            if key != "deleted":
                out[key][name] = counts[key]
        out["deleted"][name] = out["deleted"].get(name, 0) + counts["deleted"]
        if "disabled" in counts:
            out["disabled"][name] = counts["disabled"]
        for child in ("enrollments", "roles"):
            if counts.get(f"cascaded_{child}"):
                out["deleted"][child] = (out["deleted"].get(child, 0)
                                         + counts[f"cascaded_{child}"])
    return out
