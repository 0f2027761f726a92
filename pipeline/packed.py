"""JSON as the pipeline's state stores it: compressed, written a slice at a time and read back
a piece at a time, so a city's roster (80 MB of JSON at 230,000 pupils) is never one string
nor one list of dicts in memory.

:func:`pack` compresses data, or :class:`Object` and :class:`Array` parts encoded slice by
slice, into the same bytes as the whole text at once; :func:`inflated` gives a packed blob's
text in pieces; :class:`Pieces` reads such a text value by value (an array's elements a run at
a time). :mod:`pipeline.state` stores rosters and plans with them; :mod:`pipeline.compact`
rewrites plans an earlier renkei stored.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any


def pack(data: Any) -> bytes:
    """JSON, compressed (level 1: 5x faster than the default, a little larger). ``data`` may
    be parts (an :class:`Object`, whose values may be :class:`Object` and :class:`Array`,
    or anything else with ``parts()``): they are encoded and compressed a slice at a time, the
    bytes the same as for the whole data at once (a city's roster is never held as one list of
    dicts nor as one string)."""
    if not hasattr(data, "parts"):
        return zlib.compress(ENCODE(data).encode("utf-8"), 1)
    packer = zlib.compressobj(1)
    out: list[bytes] = []
    buffer: list[str] = []
    size = 0
    for part in data.parts():
        buffer.append(part)
        size += len(part)
        if size >= 1 << 18:
            out.append(packer.compress("".join(buffer).encode("utf-8")))
            buffer, size = [], 0
    out.append(packer.compress("".join(buffer).encode("utf-8")))
    out.append(packer.flush())
    return b"".join(out)


ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: records per slice of an :class:`Array`
SLICE = 2048


class Array:
    """A JSON array of ``convert(item)`` for each of ``items``, encoded in slices."""

    def __init__(self, items: Iterable[Any], convert: Callable[[Any], Any]) -> None:
        self.items, self.convert = items, convert

    def parts(self) -> Iterator[str]:
        yield "["
        items, first = iter(self.items), True
        while chunk := [self.convert(x) for x in islice(items, SLICE)]:
            yield ("" if first else ",") + ENCODE(chunk)[1:-1]
            first = False
        yield "]"


class Object:
    """A JSON object whose values may be :class:`Object` or :class:`Array` parts."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def parts(self) -> Iterator[str]:
        sep = "{"
        for key, value in self.values.items():
            yield sep + ENCODE(key) + ":"
            if isinstance(value, (Object, Array)):
                yield from value.parts()
            else:
                yield ENCODE(value)
            sep = ","
        yield "{}" if sep == "{" else "}"


def text_sha256(data: Object) -> str:
    """The SHA-256 of ``data``'s JSON text (what :func:`pack` would compress), encoded a
    slice at a time and neither compressed nor kept."""
    sha = hashlib.sha256()
    for part in data.parts():
        sha.update(part.encode("utf-8"))
    return sha.hexdigest()


def unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob).decode("utf-8"))


#: compressed bytes of a stored roster inflated at a time (a few hundred KB of text)
READ_SIZE = 1 << 16


def inflated(read: Callable[[int], bytes]) -> Iterator[str]:
    """The JSON text of a :func:`pack` blob (``read(n)`` gives its next bytes), a piece at a
    time: neither its bytes nor its text is ever whole in memory."""
    inflate = zlib.decompressobj()
    decode = codecs.getincrementaldecoder("utf-8")().decode
    while piece := read(READ_SIZE):
        yield decode(inflate.decompress(piece))
    yield decode(inflate.flush(), final=True)
    if not inflate.eof:
        raise zlib.error("incomplete or truncated stream")


_SPACE = re.compile(r"[ \t\n\r]*")


class Pieces:
    """A JSON text arriving in pieces, read value by value; an array's elements come a run
    at a time (each run parsed by one ``decoder.decode``, as ``json.loads`` would)."""

    def __init__(self, pieces: Iterator[str], decoder: json.JSONDecoder) -> None:
        self.pieces, self.decoder = pieces, decoder
        self.text, self.at, self.base, self.ended = "", 0, 0, False
        self.single_to = 0  # runs are not tried before this offset (one failed there)
        self.bare_to = 0  # the text up to this offset has no cut left (searched already)

    def _more(self) -> None:
        piece = next(self.pieces, None)
        if piece is None:
            if self.ended:
                raise json.JSONDecodeError("the text ends too early", self.text, len(self.text))
            self.ended = True
            return
        self.base += self.at
        self.text = self.text[self.at:] + piece
        self.at = 0

    def peek(self) -> str:
        """The next character that is not white space ("" at the end of the text)."""
        while True:
            self.at = _SPACE.match(self.text, self.at).end()  # type: ignore[union-attr]
            if self.at < len(self.text):
                return self.text[self.at]
            if self.ended:
                return ""
            self._more()

    def take(self, expected: str) -> str:
        """The next character, which must be one of ``expected``."""
        char = self.peek()
        if not char or char not in expected:
            raise json.JSONDecodeError(f"expected one of {expected!r}", self.text, self.at)
        self.at += 1
        return char

    def value(self) -> Any:
        """The next whole value (one that ends the text read so far waits for the next
        piece: a number may go on)."""
        while True:
            self.peek()
            try:
                value, end = self.decoder.raw_decode(self.text, self.at)
            except json.JSONDecodeError:
                if self.ended:
                    raise
            else:
                if end < len(self.text) or self.ended:
                    self.at = end
                    return value
            self._more()

    def array(self) -> Iterator[Any]:
        """The elements of the array that comes next."""
        self.take("[")
        if self.peek() == "]":
            self.at += 1
            return
        while True:
            # the whole elements up to the last '},{' at once: a cut inside a string or an
            # element never parses (an unclosed string or object), and then one at a time.
            # Without a cut in the text, read on first (a parse of a part fails, and its error
            # counts the lines of all the text read); text searched once is not searched again.
            cut = self._cut()
            while cut < 0 and not self.ended:
                self._more()
                cut = self._cut()
            if cut >= self.at and self.base + cut >= self.single_to:
                try:
                    run = self.decoder.decode("".join(("[", self.text[self.at:cut + 1], "]")))
                except json.JSONDecodeError:
                    self.single_to = self.base + cut + 1
                else:
                    yield from run
                    self.at = cut + 2
                    continue
            yield self.value()
            if self.take(",]") == "]":
                return

    def members(self) -> Iterator[str]:
        """The keys of the object that comes next, each given before its value is read: the
        caller reads that value (:meth:`value`, :meth:`array`) before asking for the next."""
        self.take("{")
        if self.peek() == "}":
            self.at += 1
            return
        while True:
            key = self.value()
            self.take(":")
            yield key
            if self.take(",}") == "}":
                return

    def end(self) -> None:
        """The text must end here (white space aside)."""
        if self.peek():
            raise json.JSONDecodeError("extra data", self.text, self.at)

    def _cut(self) -> int:
        """The last '},{' from here in the text read, -1 when there is none."""
        start = max(self.at, self.bare_to - self.base - 2)
        cut = self.text.rfind("},{", start) if start < len(self.text) else -1
        if cut < 0:
            self.bare_to = self.base + len(self.text)
        return cut
