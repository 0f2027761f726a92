"""The board of education's ID・初期パスワード file (ID and initial-password file).

C4th does not hold initial passwords (pilot §3.3.4): the board hands a separate file to the
e-portal for the first load and later for new entrants and transfers in. renkei defines one
format for it (``docs/password-file.md``) and every part reads and writes it here:

- UTF-8, with or without a BOM; CRLF or LF line ends; RFC 4180 quoting.
- A header row with exactly these columns, in any order:
  ``userMasterIdentifier``, ``userPrincipalName``, ``initialPassword``.
- One row per pupil. ``userPrincipalName`` is the GIGA (Microsoft 365) account id;
  ``userMasterIdentifier`` is the pupil's id in the school-affairs system.

Reading never stops at the first bad row: every problem is returned with its line, and only
the good rows become entries. A file that cannot be read at all raises
:class:`PasswordFileError`. No message ever contains a password.

Conflicts settle nothing by line order (DESIGN.md rule 5: where ambiguous, hold, never guess).
A *conflict* is a GIGA id given to two pupils, a pupil given two GIGA ids, or one pupil given
two passwords in one file; rows linked through a shared id, in one file or across the files
of a glob (:func:`merge_password_files`), form one conflict. Every row of a conflict is set
aside and the conflict names its pupils, GIGA ids and rows. Across files a later file replaces
an earlier one only for the same pupil with the same GIGA id. An exact repeat of a row in one
file is harmless: it is reported and one copy kept.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

PASSWORD_FILE_COLUMNS = ("userMasterIdentifier", "userPrincipalName", "initialPassword")
#: Microsoft 365's password policy: 8–256 characters (Entra ID password policies).
MIN_LENGTH, MAX_LENGTH = 8, 256
MAX_BYTES = 64 * 1024 * 1024
#: control characters (below U+0020) a password may not hold
_CONTROL = re.compile("[\x00-\x1f]")


class PasswordFileError(Exception):
    """The file cannot be read at all (not UTF-8, no header, missing columns, too large)."""


@dataclass(frozen=True, slots=True)
class PasswordEntry:
    """One pupil's initial password. ``repr`` never shows the password.

    :param line: the row's line in its file; :param file: the file's name (when read).
    """

    user_master_identifier: str
    user_principal_name: str
    initial_password: str = field(repr=False)
    line: int = 0
    file: str = ""

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else f"line {self.line}"


@dataclass(frozen=True, slots=True)
class PasswordFileProblem:
    """A row that was left out, with its line and reason (ja/en), never the password."""

    line: int
    column: str
    message_en: str
    message_ja: str
    file: str = ""


@dataclass(frozen=True, slots=True)
class PasswordConflict:
    """Rows that give one GIGA id to several pupils or one pupil several GIGA ids (or, in one
    file, several passwords): all set aside. Never holds a password.

    :param umis: the pupils concerned (userMasterIdentifier, lower-case).
    :param upns: the GIGA ids concerned (userPrincipalName, lower-case).
    :param rows: ``(file, line)`` of every row set aside, in reading order.
    """

    umis: tuple[str, ...]
    upns: tuple[str, ...]
    rows: tuple[tuple[str, int], ...]

    def where(self) -> str:
        """``a.csv:3, b.csv:2`` (or ``line 3, line 7`` for unnamed sources)."""
        return ", ".join(f"{f}:{n}" if f else f"line {n}" for f, n in self.rows)

    def problems(self) -> list[PasswordFileProblem]:
        """One problem per row set aside, for intakes that report rows left out."""
        en = (f"conflicting rows ({self.where()}): GIGA ids {', '.join(self.upns)} and "
              f"pupils {', '.join(self.umis)} do not pair one to one; every row set aside")
        ja = (f"競合する行（{self.where()}）: GIGA ID {', '.join(self.upns)} と児童生徒 "
              f"{', '.join(self.umis)} が 1 対 1 に対応しません。すべての行を除外しました")
        return [PasswordFileProblem(line, "userPrincipalName", en, ja, file)
                for file, line in self.rows]


@dataclass
class PasswordFile:
    """What a file (or several, merged) gives: settled entries, rows left out, conflicts.

    :param rows: every well-formed row in reading order (what :func:`merge_password_files`
        settles across files).
    """

    entries: dict[str, PasswordEntry]  # by userMasterIdentifier
    malformed: list[PasswordFileProblem]
    conflicts: list[PasswordConflict] = field(default_factory=list)
    repeats: list[PasswordFileProblem] = field(default_factory=list)
    rows: list[PasswordEntry] = field(default_factory=list, repr=False)

    @property
    def problems(self) -> list[PasswordFileProblem]:
        """Rows left out or reported, conflicts apart: malformed rows and exact repeats."""
        return sorted(self.malformed + self.repeats, key=lambda p: (p.file, p.line))

    def by_upn(self) -> dict[str, PasswordEntry]:
        return {e.user_principal_name.lower(): e for e in self.entries.values()}

    def left_out(self) -> list[PasswordFileProblem]:
        """Every row not taken: the malformed ones and each row of a conflict."""
        return sorted(self.problems + [p for c in self.conflicts for p in c.problems()],
                      key=lambda p: (p.file, p.line))


#: bytes read and decoded at a time: the file is never held whole, as bytes, as text or as a
#: list of lines (a prefecture's 19 MB file was ~70 MB of those, fresh pages on every read)
PIECE_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"


def _byte_pieces(source: str | os.PathLike[str] | bytes) -> Iterator[bytes]:
    """The file's bytes a piece at a time, each piece but the last ending just after a LF: a
    LF byte is never inside a UTF-8 sequence and always ends a line, so each piece decodes
    and splits into lines on its own, exactly as the whole text would."""
    if isinstance(source, bytes):
        _check_size(len(source))
        start = 0
        while start < len(source):
            cut = source.find(b"\n", start + PIECE_BYTES - 1) + 1 or len(source)
            yield source[start:cut]
            start = cut
        return
    with open(source, "rb") as f:
        _check_size(os.fstat(f.fileno()).st_size)
        held: list[bytes] = []  # the bytes after the last LF read so far
        total = 0
        while chunk := f.read(PIECE_BYTES):
            total += len(chunk)
            _check_size(total)
            cut = chunk.rfind(b"\n") + 1
            if not cut:
                held.append(chunk)
                continue
            yield b"".join([*held, chunk[:cut]]) if held else chunk[:cut]
            held = [chunk[cut:]] if cut < len(chunk) else []
        if held:
            yield b"".join(held)


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise PasswordFileError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB")


def _texts(source: str | os.PathLike[str] | bytes) -> Iterator[str]:
    """The file's text a piece at a time (a BOM at its start dropped); an error names the line
    of the first byte that is not UTF-8, or the NUL bytes, once the reading gets there."""
    at = 0  # where the piece starts in the file
    for piece in _byte_pieces(source):
        skip = len(_BOM) if at == 0 and piece.startswith(_BOM) else 0
        try:
            text = piece[skip:].decode("utf-8") if skip else piece.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = at + skip + exc.start
            raise PasswordFileError(
                f"line {_line_of(source, bad)}: not UTF-8 (byte 0x{piece[skip + exc.start]:02x});"
                " save the file as UTF-8") from None
        if "\x00" in text:
            raise PasswordFileError("file contains NUL bytes; it is not a CSV text file")
        at += len(piece)
        yield text


def _line_of(source: str | os.PathLike[str] | bytes, offset: int) -> int:
    """The line of the byte at ``offset`` (read again: only an error asks)."""
    if isinstance(source, bytes):
        return source.count(b"\n", 0, offset) + 1
    with open(source, "rb") as f:
        return f.read(offset).count(b"\n") + 1


#: line boundaries str.splitlines knows besides \n, \r\n and \r (the only ones of a CSV file)
_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _lines(text: str) -> Iterable[str]:
    """The lines of ``text`` as the csv reader takes them: ends kept, split at LF, CRLF and CR
    only. Without io.StringIO's copy (4 bytes a character) when no other break is in it."""
    if any(c in text for c in _OTHER_BREAKS):
        return io.StringIO(text, newline="")
    return text.splitlines(keepends=True)


