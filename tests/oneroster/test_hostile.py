"""Hostile and broken input ends in located findings, never a traceback or a hang."""

from __future__ import annotations

import io
import os
import random
import zipfile

import hypothesis
import pytest

from harness.oneroster import Limits, check_bundle
from harness.oneroster.testset.base import sample_bundle
from harness.oneroster.testset.tables import serialize, to_tables, zip_members


def _members():
    return serialize(to_tables(sample_bundle()))


def _zip(tmp_path, members, name="RO_20250501_082201.zip"):
    path = tmp_path / name
    path.write_bytes(zip_members(members))
    return path


def test_absurdly_long_line_is_a_finding_not_a_hang(tmp_path):
    members = [(n, d + b"x" * 5000 if n == "courses.csv" else d) for n, d in _members()]
    result = check_bundle(_zip(tmp_path, members), limits=Limits(max_line_bytes=1024))
    found = [f for f in result.findings if f.rule == "OR121"]
    assert found and found[0].file == "courses.csv"
    assert "line longer than 1024" in found[0].message_en


def test_ratio_limit_stops_inflation_early(tmp_path):
    members = _members() + [("resources.csv", b"sourcedId\r\n" + b"a" * 4_000_000)]
    limits = Limits(ratio_grace_bytes=100_000, max_ratio=50, max_line_bytes=1 << 30)
    result = check_bundle(_zip(tmp_path, members), limits=limits)
    bombs = [f for f in result.findings if f.rule == "OR103"]
    assert [b.file for b in bombs] == ["resources.csv"]
    assert "compression ratio above 50" in bombs[0].message_en


def test_total_size_limit(tmp_path):
    result = check_bundle(_zip(tmp_path, _members()), limits=Limits(max_total_bytes=2000))
    assert "OR103" in result.rule_ids()


def test_too_many_members(tmp_path):
    members = _members() + [(f"x{i}.txt", b"") for i in range(30)]
    result = check_bundle(_zip(tmp_path, members), limits=Limits(max_members=20))
    assert "OR103" in result.rule_ids()


def test_encrypted_member_is_reported(tmp_path):
    data = bytearray(zip_members(_members()))
    # set the 'encrypted' flag bit on users.csv in its local and central headers
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            name_at = i + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at:name_at + 9] == b"users.csv":
                data[i + flag_at] |= 0x01
            start = i + 4
    path = tmp_path / "RO_20250501_082201.zip"
    path.write_bytes(bytes(data))
    result = check_bundle(path)
    found = [f for f in result.findings if f.rule == "OR124"]
    assert [f.file for f in found] == ["users.csv"]


