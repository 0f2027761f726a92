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
        sink, filename = self.sink, self.filename
        reader = csv.reader(self._text, strict=True)
        decode_errors_before = _decode_errors[0]
        prev = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                sink.add("OR121", file=filename, line=prev + 1, reason=str(exc))
                prev = reader.line_num
                continue
            except LimitExceeded as exc:
                exc.report(sink, filename, prev + 1)
                self.broken = True
                return
            except READ_ERRORS as exc:
                sink.add("OR124", file=filename, reason=str(exc) or type(exc).__name__)
                self.broken = True
                return
            line = prev + 1
            if reader.line_num - prev > 1:
                self._scan(row, line, "\r", "OR119")
            prev = reader.line_num
            if self._raw.has_nul:
                self._scan(row, line, "\x00", "OR120")
            if _decode_errors[0] != decode_errors_before:
                self._scan(row, line, "\ufffd", "OR117")
            yield line, row

    def _scan(self, row: list[str], line: int, char: str, rule: str) -> None:
        for col, value in enumerate(row, 1):
            if char in value:
                shown = value.replace("\x00", "\\0").replace("\r", "\\r")
                self.sink.add(rule, file=self.filename, line=line, column=col, value=shown)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._text.close()