def read_password_file(source: str | os.PathLike[str] | bytes, *, name: str | None = None
                       ) -> PasswordFile:
    """Read the file (a path or its bytes); return good entries and every problem found.

    :param name: the file's name in messages (default: the path's name; none for bytes).
    """
    if name is None:
        name = "" if isinstance(source, bytes) else Path(source).name
    # read, decoded and split a piece at a time (the problems are the same, each found when
    # the reading gets to it); the lines go to the csv reader as they come
    reader = csv.reader(chain.from_iterable(map(_lines, _texts(source))))
    try:
        header = next(reader)
    except StopIteration:
        raise PasswordFileError("file is empty; expected a header row "
                                + ",".join(PASSWORD_FILE_COLUMNS)) from None
    except csv.Error as exc:
        raise PasswordFileError(f"line 1: {exc}") from None
    header = [h.strip() for h in header]
    missing = [c for c in PASSWORD_FILE_COLUMNS if c not in header]
    if missing:
        raise PasswordFileError(
            f"line 1: header lacks {', '.join(missing)}; expected "
            + ",".join(PASSWORD_FILE_COLUMNS))
    pos = {c: header.index(c) for c in PASSWORD_FILE_COLUMNS}
    rows: list[PasswordEntry] = []
    problems: list[PasswordFileProblem] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append(PasswordFileProblem(
                    line, "", f"expected {len(header)} fields, found {len(row)}",
                    f"列数が {len(header)} ではなく {len(row)} です"))
                continue
            umi, upn, pw = (row[pos[c]] for c in PASSWORD_FILE_COLUMNS)
            umi, upn = umi.strip(), upn.strip()
            problem = _row_problem(umi, upn, pw)
            if problem is not None:
                problems.append(PasswordFileProblem(line, *problem, file=name))
                continue
            rows.append(PasswordEntry(umi, upn, pw, line, name))
    except csv.Error as exc:
        raise PasswordFileError(f"line {reader.line_num}: {exc}") from None
    entries, conflicts, repeats = settle_rows(rows)
    return PasswordFile(entries, problems, conflicts, repeats, rows)


