"""Reading a bundle into memory as a :class:`~harness.oneroster.model.Bundle`.

For consumers (the pipeline, tests, round trips). It uses the same safe container and CSV
stream as the checker; a bundle whose text cannot be read raises :class:`BundleReadError`
carrying the findings. It does not judge content: run the checker for that.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Mapping
from operator import itemgetter

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


#: Distinct values a column may have and still have them shared between rows (beyond, the
#: column is taken for an id column and each row keeps its own string).
SHARED_VALUES = 4096


def read_bundle(
    path: str | os.PathLike[str], *, profile: str | None = None, limits: Limits | None = None,
    columns: Mapping[str, Collection[str] | None] | None = None,
) -> Bundle:
    """Read every file of the bundle at ``path``; rows are dicts of strings keyed by header.

    :param columns: read only these files (name without ``.csv`` → the columns to keep, None
        for all of them); a consumer that needs a few columns of a city's files keeps a
        fraction of the memory. Repeated values of a column (roles, grades, org ids) are one
        string shared by the rows. Without it, every file and every column.
    """
    sink = FindingCollector(REGISTRY)
    bundle = Bundle(profile=profile or default_profile_id())
    try:
        container = open_container(path, sink, limits)
    except BundleUnreadable as exc:
        raise BundleReadError(str(exc), []) from None
    with container:
        names = set(container.names)
        wanted = [MANIFEST] + [f"{n}.csv" for n in data_files()
                               if columns is None or n in columns]
        for filename in wanted:
            if filename not in names:
                continue
            keep = None if columns is None else columns.get(filename[:-4])
            try:
                stream = CsvStream(container.open(filename), filename, sink,
                                   functools.partial(container.open, filename))
                rows = _rows(stream, keep)
                stream.close()
            except LimitExceeded as exc:
                exc.report(sink, filename)
                continue
            except READ_ERRORS as exc:
                sink.add("OR124", file=filename, reason=str(exc) or type(exc).__name__)
                continue
            if rows is None:
                continue
            if filename == MANIFEST:
                props = {r.get("propertyName", ""): r.get("value", "") for r in rows}
                for key, value in props.items():
                    if key.startswith("file.") and value in ("bulk", "delta"):
                        bundle.modes[key[5:]] = value
                    elif key.startswith("source."):
                        bundle.manifest_extra[key] = value
            else:
                bundle.tables[filename[:-4]] = rows
    errors = [f for f in sink.findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        raise BundleReadError(f"{first.location()}: {first.message_en}", errors)
    return bundle


def _rows(stream: CsvStream, keep: Collection[str] | None) -> list[Row] | None:
    """The file's rows as dicts (None for a file without even a header), built one record at
    a time; with ``keep``, only those columns, repeated values shared."""
    records = iter(stream)
    first = next(records, None)
    if first is None:
        return None
    header = first[1]
    if keep is None:
        return [dict(zip(header, r, strict=False)) for _, r in records]
    at = [i for i, name in enumerate(header) if name in keep]
    names = [header[i] for i in at]
    width = max(at, default=-1) + 1
    pick = itemgetter(*at) if len(at) > 1 else (lambda r: tuple(r[i] for i in at))
    sharing = {n: {} for n in range(len(at))}  # column position → its values so far
    rows: list[Row] = []
    for _, record in records:
        if len(record) >= width:
            values = list(pick(record))
        else:  # a short record: its missing columns stay missing, as without ``keep``
            rows.append({name: record[i] for i, name in zip(at, names, strict=True)
                         if i < len(record)})
            continue
        for n, seen in sharing.items():
            values[n] = seen.setdefault(values[n], values[n])
        rows.append(dict(zip(names, values, strict=True)))
        if len(rows) % 1024 == 0:
            sharing = {n: seen for n, seen in sharing.items() if len(seen) <= SHARED_VALUES}
    return rows
