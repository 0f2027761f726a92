"""Decoding and row streaming for one CSV member, reporting text problems as findings.

The fast path is ``csv.reader`` over a ``TextIOWrapper``; the rare problems (a NUL byte, an
undecodable byte, a carriage return inside a field, a double quote where RFC 4180 forbids it)
are noticed cheaply on the byte stream, by the reader's line count or by one substring search
per chunk, and only then are rows scanned for them.

Malformed quoting: ``csv.reader(strict=True)`` refuses text after a closing quote but silently
keeps a quote inside an unquoted field (``Ta"ro``). The parsed value cannot tell that apart from
a legal ``"Ta""ro"``, so a record whose values hold a quote is read again as raw text (from a
second stream over the same member, see :class:`_RawLines`) and judged there.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Callable, Iterator
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


#: One field of raw CSV text: a quoted field (quotes doubled inside), or an unquoted run.
_QUOTED_FIELD = re.compile(r'"(?:[^"]|"")*"')
_BARE_FIELD = re.compile(r'[^",\r\n]*')


def quoting_fault(record: str) -> tuple[str, int, int] | None:
    """The first RFC 4180 quoting fault in the raw text of one record, or ``None``.

    Returns ``(rule, field number, line breaks before the fault)``: OR126 for a double quote
    inside an unquoted field (``Ta"ro``), OR127 for text after a closing quote (``"Ta"ro``),
    OR121 for a quoted field that never closes.
    """
    pos, field, end = 0, 1, len(record)
    while True:
        start = pos
        if record.startswith('"', pos):
            m = _QUOTED_FIELD.match(record, pos)
            if m is None:
                return "OR121", field, _breaks(record[:start])
            pos = m.end()
            if pos < end and record[pos] not in ",\r\n":
                return "OR127", field, _breaks(record[:pos])
        else:
            pos = _BARE_FIELD.match(record, pos).end()  # type: ignore[union-attr]
            if pos < end and record[pos] == '"':
                return "OR126", field, _breaks(record[:pos])
        if pos >= end or record[pos] != ",":
            return None
        pos, field = pos + 1, field + 1


class _RawLines:
    """Physical lines of a member read again from its start, forward only, for the rare
    record that must be judged on its raw text."""

    def __init__(self, raw: GuardedStream, encoding: str, bom: bool) -> None:
        if bom:
            raw.read(len(codecs.BOM_UTF8))
        self._text = io.TextIOWrapper(io.BufferedReader(raw), encoding=encoding,
                                      errors="replace", newline="")
        self.line = 1

    def text(self, first: int, count: int) -> str:
        """The raw text of ``count`` physical lines from line ``first`` ('' once passed)."""
        if first < self.line:
            return ""
        while self.line < first and self._text.readline():
            self.line += 1
        parts = [self._text.readline() for _ in range(count)]
        self.line += count
        return "".join(parts)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._text.close()


def _breaks(value: str) -> int:
    """Line breaks inside a field, counted as the reader counts lines (CR, LF or CRLF)."""
    return value.count("\n") + value.count("\r") - value.count("\r\n")


class CsvStream:
    """Rows of one CSV member with their physical line numbers.

    Iterate to get ``(line, fields)``; ``header`` is read first. Findings about the text go to
    ``sink``. Iteration stops early (after a finding) on a limit or an unreadable stream.
    """

    def __init__(self, raw: GuardedStream, filename: str, sink: FindingCollector,
                 reopen: Callable[[], GuardedStream] | None = None) -> None:
        """:param reopen: opens the member again from its start, for judging the raw text of
        a record that holds a double quote (without it such records are not judged)."""
        self.filename = filename
        self.sink = sink
        self._raw = raw
        self._reopen = reopen
        self._rawlines: _RawLines | None = None
        self.encoding = "utf-8"
        self.broken = False
        head = b""
        while len(head) < _SNIFF:
            chunk = raw.read(_SNIFF - len(head))
            if not chunk:
                break
            head += chunk
        complete = len(head) < _SNIFF
        self._bom = head.startswith(codecs.BOM_UTF8)
        if self._bom:
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
                self._quotes(starts, records)
                self._syntax(bad_line, reader.line_num, str(exc))
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
                self._quotes(starts, records)
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

    def _raw_text(self, first: int, count: int) -> str:
        if self._reopen is None:
            return ""
        try:
            if self._rawlines is None:
                self._rawlines = _RawLines(self._reopen(), self.encoding, self._bom)
            return self._rawlines.text(first, count)
        except (LimitExceeded, *READ_ERRORS):
            self._reopen = None  # the first stream reports what is wrong with the member
            return ""

    def _quotes(self, starts: list[int], records: list[list[str]]) -> None:
        """OR126/OR127 for records whose values hold a double quote (one substring search
        over the chunk in the usual case, where none does)."""
        if '"' not in "".join(map("".join, records)):
            return
        for i, row in enumerate(records):
            if any('"' in v for v in row):
                spans = starts[i + 1] - starts[i] if i + 1 < len(starts) else None
                if spans is None:
                    spans = 1 + sum(_breaks(v) for v in row)
                self._judge(starts[i], spans)

    def _judge(self, line: int, spans: int, reason: str = "unterminated quoted field") -> bool:
        """Report the quoting fault of the record at ``line``, if its raw text has one."""
        fault = quoting_fault(self._raw_text(line, spans))
        if fault is None:
            return False
        rule, column, breaks = fault
        extra = {"reason": reason} if rule == "OR121" else {}
        self.sink.add(rule, file=self.filename, line=line + breaks, column=column,
                      position=column, **extra)
        return True

    def _syntax(self, first: int, last: int, reason: str) -> None:
        """A record the CSV reader refused (lines ``first``..``last``): located by its raw
        text when it can be read again, else OR121 with the reader's reason."""
        if last < first or not self._judge(first, last - first + 1, reason):
            self.sink.add("OR121", file=self.filename, line=first, reason=reason)

    def _scan(self, row: list[str], line: int, char: str, rule: str) -> None:
        for col, value in enumerate(row, 1):
            if char in value:
                shown = value.replace("\x00", "\\0").replace("\r", "\\r")
                self.sink.add(rule, file=self.filename, line=line, column=col, value=shown)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._text.close()
        if self._rawlines is not None:
            self._rawlines.close()
