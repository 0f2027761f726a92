"""Reading a bundle into memory as a :class:`~harness.oneroster.model.Bundle`.

For consumers (the pipeline, tests, round trips). It uses the same safe container and CSV
stream as the checker; a bundle whose text cannot be read raises :class:`BundleReadError`
carrying the findings. It does not judge content: run the checker for that.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
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


#: Which files and columns of a bundle to keep: file name without ``.csv`` → the columns
#: (None for all of them). Files not named are not kept; the manifest always is.
Columns = Mapping[str, Collection[str] | None]

#: Distinct values a column may have and still have them shared between rows (beyond, the
#: column is taken for an id column and each row keeps its own string).
SHARED_VALUES = 4096


def read_bundle(
    path: str | os.PathLike[str], *, profile: str | None = None, limits: Limits | None = None,
    columns: Columns | None = None,
) -> Bundle:
    """Read every file of the bundle at ``path``; rows are dicts of strings keyed by header.

    :param columns: read only these files and columns (:data:`Columns`); a consumer that
        needs a few columns of a city's files keeps a fraction of the memory. Repeated values
        of a kept column (roles, grades, org ids) are one string shared by the rows.
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
            try:
                stream = CsvStream(container.open(filename), filename, sink,
                                   functools.partial(container.open, filename))
                table = TableBuilder(keep_of(columns, filename))
                table.add(fields for _, fields in stream)
                stream.close()
            except LimitExceeded as exc:
                exc.report(sink, filename)
                continue
            except READ_ERRORS as exc:
                sink.add("OR124", file=filename, reason=str(exc) or type(exc).__name__)
                continue
            table.put_into(bundle, filename)
    errors = [f for f in sink.findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        raise BundleReadError(f"{first.location()}: {first.message_en}", errors)
    return bundle


def keep_of(columns: Columns | None, filename: str) -> Collection[str] | None:
    """The columns of ``filename`` that ``columns`` keeps (None: all of them)."""
    return None if columns is None or filename == MANIFEST else columns.get(filename[:-4])


class TableBuilder:
    """One member's rows, built as its parsed records arrive (the header first): dicts keyed
    by the header; with ``keep``, only those columns, repeated values shared between rows.

    The one way from parsed CSV to a :class:`Bundle`: :func:`read_bundle` and the checker
    (``check_bundle(keep_bundle=...)``, which parses each file once for both) use it.
    """

    __slots__ = ("keep", "header", "rows", "_at", "_names", "_width", "_pick", "_sharing")

    def __init__(self, keep: Collection[str] | None = None) -> None:
        self.keep = keep
        self.header: Sequence[str] | None = None
        self.rows: list[Row] = []

    def add(self, records: Iterable[Sequence[str]]) -> None:
        """Take the next records of the member (the first ever is its header)."""
        it = iter(records)
        if self.header is None:
            first = next(it, None)
            if first is None:
                return
            self._start(first)
        header, rows = self.header, self.rows
        assert header is not None
        if self.keep is None:
            rows.extend(dict(zip(header, r, strict=False)) for r in it)
            return
        at, names, width, pick = self._at, self._names, self._width, self._pick
        for record in it:
            if len(record) < width:  # a short record: its missing columns stay missing
                rows.append({name: record[i] for i, name in zip(at, names, strict=True)
                             if i < len(record)})
                continue
            values = list(pick(record))
            for n, seen in self._sharing.items():
                values[n] = seen.setdefault(values[n], values[n])
            rows.append(dict(zip(names, values, strict=True)))
            if len(rows) % 1024 == 0:
                self._sharing = {n: seen for n, seen in self._sharing.items()
                                 if len(seen) <= SHARED_VALUES}

    def _start(self, header: Sequence[str]) -> None:
        self.header = header
        if self.keep is None:
            return
        at = [i for i, name in enumerate(header) if name in self.keep]
        self._at, self._names = at, [header[i] for i in at]
        self._width = max(at, default=-1) + 1
        self._pick = (itemgetter(*at) if len(at) > 1
                      else (lambda r: tuple(r[i] for i in at)))
        # column position → its values so far
        self._sharing: dict[int, dict[str, str]] = {n: {} for n in range(len(at))}

    def put_into(self, bundle: Bundle, filename: str) -> None:
        """Put the rows into ``bundle``: a data file's table; the manifest's ``file.*`` modes
        and ``source.*`` properties. Nothing for a member without even a header."""
        if self.header is None:
            return
        rows = self.rows
        if filename == MANIFEST:
            props = {r.get("propertyName", ""): r.get("value", "") for r in rows}
            for key, value in props.items():
                if key.startswith("file.") and value in ("bulk", "delta"):
                    bundle.modes[key[5:]] = str(value)
                elif key.startswith("source."):
                    bundle.manifest_extra[str(key)] = str(value)
        else:
            bundle.tables[filename[:-4]] = rows
