"""Initial passwords for new accounts from the board's ID・初期パスワード file (PL251–PL255).

C4th does not hold initial passwords (pilot §3.3.4); the board hands over a separate file
(format: harness/accounts/passwords.py, docs/password-file.md). A pupil never delivered before
needs an entry in it, under the same GIGA id, or is held. The plan records only that a password
is present; the password itself is read again from the file at delivery
(:func:`load_passwords`), never stored in the state, a plan or a report.

``password_file`` may be one path or a glob (``city/exports/*/*.csv``): the fixtures and many
boards write one file per hand-over; all matches are read in name order, later entries win.
"""

from __future__ import annotations

import glob
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from harness.accounts.passwords import (
    PasswordEntry,
    PasswordFileError,
    PasswordFileProblem,
    read_password_file,
)
from pipeline.preprocess.work import Work


@dataclass
class Passwords:
    """Entries by userMasterIdentifier (lower-case), the rows left out, and read errors."""

    entries: dict[str, PasswordEntry] = field(default_factory=dict)
    problems: list[tuple[str, PasswordFileProblem]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

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
    for path in paths:
        try:
            parsed = read_password_file(path)
        except FileNotFoundError:
            out.errors.append(f"{path}: file not found")
            continue
        except (PasswordFileError, OSError) as exc:
            out.errors.append(f"{path}: {exc}")
            continue
        out.files.append(path)
        for umi, entry in parsed.entries.items():
            out.entries[umi.strip().lower()] = entry
        out.problems += [(path.name, p) for p in parsed.problems]
    return out


def attach_passwords(work: Work, passwords: Passwords, known: Collection[str]) -> set[str]:
    """Hold new pupils without an initial password; return the umis that have one.

    :param known: userMasterIdentifiers already delivered or adopted (not new).
    """
    for reason in passwords.errors:
        work.decide("PL254", "report", "password-file", reason=reason)
    for name, problem in passwords.problems:
        work.decide("PL255", "report", f"{name}:{problem.line}", line=problem.line,
                    reason=problem.message_en)
    present: set[str] = set()
    for p in work.people:
        if p.held or p.umi in known or p.role != "student":
            continue
        entry = passwords.entries.get(p.umi)
        if entry is None:
            work.hold(p, "PL252", umi=p.umi, upn=p.upn)
        elif entry.user_principal_name.lower() != p.upn:
            work.hold(p, "PL253", umi=p.umi, upn=p.upn, file_upn=entry.user_principal_name)
        else:
            present.add(p.umi)
            work.decide("PL251", "report", p.umi, target="m365", umi=p.umi)
    return present
