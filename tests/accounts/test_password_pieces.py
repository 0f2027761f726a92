"""The password file is read, decoded and split a piece at a time: whatever the piece size, from
a path or from bytes, the same entries, problems, conflicts and errors as one piece (the whole
file, as it was read before)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.accounts import passwords
from harness.accounts.passwords import PASSWORD_FILE_COLUMNS, PasswordFileError, read_password_file

#: cells mix quotes, commas, every line end, breaks only str.splitlines knows, multi-byte text
CELL = st.text(alphabet=["u", "g", "@", ".", "P", "w", "1", ",", '"', "\n", "\r", "\u2028",
                         "\v", "é", "学", "𠮷", " "], max_size=14)
ROW = st.lists(CELL, min_size=0, max_size=4)
END = st.sampled_from(["\n", "\r\n", "\r"])


def _outcome(source: str | bytes | object, name: str) -> object:
    try:
        f = read_password_file(source, name=name)  # type: ignore[arg-type]
    except PasswordFileError as exc:
        return ("error", str(exc))
    return (list(f.entries.items()), f.malformed, f.conflicts, f.repeats, f.rows)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(ROW, END), max_size=12), bom=st.booleans(),
       fault=st.sampled_from(["", "bad-byte", "nul"]), where=st.integers(0, 400),
       piece=st.integers(1, 40))
def test_any_piece_size_reads_as_the_whole_file(tmp_path, monkeypatch, rows, bom, fault, where,
                                                piece):
    text = ",".join(PASSWORD_FILE_COLUMNS) + "\n" + "".join(
        ",".join(cells) + end for cells, end in rows)
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    if fault:
        at = min(where, len(data))
        data = data[:at] + (b"\xff" if fault == "bad-byte" else b"\x00") + data[at:]
    path = tmp_path / "ID_PW.csv"
    path.write_bytes(data)
    monkeypatch.setattr(passwords, "PIECE_BYTES", 1 << 30)
    whole = _outcome(data, "ID_PW.csv")
    monkeypatch.setattr(passwords, "PIECE_BYTES", piece)
    assert _outcome(data, "ID_PW.csv") == whole
    assert _outcome(path, "ID_PW.csv") == whole
    if fault == "bad-byte" and whole[0] == "error" and "UTF-8" in str(whole[1]):
        # the line of the byte itself, a BOM or not
        line = data[:data.index(b"\xff")].count(b"\n") + 1
        assert str(whole[1]).startswith(f"line {line}: not UTF-8")


def test_a_bad_byte_after_a_bom_names_its_own_line():
    data = b"\xef\xbb\xbf" + ",".join(PASSWORD_FILE_COLUMNS).encode() + b"\nu\xff1,g@b.jp,x\n"
    with pytest.raises(PasswordFileError, match="^line 2: not UTF-8 \\(byte 0xff\\)"):
        read_password_file(data)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(passwords, "MAX_BYTES", 64)
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 65)
    for source in (path, path.read_bytes()):
        with pytest.raises(PasswordFileError, match="larger than"):
            read_password_file(source)