def merge_password_files(files: Iterable[PasswordFile]) -> PasswordFile:
    """Settle the rows of several files read in order (a glob's matches, by name).

    A later file replaces an earlier one only for the same pupil with the same GIGA id; any
    other overlap is a conflict across the files, and every row of it is set aside.
    """
    malformed: list[PasswordFileProblem] = []
    rows: list[PasswordEntry] = []
    for f in files:
        malformed += f.malformed
        rows += f.rows
    entries, conflicts, repeats = settle_rows(rows)
    return PasswordFile(entries, malformed, conflicts, repeats, rows)


def settle_rows(rows: list[PasswordEntry]
                ) -> tuple[dict[str, PasswordEntry], list[PasswordConflict],
                           list[PasswordFileProblem]]:
    """Group well-formed rows linked by a pupil or a GIGA id; take a group only when it is
    one pupil with one GIGA id (and, in its last file, one password).

    :returns: entries by userMasterIdentifier, conflicts, and the exact repeats (reported,
        one copy taken).
    """
    # Most rows are alone: their pupil and their GIGA id are on no other row. Such a row is
    # its own group and needs no union-find; only the rest are linked (at a city's scale the
    # union-find over every row was a dict of tuples and a list per row).
    # a value already in lower case is kept (not a fresh copy per row: at a city's scale the
    # copies were fresh memory, and their hashes computed a second time in every map below)
    umi_of = [lowered(r.user_master_identifier) for r in rows]
    upn_of = [lowered(r.user_principal_name) for r in rows]
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(k: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(k, k)
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    # the usual file, no pupil and no GIGA id on two rows, is told by two sets; the rows are
    # counted only when one repeats (a count map of every row is bigger and slower to fill)
    if len(set(umi_of)) == len(rows) and len(set(upn_of)) == len(rows):
        alone = [True] * len(rows)
    else:
        umi_count, upn_count = Counter(umi_of), Counter(upn_of)
        alone = [umi_count[umi] == 1 and upn_count[upn] == 1
                 for umi, upn in zip(umi_of, upn_of, strict=True)]
    for umi, upn, lone in zip(umi_of, upn_of, alone, strict=True):
        if not lone:
            parent[find(("upn", upn))] = find(("umi", umi))
    # every group in the order of its first row: a lone row, or the rows of a linked group
    units: list[PasswordEntry | list[PasswordEntry]] = []
    linked: dict[tuple[str, str], list[PasswordEntry]] = {}
    for r, umi, lone in zip(rows, umi_of, alone, strict=True):
        if lone:
            units.append(r)
            continue
        root = find(("umi", umi))
        group = linked.get(root)
        if group is None:
            group = linked[root] = []
            units.append(group)
        group.append(r)
    entries: dict[str, PasswordEntry] = {}
    conflicts: list[PasswordConflict] = []
    repeats: list[PasswordFileProblem] = []
    for group in units:
        if not isinstance(group, list):  # a lone row: one pupil, one GIGA id, one password
            entries[group.user_master_identifier] = group
            continue
        last = [r for r in group if r.file == group[-1].file]
        pairs = {(r.user_master_identifier.lower(), r.user_principal_name.lower())
                 for r in group}
        if len(pairs) > 1 or len({r.initial_password for r in last}) > 1:
            conflicts.append(PasswordConflict(
                tuple(sorted({u for u, _ in pairs})), tuple(sorted({g for _, g in pairs})),
                tuple((r.file, r.line) for r in group)))
            continue
        keep = last[0]
        entries[keep.user_master_identifier] = keep
        repeats += [PasswordFileProblem(
            r.line, "userMasterIdentifier",
            f"repeats line {keep.line} (same pupil, GIGA id and password)",
            f"{keep.line} 行目と同じ行です（児童生徒・GIGA ID・パスワードとも同じ）", r.file)
            for r in last[1:]]
    return entries, conflicts, repeats


def lowered(text: str) -> str:
    """``text`` in lower case: ``text`` itself when it is already (no fresh copy, and its
    hash, once computed, is kept for every map it goes in)."""
    low = text.lower()
    return text if low == text else low


def _row_problem(umi: str, upn: str, pw: str) -> tuple[str, str, str] | None:
    if not umi:
        return ("userMasterIdentifier", "userMasterIdentifier is empty",
                "userMasterIdentifier が空です")
    if upn.count("@") != 1 or not upn.split("@")[0] or "." not in upn.split("@")[1]:
        return ("userPrincipalName", "userPrincipalName is not an account id like name@domain",
                "userPrincipalName が name@domain の形ではありません")
    if not MIN_LENGTH <= len(pw) <= MAX_LENGTH:
        return ("initialPassword",
                f"initialPassword must be {MIN_LENGTH}–{MAX_LENGTH} characters",
                f"initialPassword は {MIN_LENGTH}〜{MAX_LENGTH} 文字にしてください")
    if pw != pw.strip() or _CONTROL.search(pw):
        return ("initialPassword", "initialPassword has spaces at its ends or control characters",
                "initialPassword の前後に空白、または制御文字があります")
    return None


def render_password_file(entries: Iterable[PasswordEntry]) -> bytes:
    """The file's bytes (UTF-8 with BOM so spreadsheet software opens it as UTF-8, CRLF)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(PASSWORD_FILE_COLUMNS)
    for e in entries:
        writer.writerow((e.user_master_identifier, e.user_principal_name, e.initial_password))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_password_file(path: str | os.PathLike[str], entries: Iterable[PasswordEntry]) -> Path:
    """Write the file atomically with mode 0600 (it holds secrets); return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(render_password_file(entries))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
