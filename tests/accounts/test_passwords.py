"""The board's ID・初期パスワード file (harness.accounts.passwords): one format, read and written
in one place; every bad row reported by line, no password in any message."""

from __future__ import annotations

import stat

import pytest

from harness.accounts.passwords import (
    PASSWORD_FILE_COLUMNS,
    PasswordEntry,
    PasswordFileError,
    read_password_file,
    write_password_file,
)

GOOD = [PasswordEntry("umi-1", "s1@school.example.jp", "Init-Pass-0001"),
        PasswordEntry("umi-2", "s2@school.example.jp", "Init,Pass\"0002")]


def test_written_file_reads_back_and_is_0600(tmp_path):
    path = write_password_file(tmp_path / "pw" / "ID_PW.csv", GOOD)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    read = read_password_file(path)
    assert not read.problems
    assert [(e.user_master_identifier, e.user_principal_name, e.initial_password)
            for e in read.entries.values()] == [
        (e.user_master_identifier, e.user_principal_name, e.initial_password) for e in GOOD]
    assert set(read.by_upn()) == {"s1@school.example.jp", "s2@school.example.jp"}


def test_columns_in_any_order_and_lf_without_bom():
    text = "initialPassword,userPrincipalName,userMasterIdentifier\nLongEnough1,a@b.jp,u1\n"
    entry = read_password_file(text.encode()).entries["u1"]
    assert (entry.user_principal_name, entry.initial_password, entry.line) == (
        "a@b.jp", "LongEnough1", 2)


def test_every_bad_row_is_reported_by_line_and_never_shows_the_password():
    rows = ["u1,a@b.jp,short",            # too short
            "u2,not-an-upn,LongEnough-2",   # not name@domain
            ",c@b.jp,LongEnough-3",         # no id
            "u4,d@b.jp, LongEnough-4",      # a space at its start
            "u5,e@b.jp,LongEnough-5",
            "u5,f@b.jp,LongEnough-6",       # id repeats
            "u7,E@B.JP,LongEnough-7",       # UPN repeats, whatever its case
            "u8,g@b.jp"]                    # a field short
    data = (",".join(PASSWORD_FILE_COLUMNS) + "\n" + "\n".join(rows) + "\n").encode()
    read = read_password_file(data)
    assert list(read.entries) == ["u5"]
    assert [(p.line, p.column) for p in read.problems] == [
        (2, "initialPassword"), (3, "userPrincipalName"), (4, "userMasterIdentifier"),
        (5, "initialPassword"), (7, "userMasterIdentifier"), (8, "userPrincipalName"), (9, "")]
    shown = " ".join(p.message_en + p.message_ja for p in read.problems)
    assert "short" not in shown and "LongEnough" not in shown
    assert "LongEnough" not in repr(read.entries["u5"])


@pytest.mark.parametrize("data, message", [
    (b"", "file is empty"),
    (b"userMasterIdentifier,initialPassword\n", "header lacks userPrincipalName"),
    ("userMasterIdentifier\n学校".encode("shift_jis"), "line 2: not UTF-8"),
    (b"userMasterIdentifier\x00\n", "NUL bytes"),
], ids=["empty", "no-upn-column", "shift_jis", "nul"])
def test_an_unreadable_file_is_one_clear_error(data, message):
    with pytest.raises(PasswordFileError, match=message):
        read_password_file(data)

