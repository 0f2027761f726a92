"""The board's ID・初期パスワード file (harness.accounts.passwords): one format, read and written
in one place; every bad row reported by line, no password in any message."""

from __future__ import annotations

import stat

import pytest

from harness.accounts.passwords import (
    PASSWORD_FILE_COLUMNS,
    PasswordEntry,
    PasswordFileError,
    merge_password_files,
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
            "u8,g@b.jp",                    # a field short
            "u9,h@b.jp,LongEnough-9",
            "u9,h@b.jp,LongEnough-9"]       # an exact repeat: reported, one copy kept
    data = (",".join(PASSWORD_FILE_COLUMNS) + "\n" + "\n".join(rows) + "\n").encode()
    read = read_password_file(data)
    assert list(read.entries) == ["u5", "u9"]
    assert [(p.line, p.column) for p in read.problems] == [
        (2, "initialPassword"), (3, "userPrincipalName"), (4, "userMasterIdentifier"),
        (5, "initialPassword"), (7, ""), (9, "userMasterIdentifier")]
    shown = " ".join(p.message_en + p.message_ja for p in read.problems)
    assert "short" not in shown and "LongEnough" not in shown
    assert "LongEnough" not in repr(read.entries["u5"]) and "LongEnough" not in repr(read)


def _file(*rows: str) -> bytes:
    return (",".join(PASSWORD_FILE_COLUMNS) + "\n" + "\n".join(rows) + "\n").encode()


@pytest.mark.parametrize("rows, umis, upns, lines", [
    (["u1,g1@b.jp,Password-01", "u2,G1@B.JP,Password-02"],      # a GIGA id on two pupils
     ("u1", "u2"), ("g1@b.jp",), [2, 3]),
    (["u1,g1@b.jp,Password-01", "u1,g2@b.jp,Password-02"],      # a pupil with two GIGA ids
     ("u1",), ("g1@b.jp", "g2@b.jp"), [2, 3]),
    (["u1,g1@b.jp,Password-01", "u1,g1@b.jp,Password-02"],      # one pupil, two passwords
     ("u1",), ("g1@b.jp",), [2, 3]),
    (["u1,g1@b.jp,Password-01", "u3,g3@b.jp,Password-03",       # a chain: u1-g1-u2-g2
      "u2,g1@b.jp,Password-02", "u2,g2@b.jp,Password-04"],
     ("u1", "u2"), ("g1@b.jp", "g2@b.jp"), [2, 4, 5]),
])
def test_a_conflict_sets_aside_every_row_whatever_the_order(rows, umis, upns, lines):
    for ordered in (rows, rows[::-1]):
        read = read_password_file(_file(*ordered), name="ID_PW.csv")
        (conflict,) = read.conflicts
        assert (conflict.umis, conflict.upns) == (umis, upns)
        assert sorted(n for _, n in conflict.rows) == (
            lines if ordered is rows else [len(rows) + 3 - n for n in reversed(lines)])
        assert not set(read.entries) & set(umis)
        assert "Password-0" not in repr(read) + " ".join(
            p.message_en + p.message_ja for p in read.left_out())
        assert [p.line for p in read.left_out() if p.file == "ID_PW.csv"] == [
            n for _, n in conflict.rows]


def test_entries_and_conflicts_keep_the_order_of_their_first_row():
    # rows alone (one pupil, one GIGA id) and rows linked to others, interleaved: each group
    # is settled where its first row is, whatever its kind
    read = read_password_file(_file(
        "u0,g0@b.jp,Password-00",
        "U1,g1@b.jp,Password-01",     # a repeat of line 3 once the case is folded
        "u2,g2@b.jp,Password-02",
        "u3,g3@b.jp,Password-03",     # g3 also on u4 (line 7): a conflict
        "u1,G1@B.JP,Password-01",
        "u5,g5@b.jp,Password-05",
        "u4,g3@b.jp,Password-04",
        "u6,g6@b.jp,Password-06"), name="ID_PW.csv")
    assert list(read.entries) == ["u0", "U1", "u2", "u5", "u6"]
    assert [(e.where(), e.initial_password) for e in read.entries.values()][:2] == [
        ("ID_PW.csv:2", "Password-00"), ("ID_PW.csv:3", "Password-01")]
    assert [(c.umis, c.upns, c.where()) for c in read.conflicts] == [
        (("u3", "u4"), ("g3@b.jp",), "ID_PW.csv:5, ID_PW.csv:8")]
    assert [p.line for p in read.problems] == [6]


@pytest.mark.parametrize("brk", ["", "\v", "\f", "\x1c", "\x85", "\u2028", "\u2029"])
def test_only_lf_crlf_and_cr_end_a_row(brk):
    # other characters str.splitlines would break at stay inside their cell
    read = read_password_file(_file(f"u1{brk}x,g1@b.jp,Password-01", "u2,g2@b.jp,Password-02",
                                    "u3,g3@b.jp,Password-03\r\nu4,g4@b.jp,Password-04\ru5,"
                                    "g5@b.jp,Password-05"), name="ID_PW.csv")
    assert [(umi, e.line) for umi, e in read.entries.items()] == [
        (f"u1{brk}x", 2), ("u2", 3), ("u3", 4), ("u4", 5), ("u5", 6)]


def test_across_files_a_later_file_replaces_only_the_same_pupil_with_the_same_giga_id():
    first = read_password_file(_file("u1,g1@b.jp,Password-01", "u2,g2@b.jp,Password-02",
                                      "u3,g3@b.jp,Password-03"), name="001.csv")
    second = read_password_file(_file("u1,g1@b.jp,Password-11",   # re-issued: replaces
                                      "u4,g2@b.jp,Password-14",   # g2 now on u4: conflict
                                      "u3,g9@b.jp,Password-19"),  # u3 now g9: conflict
                                name="002.csv")
    merged = merge_password_files([first, second])
    assert set(merged.entries) == {"u1"}
    assert merged.entries["u1"].initial_password == "Password-11"
    assert merged.entries["u1"].where() == "002.csv:2"
    assert sorted((c.umis, c.upns, c.where()) for c in merged.conflicts) == [
        (("u2", "u4"), ("g2@b.jp",), "001.csv:3, 002.csv:3"),
        (("u3",), ("g3@b.jp", "g9@b.jp"), "001.csv:4, 002.csv:4")]


@pytest.mark.parametrize("data, message", [
    (b"", "file is empty"),
    (b"userMasterIdentifier,initialPassword\n", "header lacks userPrincipalName"),
    ("userMasterIdentifier\n学校".encode("shift_jis"), "line 2: not UTF-8"),
    (b"userMasterIdentifier\x00\n", "NUL bytes"),
], ids=["empty", "no-upn-column", "shift_jis", "nul"])
def test_an_unreadable_file_is_one_clear_error(data, message):
    with pytest.raises(PasswordFileError, match=message):
        read_password_file(data)

