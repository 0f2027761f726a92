"""Decoding and row streaming for one CSV member, reporting text problems as findings.

The fast path is ``csv.reader`` over a ``TextIOWrapper``; the rare problems (a NUL byte, an
undecodable byte, a carriage return inside a field) are noticed cheaply on the byte stream or
by the reader's line count, and only then are rows scanned for them.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterator
from itertools import islice

from harness.core import FindingCollector
from harness.oneroster.checks.practice import check_quoting
from harness.oneroster.container import READ_ERRORS, GuardedStream, LimitExceeded

_SNIFF = 64 * 1024
_decode_errors = [0]


def _count_decode_error(exc: UnicodeError) -> tuple[str, int]:
    _decode_errors[0] += 1
    return "\ufffd", exc.end  # type: ignore[attr-defined]


codecs.register_error("renkei-count", _count_decode_error)
csv.field_size_limit(1 << 30)  # GuardedStream bounds line length; the csv module need not


class _Replay(io.RawIOBase):
    """Replays the sniffed prefix, then the rest of the stream."""

    def __init__(self, head: bytes, rest: GuardedStream) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return self._rest.readinto(buffer)


def detect_encoding(head: bytes, complete: bool) -> str:
    """``utf-8``, ``cp932`` or ``unknown`` for the first bytes of a file."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("cp932")().decode(head, final=complete)
        return "cp932"
    except UnicodeDecodeError:
        return "unknown"


def _breaks(value: str) -> int:
    """Line breaks inside a field, counted as the reader counts lines (CR, LF or CRLF)."""
    return value.count("\n") + value.count("\r") - value.count("\r\n")


class CsvStream:
    """Rows of one CSV member with their physical line numbers.

    Iterate to get ``(line, fields)``; ``header`` is read first. Findings about the text go to
    ``sink``. Iteration stops early (after a finding) on a limit or an unreadable stream.
    """

    def __init__(self, raw: GuardedStream, filename: str, sink: FindingCollector) -> None:
        self.filename = filename
        self.sink = sink
        self._raw = raw
        self.encoding = "utf-8"
        self.broken = False
        head = b""
        while len(head) < _SNIFF:
            chunk = raw.read(_SNIFF - len(head))
            if not chunk:
                break
            head += chunk
        complete = len(head) < _SNIFF
        if head.startswith(codecs.BOM_UTF8):
            sink.add("OR118", file=filename, line=1, column=1)
            sink.add("OR703", file=filename, line=1, column=1)
            head = head[len(codecs.BOM_UTF8):]
        enc = detect_encoding(head, complete)
        if enc == "cp932":
            sink.add("OR116", file=filename)
            self.encoding = "cp932"
        elif enc == "unknown":
            sink.add("OR117", file=filename)
        # Quoting is judged on the raw text of the sniffed prefix: csv.reader forgets it.
        check_quoting(head.decode(self.encoding, errors="replace"), complete, filename, sink)
        self.empty = not head
        buffered = io.BufferedReader(_Replay(head, raw), buffer_size=_SNIFF)
        self._text = io.TextIOWrapper(
            buffered, encoding=self.encoding, errors="renkei-count", newline=""
        )

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """Yield ``(line, fields)`` for every record, the header first."""
        for lines, records in self.chunks():
            yield from zip(lines, records, strict=True)

    def chunks(self, size: int = 4096) -> Iterator[tuple[list[int], list[list[str]]]]:
        """Yield ``(lines, records)`` in lists of up to ``size``, the header first.

        The checker's fast path: ``list.extend(islice(reader, n))`` keeps the whole parse in
        C. ``lines`` are each record's first physical line; they are counted from the reader
        and, only when a record spans lines, from the line breaks inside its fields.
        """
        sink, filename = self.sink, self.filename
        reader = csv.reader(self._text, strict=True)
        self._decode_errors_before = _decode_errors[0]
        records: list[list[str]] = []
        next_line = 1
        while True:
            try:
                records.extend(islice(reader, size))
            except csv.Error as exc:
                # rows read before the bad record are kept (list.extend appends as it goes)
                starts, bad_line = self._starts(records, next_line, None)
                sink.add("OR121", file=filename, line=bad_line, reason=str(exc))
                if records:
                    yield starts, records
                next_line, records = reader.line_num + 1, []
                continue
            except LimitExceeded as exc:
                starts, after = self._starts(records, next_line, None)
                exc.report(sink, filename, after)
                self.broken = True
            except READ_ERRORS as exc:
                starts, _ = self._starts(records, next_line, None)
                sink.add("OR124", file=filename, reason=str(exc) or type(exc).__name__)
                self.broken = True
            else:
                if not records:
                    return
                starts, _ = self._starts(records, next_line, reader.line_num - next_line + 1)
                yield starts, records
                if len(records) < size:
                    return
                next_line, records = reader.line_num + 1, []
                continue
            if records:
                yield starts, records
            return

    def _starts(self, records: list[list[str]], first: int, total: int | None
                ) -> tuple[list[int], int]:
        """First line of each record, and the line after the last; scans for CR, NUL and
        undecodable bytes when there is reason to."""
        if total == len(records):
            starts = list(range(first, first + total))
            after = first + total
        else:
            starts, after = [], first
            for row in records:
                starts.append(after)
                spans = 1 + sum(_breaks(v) for v in row if "\n" in v or "\r" in v)
                if spans > 1:
                    self._scan(row, after, "\r", "OR119")
                after += spans
        if self._raw.has_nul:
            for line, row in zip(starts, records, strict=True):
                self._scan(row, line, "\x00", "OR120")
        if _decode_errors[0] != self._decode_errors_before:
            for line, row in zip(starts, records, strict=True):
                self._scan(row, line, "\ufffd", "OR117")
        return starts, after

    def _scan(self, row: list[str], line: int, char: str, rule: str) -> None:
        for col, value in enumerate(row, 1):
            if char in value:
                shown = value.replace("\x00", "\\0").replace("\r", "\\r")
                self.sink.add(rule, file=self.filename, line=line, column=col, value=shown)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._text.close()
