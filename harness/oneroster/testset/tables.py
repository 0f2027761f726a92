"""Bundles as plain tables (file → rows of strings, header first) for making defects."""

from __future__ import annotations

import csv
import io
import warnings
import zipfile

from harness.oneroster.model import Bundle
from harness.oneroster.schema import MANIFEST, load_profile
from harness.oneroster.writer import ZIP_DATE, csv_text, iter_csv_chunks, manifest_rows

Tables = dict[str, list[list[str]]]
Members = list[tuple[str, bytes]]


def to_tables(bundle: Bundle) -> Tables:
    profile = load_profile(bundle.profile)
    out: Tables = {MANIFEST: [["propertyName", "value"]] + [list(r) for r in
                                                            manifest_rows(bundle, profile)]}
    for name, rows in bundle.tables.items():
        if not rows:
            continue
        spec = profile.file(name)
        text = "".join(iter_csv_chunks(spec.header, rows))
        out[spec.filename] = [list(r) for r in csv.reader(io.StringIO(text))]
    return out


def serialize(tables: Tables, *, quote_all: bool = True) -> Members:
    """Each table as CSV bytes the way the writer writes them (bare header, quoted data rows);
    ``quote_all=False`` quotes only where RFC 4180 requires it."""
    members: Members = []
    for name, rows in tables.items():
        if quote_all:
            text = csv_text(rows[0], rows[1:]) if rows else ""
        else:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\r\n").writerows(rows)
            text = buf.getvalue()
        members.append((name, text.encode("utf-8")))
    return members


def zip_members(members: Members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are one of the defects we make
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def col(t: Tables, file: str, name: str) -> int:
    return t[file][0].index(name)


def find_col(t: Tables, file: str, lower: str) -> str:
    """The header name in ``file`` whose lower case is ``lower`` (profiles differ in case)."""
    return next(h for h in t[file][0] if h.lower() == lower.lower())


def setv(t: Tables, file: str, row: int, name: str, value: str) -> None:
    """Set data row ``row`` (0-based, -1 for the last) of ``file``."""
    t[file][1:][row][col(t, file, name)] = value


def getv(t: Tables, file: str, row: int, name: str) -> str:
    return t[file][1:][row][col(t, file, name)]


def add_row(t: Tables, file: str, values: dict[str, str], *, like: int | None = None) -> None:
    """Append a row: a copy of data row ``like`` (or blanks) with ``values`` set."""
    header = t[file][0]
    row = list(t[file][1:][like]) if like is not None else [""] * len(header)
    for k, v in values.items():
        row[header.index(k)] = v
    t[file].append(row)


def drop_rows(t: Tables, file: str, name: str, value: str) -> None:
    i = col(t, file, name)
    t[file] = [t[file][0]] + [r for r in t[file][1:] if r[i] != value]


def drop_col(t: Tables, file: str, name: str) -> None:
    i = col(t, file, name)
    for r in t[file]:
        del r[i]


def move_col(t: Tables, file: str, name: str, to: int) -> None:
    i = col(t, file, name)
    for r in t[file]:
        r.insert(to, r.pop(i))


def swap_cols(t: Tables, file: str, a: str, b: str) -> None:
    i, j = col(t, file, a), col(t, file, b)
    for r in t[file]:
        r[i], r[j] = r[j], r[i]


def append_col(t: Tables, file: str, name: str, value: str = "") -> None:
    t[file][0].append(name)
    for r in t[file][1:]:
        r.append(value)


def manifest_set(t: Tables, prop: str, value: str) -> None:
    for r in t[MANIFEST][1:]:
        if r[0] == prop:
            r[1] = value
            return
    t[MANIFEST].append([prop, value])


def manifest_drop(t: Tables, prop: str) -> None:
    t[MANIFEST] = [r for r in t[MANIFEST] if r[0] != prop]


def patch(members: Members, name: str, fn) -> Members:  # noqa: ANN001
    return [(n, fn(d) if n == name else d) for n, d in members]
