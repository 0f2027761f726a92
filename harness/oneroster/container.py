"""Opening a bundle (zip or folder) safely and streaming its members' bytes.

Nothing is ever extracted to disk. Zip members are read through a counting stream that stops
at the size and ratio limits while decompressing, so a zip bomb ends in a finding, not an
exhausted machine. Problems with the container itself are reported to a
:class:`~harness.core.FindingCollector`.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from harness.core import FindingCollector


class BundleUnreadable(Exception):
    """The bundle cannot be opened at all (not a zip, not a folder, unreadable)."""


class LimitExceeded(Exception):
    """A member grew past a decompression limit while streaming."""

    def __init__(self, limit: str) -> None:
        super().__init__(limit)
        self.limit = limit

    def report(self, sink: FindingCollector, file: str, line: int | None = None) -> None:
        """A too-long line is a CSV problem (OR121); anything else a bomb limit (OR103)."""
        if self.limit.startswith("line"):
            sink.add("OR121", file=file, line=line, reason=self.limit)
        else:
            sink.add("OR103", file=file, line=line, limit=self.limit)


#: What reading a damaged member can raise: zlib and CRC errors, encryption, odd compression.
READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile,
    zlib.error,
)


@dataclass(frozen=True)
class Limits:
    """Safety limits for reading untrusted bundles.

    :param max_member_bytes: decompressed size of one member.
    :param max_total_bytes: decompressed size of all members read together.
    :param max_ratio: decompressed/compressed ratio, enforced once a member passes
        ``ratio_grace_bytes`` (small, repetitive CSVs compress very well).
    :param max_members: number of entries in the zip.
    :param max_line_bytes: longest run of bytes without a line break.
    """

    max_member_bytes: int = 1 << 30
    max_total_bytes: int = 4 << 30
    max_ratio: float = 200.0
    ratio_grace_bytes: int = 8 << 20
    max_members: int = 200
    max_line_bytes: int = 1 << 20


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0


class GuardedStream(io.RawIOBase):
    """A raw byte stream that counts what it yields, notes NUL bytes and enforces limits."""

    def __init__(self, inner: BinaryIO, budget: _Budget, compressed: int | None) -> None:
        self._inner = inner
        self._budget = budget
        self._compressed = compressed
        self.count = 0
        self.has_nul = False
        self._since_newline = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        n = len(data)
        if not n:
            return 0
        limits = self._budget.limits
        self.count += n
        self._budget.total += n
        if self.count > limits.max_member_bytes:
            raise LimitExceeded(f"member larger than {limits.max_member_bytes} bytes")
        if self._budget.total > limits.max_total_bytes:
            raise LimitExceeded(f"bundle larger than {limits.max_total_bytes} bytes")
        if (
            self._compressed
            and self.count > limits.ratio_grace_bytes
            and self.count / self._compressed > limits.max_ratio
        ):
            raise LimitExceeded(f"compression ratio above {limits.max_ratio:g}")
        if not self.has_nul and b"\x00" in data:
            self.has_nul = True
        first = _first_break(data)
        if first < 0:
            self._since_newline += n
        else:
            # runs inside one chunk are shorter than the limit; only runs across chunks matter
            if self._since_newline + first > limits.max_line_bytes:
                raise LimitExceeded(f"line longer than {limits.max_line_bytes} bytes")
            self._since_newline = n - max(data.rfind(b"\n"), data.rfind(b"\r")) - 1
        if self._since_newline > limits.max_line_bytes:
            raise LimitExceeded(f"line longer than {limits.max_line_bytes} bytes")
        buffer[:n] = data
        return n

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def _first_break(data: bytes) -> int:
    hits = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    return min(hits) if hits else -1


class Container:
    """A bundle's members by name. Use :func:`open_container`."""

    path: Path
    names: list[str]

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        self._budget = _Budget(limits)
        self.names = []

    def open(self, name: str) -> GuardedStream:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FolderContainer(Container):
    def __init__(self, path: Path, limits: Limits, sink: FindingCollector) -> None:
        super().__init__(path, limits)
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            if entry.is_symlink():
                sink.add("OR102", file=entry.name)  # a link can point anywhere: never follow
            elif entry.is_dir():
                for sub in sorted(Path(entry.path).rglob("*")):
                    if sub.is_file():
                        sink.add("OR101", file=sub.relative_to(path).as_posix())
            elif stat.S_ISREG(entry.stat().st_mode):
                self.names.append(entry.name)

    def open(self, name: str) -> GuardedStream:
        fh = open(self.path / name, "rb")  # noqa: SIM115 - closed by GuardedStream.close
        return GuardedStream(fh, self._budget, None)


class ZipContainer(Container):
    def __init__(self, path: Path, limits: Limits, sink: FindingCollector) -> None:
        super().__init__(path, limits)
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except READ_ERRORS as exc:
            raise BundleUnreadable(f"not a readable zip file ({exc})") from None
        self._infos: dict[str, zipfile.ZipInfo] = {}
        if len(infos) > limits.max_members:
            sink.add("OR103", file=path.name, limit=f"{limits.max_members} entries")
            infos = infos[: limits.max_members]
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            if _unsafe(name):
                sink.add("OR102", file=name)
            elif "/" in name.rstrip("/") or "\\" in name:
                sink.add("OR101", file=name)
            elif name in self._infos:
                sink.add("OR104", file=name)
            else:
                self._infos[name] = info
                self.names.append(name)

    def open(self, name: str) -> GuardedStream:
        info = self._infos[name]
        inner = self._zip.open(info)
        return GuardedStream(inner, self._budget, info.compress_size or 1)

    def close(self) -> None:
        self._zip.close()


def _unsafe(name: str) -> bool:
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return True
    return ".." in posixpath.normpath(norm).split("/") or ".." in norm.split("/")


def open_container(path: str | os.PathLike[str], sink: FindingCollector,
                   limits: Limits | None = None) -> Container:
    """Open a zip file or a folder as a bundle.

    :raises BundleUnreadable: the path does not exist or is neither a folder nor a zip.
    """
    p = Path(path)
    lim = limits or Limits()
    if p.is_dir():
        return FolderContainer(p, lim, sink)
    if not p.exists():
        raise BundleUnreadable(f"no such file or folder: {p}")
    if not p.is_file():
        raise BundleUnreadable(f"not a regular file: {p}")
    return ZipContainer(p, lim, sink)
