"""``check_bundle``: stream a OneRoster bundle through every rule and build a Report.

One pass over each file in dependency order (see :data:`~harness.oneroster.schema.READ_ORDER`),
keeping only keys in memory. Every finding is reported, capped per rule; nothing raises on
bad data. Exit codes: 0 no ERROR, 1 ERROR findings, 2 the bundle could not be read at all.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.core import Finding, FindingCollector, Severity
from harness.core.gcpause import no_cyclic_gc
from harness.oneroster.checks import crossfile, japan, practice
from harness.oneroster.checks.manifest import check_manifest, check_presence
from harness.oneroster.checks.rows import FilePass, resolve
from harness.oneroster.checks.state import BundleState
from harness.oneroster.container import (
    READ_ERRORS,
    BundleUnreadable,
    Container,
    LimitExceeded,
    Limits,
    open_container,
)
from harness.oneroster.csvstream import CsvStream
from harness.oneroster.model import Bundle
from harness.oneroster.reader import Columns, TableBuilder, keep_of
from harness.oneroster.rules import REGISTRY
from harness.oneroster.schema import MANIFEST, READ_ORDER, Profile, data_files, load_profile
from harness.report import Report

BUNDLE_NAME = re.compile(r"RO_\d{8}_(\d{6}|[A-H][0-9]\d{11})\.zip")
#: Records per chunk of the column-wise pass. A chunk's rows, fields and columns (~1 MB at
#: 1,024 users' rows) stay in a core's cache while every check reads them; 4,096 spilled it:
#: 1-4% more CPU and 13 MB more peak RSS at 1x, with the same findings.
CHUNK_ROWS = 1024


@dataclass
class CheckResult:
    """What :func:`check_bundle` found: the report and the exit code the CLI returns."""

    report: Report
    exit_code: int
    #: the bundle as parsed while checking (``check_bundle(keep_bundle=True)``), else None
    bundle: Bundle | None = None

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings

    def rule_ids(self) -> set[str]:
        return set(self.report.summary["by_rule"])  # type: ignore[arg-type]


def check_bundle(
    path: str | os.PathLike[str],
    *,
    profile: str | None = None,
    limits: Limits | None = None,
    cap_per_rule: int = 100,
    school_year_reading: str = "start",
    keep_bundle: bool | Columns = False,
) -> CheckResult:
    """Check the bundle at ``path`` (a zip file or a folder) against ``profile``.

    :param profile: a profile id (default ``jp-eportal-v4``); ``KeyError`` if unknown.
    :param cap_per_rule: findings kept per rule; the rest are counted in the summary.
    :param school_year_reading: ``start`` (Japanese practice: schoolYear is the 年度's first
        year) or ``end`` (the base spec's reading).
    :param keep_bundle: also keep what the pass parses, as the ``bundle`` of the result (what
        :func:`~harness.oneroster.reader.read_bundle` would read), so a consumer that checks
        and then reads parses the export once. None when the bundle could not be opened.
        A :data:`~harness.oneroster.reader.Columns` mapping keeps only those files and
        columns (``read_bundle(columns=...)``'s reading).
    """
    prof = load_profile(profile)
    sink = FindingCollector(REGISTRY, profile=prof.id, cap_per_rule=cap_per_rule)
    p = Path(path)
    unreadable = False
    modes: dict[str, str] = {}
    bundle = Bundle(profile=prof.id) if keep_bundle else None
    # The pass allocates millions of rows and tuples but no reference cycles; the cyclic
    # collector would rescan the growing key maps again and again (superlinear at 10x).
    try:
        with no_cyclic_gc(), open_container(p, sink, limits) as container:
            modes = _check_container(container, prof, sink, school_year_reading, bundle,
                                     None if keep_bundle is True else keep_bundle or None)
    except BundleUnreadable as exc:
        sink.add("OR100", file=p.name, reason=str(exc))
        unreadable = True
    if p.suffix.lower() == ".zip" and not BUNDLE_NAME.fullmatch(p.name) and not unreadable:
        sink.add("OR125", file=p.name)
    result = _result(p, prof, sink, modes, unreadable)
    result.bundle = None if unreadable else bundle
    return result


def _check_container(
    container: Container, profile: Profile, sink: FindingCollector, reading: str,
    bundle: Bundle | None = None, columns: Columns | None = None,
) -> dict[str, str]:
    names = set(container.names)
    known = {f"{n}.csv" for n in data_files()}
    for name in sorted(names - known - {MANIFEST}):
        sink.add("OR105", file=name)
    declared: dict[str, str] = {}
    if MANIFEST in names:
        stream = _stream(container, MANIFEST, sink)
        if stream is not None:
            kept = TableBuilder()
            declared = check_manifest(_keeping(stream, kept) if bundle is not None else stream,
                                      profile, sink)
            stream.close()
            if bundle is not None:
                kept.put_into(bundle, MANIFEST)
    else:
        sink.add("OR106", file=MANIFEST)
    check_presence(names, declared, MANIFEST in names, sink)
    state = BundleState()
    effective: dict[str, str] = {}
    for name in READ_ORDER:
        spec = profile.file(name)
        if spec.filename not in names:
            continue
        stream = _stream(container, spec.filename, sink)
        if stream is None:
            continue
        file_pass = FilePass(spec, profile, declared.get(name), state, sink, reading)
        keeping = bundle is not None and (columns is None or name in columns)
        table = TableBuilder(keep_of(columns, spec.filename))
        chunks = stream.chunks(CHUNK_ROWS)
        mode = file_pass.run(_keeping_chunks(chunks, table) if keeping else chunks)
        file_pass.finish(stream.broken)
        stream.close()
        if keeping:
            assert bundle is not None
            table.put_into(bundle, spec.filename)
        del table
        state.complete.add(name)
        state.file_done(name)
        effective[name] = mode or declared.get(name, "bulk")
    for ref in state.pending:
        resolve(ref, state, sink)
    bulk = {n for n, m in effective.items() if m == "bulk"}
    crossfile.finish(state, sink, bulk)
    if profile.japanese:
        japan.finish(state, sink)
        practice.finish(state, sink)
        is_zip = not container.path.is_dir()
        practice.bundle_checks(container.path.name, is_zip,
                               container.path.stat().st_size if is_zip else None, names, sink)
    return effective


def _keeping(records: Iterable[tuple[int, list[str]]], kept: TableBuilder
             ) -> Iterator[tuple[int, list[str]]]:
    """``records`` passed on, each record's fields also added to ``kept``."""
    for line, fields in records:
        kept.add((fields,))
        yield line, fields


def _keeping_chunks(chunks: Iterable[tuple[list[int], list[list[str]]]],
                    kept: TableBuilder) -> Iterator[tuple[list[int], list[list[str]]]]:
    """``chunks`` passed on, their records also added to ``kept`` (before the pass sees
    them: the pass may replace a short row in its list, never change a row)."""
    for lines, records in chunks:
        kept.add(records)
        yield lines, records


def _stream(container: Container, filename: str, sink: FindingCollector) -> CsvStream | None:
    try:
        return CsvStream(container.open(filename), filename, sink,
                         functools.partial(container.open, filename))
    except LimitExceeded as exc:
        exc.report(sink, filename)
    except READ_ERRORS as exc:
        # encrypted members, unsupported compression and CRC errors end up here
        sink.add("OR124", file=filename, reason=str(exc) or type(exc).__name__)
    return None


def _result(
    path: Path, profile: Profile, sink: FindingCollector, modes: dict[str, str], unreadable: bool
) -> CheckResult:
    rejected = sorted(
        {f.file for f in sink.findings if f.severity is Severity.ERROR and f.file}
        & ({f"{n}.csv" for n in modes} | {MANIFEST})
    )
    imported = sorted(f"{n}.csv" for n in modes if f"{n}.csv" not in rejected)
    report = Report(
        kit="oneroster",
        subject=str(path),
        profile=profile.id,
        registry=REGISTRY,
        findings=sink.findings,
        summary=sink.summary(),
        rules_run=[r.id for r in REGISTRY.active(profile.id)],
        extra={
            "files_imported": imported,
            "files_rejected": rejected,
            "modes": dict(sorted(modes.items())),
            "test_identifier": path.name,
        },
    )
    if unreadable:
        code = 2
    elif sink.worst() is Severity.ERROR:
        code = 1
    else:
        code = 0
    return CheckResult(report, code)
