"""Initial passwords for new accounts from the board's ID・初期パスワード file (PL251–PL256).

C4th does not hold initial passwords (pilot §3.3.4); the board hands over a separate file
(format: harness/accounts/passwords.py, docs/password-file.md). A pupil never delivered before
needs an entry in it, under the same GIGA id, or is held. The plan records only that a password
is present; the password itself is read again from the file at delivery
(:func:`load_passwords`), never stored in the state, a plan or a report.

``password_file`` may be one path or a glob (``city/exports/*/*.csv``): the fixtures and many
boards write one file per hand-over; all matches are read in name order. A later file replaces
an earlier one only for the same pupil with the same GIGA id. Rows that give a GIGA id to two
pupils or a pupil two GIGA ids, in one file or across files, are a conflict: every row of it is
set aside and the pupils concerned are held (PL256), whatever the line order (DESIGN.md rule 5).
"""

from __future__ import annotations

import glob
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.accounts.passwords import (
    PasswordConflict,
    PasswordEntry,
    PasswordFile,
    PasswordFileError,
    PasswordFileProblem,
    lowered,
    merge_password_files,
    read_password_file,
)
from pipeline.preprocess.work import PersonDraft, Work


@dataclass
class Passwords:
    """Entries by userMasterIdentifier (lower-case), the rows left out, conflicts, read errors.

    :param rows: every well-formed row read, rows set aside as conflicts included.
    """

    entries: dict[str, PasswordEntry] = field(default_factory=dict)
    problems: list[PasswordFileProblem] = field(default_factory=list)
    conflicts: list[PasswordConflict] = field(default_factory=list)
    rows: list[PasswordEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def claims(self, upns: Collection[str]) -> dict[str, set[str]]:
        """GIGA id (lower-case) → every pupil (lower-case) a row pairs it with, rows set aside
        included, for the GIGA ids ``upns``: the export's duplicate check asks, for the few
        GIGA ids on several of its records, whether a row points at one (no city-sized map
        of every row is made for them)."""
        out: dict[str, set[str]] = {}
        if not upns:
            return out
        for row in self.rows or self.entries.values():
            upn = row.user_principal_name.lower()
            if upn in upns:
                out.setdefault(upn, set()).add(row.user_master_identifier.lower())
        return out

    def __repr__(self) -> str:  # never the passwords
        return f"Passwords({len(self.entries)} entries, {len(self.files)} files)"


def password_paths(pattern: Path | None) -> list[Path]:
    if pattern is None:
        return []
    text = str(pattern)
    if glob.has_magic(text):
        return [Path(p) for p in sorted(glob.glob(text)) if Path(p).is_file()]
    return [pattern]


def load_passwords(pattern: Path | None) -> Passwords:
    """Read the board's file(s); unreadable files are listed in ``errors`` (no password)."""
    out = Passwords()
    if pattern is None:
        out.errors.append("accounts.password_file is not set")
        return out
    paths = password_paths(pattern)
    if not paths:
        out.errors.append(f"no file matches {pattern}")
    read: list[PasswordFile] = []
    for path in paths:
        try:
            read.append(read_password_file(path))
        except FileNotFoundError:
            out.errors.append(f"{path}: file not found")
            continue
        except (PasswordFileError, OSError) as exc:
            out.errors.append(f"{path}: {exc}")
            continue
        out.files.append(path)
    # one file is settled already (read_password_file does it): settling it again would
    # give the same entries, at a city's scale a second or two for nothing
    merged = read[0] if len(read) == 1 else merge_password_files(read)
    # the keys as read, unless one is not in lower case (a city-sized map is not made again
    # for nothing: the file's userMasterIdentifiers are usually lower case already)
    entries = merged.entries
    if not all(map(str.__eq__, map(str.lower, map(str.strip, entries)), entries)):
        entries = {lowered(umi.strip()): e for umi, e in entries.items()}
    out.entries = entries
    out.problems = merged.problems
    out.conflicts = merged.conflicts
    out.rows = merged.rows
    return out


def attach_passwords(work: Work, passwords: Passwords, known: Sequence[Collection[str]]
                     ) -> None:
    """Hold new pupils without an initial password (PL252, PL253); note those with one (PL251).

    :param known: where userMasterIdentifiers already delivered or adopted (not new) are
        found, the one that usually has them first.
    """
    for reason in passwords.errors:
        work.decide("PL254", "report", "password-file", reason=reason)
    for problem in passwords.problems:
        work.decide("PL255", "report", f"{problem.file}:{problem.line}", line=problem.line,
                    reason=problem.message_en)
    hold_conflicts(work, passwords.conflicts)
    first, *rest = [places for places in known if places] or [()]
    for p in work.people:
        if p.held or p.role != "student" or p.umi in first:
            continue
        if rest and any(p.umi in places for places in rest):
            continue
        entry = passwords.entries.get(p.umi)
        if entry is None:
            work.hold(p, "PL252", umi=p.umi, upn=p.upn)
        elif entry.user_principal_name.lower() != p.upn:
            work.hold(p, "PL253", umi=p.umi, upn=p.upn, file_upn=entry.user_principal_name)
        else:
            work.decide("PL251", "report", p.umi, target="m365", umi=p.umi)


def hold_conflicts(work: Work, conflicts: list[PasswordConflict]) -> None:
    """Hold every pupil a conflict names, by userMasterIdentifier or by GIGA id (PL256).

    Delivered pupils are held too: the file no longer says which pupil the GIGA id is, so
    nothing is applied for either until the board corrects it. A conflict naming no pupil of
    the export is reported.
    """
    if not conflicts:
        return
    # one pass over the people for every conflict (not one pass per conflict): the pupils
    # each conflict names, in the export's order
    by_umi: dict[str, list[int]] = {}
    by_upn: dict[str, list[int]] = {}
    for n, c in enumerate(conflicts):
        for umi in set(c.umis):
            by_umi.setdefault(umi, []).append(n)
        for upn in set(c.upns):
            by_upn.setdefault(upn, []).append(n)
    named: list[list[PersonDraft]] = [[] for _ in conflicts]
    for p in work.people:
        by_pupil = by_umi.get(p.umi.lower())
        by_account = by_upn.get(p.upn.lower()) if p.upn else None
        if by_pupil is None and by_account is None:
            continue
        for n in dict.fromkeys((by_pupil or []) + (by_account or [])):
            named[n].append(p)
    for c, concerned in zip(conflicts, named, strict=True):
        fields = {"umis": ", ".join(c.umis), "upns": ", ".join(c.upns), "rows": c.where()}
        for p in concerned:
            if "PL256" not in p.held:
                work.hold(p, "PL256", umi=p.umi, upn=p.upn, **fields)
        if not concerned:
            work.decide("PL256", "report", c.where(), umi="-", upn="-", **fields)
