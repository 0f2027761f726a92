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

from harness.core import FindingCollector
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
            head = head[len(codecs.BOM_UTF8):]
        enc = detect_encoding(head, complete)
        if enc == "cp932":
            sink.add("OR116", file=filename)
            self.encoding = "cp932"
        elif enc == "unknown":
            sink.add("OR117", file=filename)
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

        The checker's fast path: the csv module runs in C and Python touches each record only
        to append it. ``lines`` are each record's first physical line.
        """
        sink, filename = self.sink, self.filename
        reader = csv.reader(self._text, strict=True)
        decode_errors_before = _decode_errors[0]
        records: list[list[str]] = []
        ends: list[int] = []
        last_end = 0
        while True:
            try:
                for row in reader:
                    records.append(row)
                    ends.append(reader.line_num)
                    if len(records) >= size:
                        yield self._lines(records, ends, last_end, decode_errors_before), records
                        last_end = ends[-1]
                        records, ends = [], []
                break
            except csv.Error as exc:
                at = ends[-1] if ends else last_end
                sink.add("OR121", file=filename, line=at + 1, reason=str(exc))
                # the bad record is dropped; count its lines so later line numbers stay true
                last_end_of_bad = reader.line_num
                if records:
                    yield self._lines(records, ends, last_end, decode_errors_before), records
                last_end = last_end_of_bad
                records, ends = [], []
            except LimitExceeded as exc:
                exc.report(sink, filename, (ends[-1] if ends else last_end) + 1)
                self.broken = True
                break
            except READ_ERRORS as exc:
                sink.add("OR124", file=filename, reason=str(exc) or type(exc).__name__)
                self.broken = True
                break
        if records:
            yield self._lines(records, ends, last_end, decode_errors_before), records

    def _lines(self, records: list[list[str]], ends: list[int], last_end: int,
               decode_errors_before: int) -> list[int]:
        starts = [last_end + 1]
        starts += [e + 1 for e in ends[:-1]]
        if ends[-1] - last_end != len(records):  # some record spans lines: look for CR
            for line, end, row in zip(starts, ends, records, strict=True):
                if end > line:
                    self._scan(row, line, "\r", "OR119")
        if self._raw.has_nul:
            for line, row in zip(starts, records, strict=True):
                self._scan(row, line, "\x00", "OR120")
        if _decode_errors[0] != decode_errors_before:
            for line, row in zip(starts, records, strict=True):
                self._scan(row, line, "\ufffd", "OR117")
        return starts

    def _scan(self, row: list[str], line: int, char: str, rule: str) -> None:
        for col, value in enumerate(row, 1):
            if char in value:
                shown = value.replace("\x00", "\\0").replace("\r", "\\r")
                self.sink.add(rule, file=self.filename, line=line, column=col, value=shown)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._text.close()
