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
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD_FILE_COLUMNS = ("userMasterIdentifier", "userPrincipalName", "initialPassword")
#: Microsoft 365's password policy: 8–256 characters (Entra ID password policies).
MIN_LENGTH, MAX_LENGTH = 8, 256
MAX_BYTES = 64 * 1024 * 1024


class PasswordFileError(Exception):
    """The file cannot be read at all (not UTF-8, no header, missing columns, too large)."""


@dataclass(frozen=True, slots=True)
class PasswordEntry:
    """One pupil's initial password. ``repr`` never shows the password."""

    user_master_identifier: str
    user_principal_name: str
    initial_password: str = field(repr=False)
    line: int = 0


@dataclass(frozen=True, slots=True)
class PasswordFileProblem:
    """A row that was left out, with its line and reason (ja/en), never the password."""

    line: int
    column: str
    message_en: str
    message_ja: str


@dataclass
class PasswordFile:
    entries: dict[str, PasswordEntry]  # by userMasterIdentifier
    problems: list[PasswordFileProblem]

    def by_upn(self) -> dict[str, PasswordEntry]:
        return {e.user_principal_name.lower(): e for e in self.entries.values()}


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise PasswordFileError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PasswordFileError(
            f"line {line}: not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def read_password_file(source: str | os.PathLike[str] | bytes) -> PasswordFile:
    """Read the file (a path or its bytes); return good entries and every problem found."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    text = _decode(data)
    if "\x00" in text:
        raise PasswordFileError("file contains NUL bytes; it is not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""))
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
    entries: dict[str, PasswordEntry] = {}
    problems: list[PasswordFileProblem] = []
    seen_upn: dict[str, int] = {}
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
            if problem is None and umi in entries:
                problem = ("userMasterIdentifier",
                           f"userMasterIdentifier repeats line {entries[umi].line}",
                           f"userMasterIdentifier が {entries[umi].line} 行目と重複しています")
            if problem is None and upn.lower() in seen_upn:
                problem = ("userPrincipalName",
                           f"userPrincipalName repeats line {seen_upn[upn.lower()]}",
                           f"userPrincipalName が {seen_upn[upn.lower()]} 行目と重複しています")
            if problem is not None:
                problems.append(PasswordFileProblem(line, *problem))
                continue
            entries[umi] = PasswordEntry(umi, upn, pw, line)
            seen_upn[upn.lower()] = line
    except csv.Error as exc:
        raise PasswordFileError(f"line {reader.line_num}: {exc}") from None
    return PasswordFile(entries, problems)


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
    if pw != pw.strip() or any(ord(c) < 0x20 for c in pw):
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