def test_truncated_zip_is_unreadable_with_exit_2(tmp_path):
    data = zip_members(_members())
    path = tmp_path / "RO_20250501_082201.zip"
    path.write_bytes(data[: len(data) // 2])
    result = check_bundle(path)
    assert result.exit_code == 2
    assert result.rule_ids() == {"OR100"}


def test_folder_with_symlink_is_not_followed(tmp_path):
    folder = tmp_path / "bundle"
    folder.mkdir()
    for name, data in _members():
        (folder / name).write_bytes(data)
    os.symlink("/etc/passwd", folder / "orgs2.csv")
    result = check_bundle(folder)
    assert [f.file for f in result.findings if f.rule == "OR102"] == ["orgs2.csv"]


def test_absolute_member_path_is_unsafe(tmp_path):
    result = check_bundle(_zip(tmp_path, _members() + [("/tmp/x.csv", b"a\r\n")]))
    assert "OR102" in result.rule_ids()


def test_windows_backslash_folder_is_a_folder(tmp_path):
    result = check_bundle(_zip(tmp_path, _members() + [("sub\\x.csv", b"a\r\n")]))
    assert "OR101" in result.rule_ids()


def test_crlf_and_lf_line_endings_both_read(tmp_path):
    members = [(n, d.replace(b"\r\n", b"\n")) for n, d in _members()]
    assert check_bundle(_zip(tmp_path, members)).rule_ids() == set()


def test_nul_and_cr_findings_carry_line_and_column(tmp_path):
    members = []
    for name, data in _members():
        if name == "users.csv":
            # the writer quotes every field, so the CR lands inside a quoted field
            data = data.replace('"太郎"'.encode(), '"太\r郎"'.encode(), 1)
        if name == "orgs.csv":
            data = data.replace("教育委員会".encode(), b"\x00", 1)
        members.append((name, data))
    result = check_bundle(_zip(tmp_path, members))
    by_rule = {f.rule: f for f in result.findings}
    assert (by_rule["OR119"].file, by_rule["OR119"].line) == ("users.csv", 2)
    assert (by_rule["OR120"].file, by_rule["OR120"].line, by_rule["OR120"].column) == (
        "orgs.csv", 2, 4)


@pytest.mark.parametrize("seed", range(200))
def test_random_corruption_never_raises(tmp_path, seed):
    rng = random.Random(seed)
    data = bytearray(zip_members(_members()))
    for _ in range(rng.randint(1, 20)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path = tmp_path / "RO_20250501_082201.zip"
    path.write_bytes(bytes(data))
    result = check_bundle(path)  # must not raise
    assert result.exit_code in (0, 1, 2)


def test_not_a_file_or_folder(tmp_path):
    result = check_bundle(tmp_path / "missing.zip")
    assert result.exit_code == 2
    assert "no such file" in result.findings[0].message_en


def test_zip_inside_zip_is_an_unknown_file(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("users.csv", "x")
    result = check_bundle(_zip(tmp_path, _members() + [("inner.zip", inner.getvalue())]))
    assert result.rule_ids() == {"OR105"}


@pytest.mark.parametrize("seed", range(200))
def test_random_csv_damage_never_raises(tmp_path, seed):
    rng = random.Random(seed)
    alphabet = [b'"', b",", b"\r", b"\n", b"\x00", b"\xff", b"\xe3", b"x", b"{", b"ext:"]
    members = []
    for name, data in _members():
        if rng.random() < 0.5:
            buf = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                pos = rng.randrange(len(buf) + 1)
                buf[pos:pos + rng.randint(0, 3)] = rng.choice(alphabet)
            data = bytes(buf)
        members.append((name, data))
    result = check_bundle(_zip(tmp_path, members))
    assert result.exit_code in (0, 1)
    for finding in result.findings:
        assert finding.rule and finding.message_en and finding.message_ja


# --- RFC 4180 quoting (issue 17): what csv.reader keeps silently is an ERROR with its place ----
_NAME_CHARS = hypothesis.strategies.text(alphabet='ab太郎 "\r\n,', max_size=8)


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _users_with(tmp_path, rows: list[list[str]], raw_rows: list[str]):
    """The sample bundle with ``raw_rows`` (raw CSV text) added to users.csv as the last rows."""
    extra = "".join(raw_rows).encode("utf-8")
    members = [(n, d + extra if n == "users.csv" else d) for n, d in _members()]
    path = tmp_path / "RO_20250501_082201.zip"
    path.write_bytes(zip_members(members))
    return check_bundle(path)


def _user_fields(values: list[str]) -> list[str]:
    """A users.csv record's fields (the sample's first user) with names replaced by ``values``."""
    header, first = csv_rows("users.csv")[:2]
    row = list(first)
    for name, v in zip(("givenName", "familyName", "middleName"), values, strict=False):
        row[header.index(name)] = v
    return row


def csv_rows(name: str) -> list[list[str]]:
    import csv

    data = dict(_members())[name].decode("utf-8")
    return list(csv.reader(io.StringIO(data, newline="")))


@hypothesis.settings(max_examples=60, deadline=None,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
@hypothesis.given(values=hypothesis.strategies.lists(_NAME_CHARS, min_size=3, max_size=3),
                  where=hypothesis.strategies.sampled_from(["bare", "after", "clean"]),
                  pick=hypothesis.strategies.integers(0, 2),
                  quote_all=hypothesis.strategies.booleans())
def test_malformed_quoting_is_found_at_its_field(tmp_path, values, where, pick, quote_all):
    """Any names (quotes, commas and line breaks in them), written correctly, raise nothing about
    quoting; a bare quote in an unquoted field is OR126 and text after a closing quote OR127,
    each at the line and the number of the broken field."""
    header = csv_rows("users.csv")[0]
    fields = _user_fields([v.replace("\r", "") for v in values])
    given = header.index(("givenName", "familyName", "middleName")[pick])
    out = []
    for i, v in enumerate(fields):
        needs = any(c in v for c in '",\r\n') or v == ""
        text = _quoted(v) if quote_all or needs else v
        if i == given and where == "bare":
            text = "x" + '"' + v.replace('"', "").replace(",", "").replace("\n", "") + "y"
        elif i == given and where == "after":
            text = _quoted(v) + "z"
        out.append(text)
    users = dict(_members())["users.csv"].decode("utf-8")
    line = users.count("\r\n") + 1  # the line the added record starts on
    result = _users_with(tmp_path, [], [",".join(out) + "\r\n"])
    quoting = [(f.rule, f.line, f.column) for f in result.findings
               if f.rule in ("OR121", "OR126", "OR127")]
    if where == "clean":
        assert quoting == []
    else:
        breaks = sum(_break_count(t) for t in out[:given])
        if where == "bare":  # the reader goes on: nothing else is reported
            assert quoting == [("OR126", line + breaks, given + 1)]
        else:  # the reader drops the rest of the line: a quoted line break later in the record
            # leaves a fragment that is reported too, but the fault comes first
            breaks += _break_count(out[given])  # the fault follows the field's line breaks
            assert quoting[0] == ("OR127", line + breaks, given + 1)


def _break_count(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


@pytest.mark.parametrize(("raw", "rule", "column"), [
    ('Ta"ro', "OR126", 2), ('Ta""ro', "OR126", 2), ('Ta"', "OR126", 2),
    ('"Ta"ro', "OR127", 2), ('"Ta" ', "OR127", 2), ('"Ta""ro"', None, None),
])
def test_quote_forms_in_a_demographics_row(tmp_path, raw, rule, column):
    header, first = csv_rows("demographics.csv")[:2]
    line = len(csv_rows("demographics.csv")) + 1
    record = ",".join([_quoted(first[0]), raw] + [_quoted(v) for v in first[2:]]) + "\r\n"
    members = [(n, d + record.encode() if n == "demographics.csv" else d)
               for n, d in _members()]
    path = tmp_path / "RO_20250501_082201.zip"
    path.write_bytes(zip_members(members))
    found = [(f.rule, f.file, f.line, f.column) for f in check_bundle(path).findings
             if f.rule in ("OR121", "OR126", "OR127")]
    assert found == ([] if rule is None else [(rule, "demographics.csv", line, column)])
