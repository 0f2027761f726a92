"""Reading a bundle into memory as a :class:`~harness.oneroster.model.Bundle`.

For consumers (the pipeline, tests, round trips). It uses the same safe container and CSV
stream as the checker; a bundle whose text cannot be read raises :class:`BundleReadError`
carrying the findings. It does not judge content: run the checker for that.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

from harness.core import Finding, FindingCollector, Severity
from harness.oneroster.container import (
    READ_ERRORS,
    BundleUnreadable,
    LimitExceeded,
    Limits,
    open_container,
)
from harness.oneroster.csvstream import CsvStream
from harness.oneroster.model import Bundle, Row
from harness.oneroster.rules import REGISTRY
from harness.oneroster.schema import MANIFEST, data_files, default_profile_id


class BundleReadError(Exception):
    """The bundle or one of its files could not be read; ``findings`` say where and why."""

    def __init__(self, message: str, findings: list[Finding]) -> None:
        super().__init__(message)
        self.findings = findings


def read_bundle(
    path: str | os.PathLike[str], *, profile: str | None = None, limits: Limits | None = None
) -> Bundle:
    """Read every file of the bundle at ``path``; rows are dicts of strings keyed by header."""
    sink = FindingCollector(REGISTRY)
    bundle = Bundle(profile=profile or default_profile_id())
    try:
        container = open_container(path, sink, limits)
    except BundleUnreadable as exc:
        raise BundleReadError(str(exc), []) from None
    with container:
        names = set(container.names)
        wanted = [MANIFEST] + [f"{n}.csv" for n in data_files()]
        for filename in wanted:
            if filename not in names:
                continue
            try:
                stream = CsvStream(container.open(filename), filename, sink,
                                   functools.partial(container.open, filename))
                records = [fields for _, fields in stream]
                stream.close()
            except LimitExceeded as exc:
                exc.report(sink, filename)
                continue
            except READ_ERRORS as exc:
                sink.add("OR124", file=filename, reason=str(exc) or type(exc).__name__)
                continue
            add_records(bundle, filename, records)
    errors = [f for f in sink.findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        raise BundleReadError(f"{first.location()}: {first.message_en}", errors)
    return bundle


def add_records(bundle: Bundle, filename: str, records: Sequence[Sequence[str]]) -> None:
    """Put one member's parsed records (the header first) into ``bundle``: a data file's rows
    as dicts keyed by the header; the manifest's ``file.*`` modes and ``source.*`` properties.

    The one way from parsed CSV to a :class:`Bundle`: :func:`read_bundle` and the checker
    (``check_bundle(keep_bundle=True)``, which parses each file once for both) call it.
    """
    if not records:
        return
    header = records[0]
    rows: list[Row] = [dict(zip(header, r, strict=False)) for r in records[1:]]
    if filename == MANIFEST:
        props = {r.get("propertyName", ""): r.get("value", "") for r in rows}
        for key, value in props.items():
            if key.startswith("file.") and value in ("bulk", "delta"):
                bundle.modes[key[5:]] = str(value)
            elif key.startswith("source."):
                bundle.manifest_extra[str(key)] = str(value)
    else:
        bundle.tables[filename[:-4]] = rows
