"""Importer practice (issue 10): what renkei writes passes strict Japanese importers, and the
OR7xx rules name what they would reject — as field practice, not as the spec."""

from __future__ import annotations

import csv
import io
import zipfile

import hypothesis
import pytest

from harness.core import FindingCollector, Severity
from harness.oneroster import REGISTRY, Bundle, check_bundle, profile_ids, read_bundle, write_bundle
from harness.oneroster.checks.practice import check_quoting
from harness.oneroster.docs import rules_markdown
from harness.oneroster.ids import is_uuid4
from harness.oneroster.schema import load_profile
from harness.oneroster.testset import CASES, cases_for, write_case
from harness.oneroster.testset.base import sample_bundle, sample_id

PRACTICE = [r for r in REGISTRY if r.family == "importer practice"]
ID_TYPES = {"guid", "guid_ref", "guid_ref_list"}


def _ids(bundle: Bundle, profile: str) -> list[str]:
    """Every sourcedId and every value of a column referring to one, list elements split."""
    spec = load_profile(profile)
    out = []
    for name, rows in bundle.tables.items():
        cols = [c.name for c in spec.file(name).columns if c.type in ID_TYPES]
        for row in rows:
            for col in cols:
                value = row.get(col) or ""
                out += [v for v in str(value).split(",") if v and v != "NULL"]
    return out


def _manifest(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        rows = list(csv.reader(io.StringIO(zf.read("manifest.csv").decode("utf-8"))))
    return dict(rows[1:])


# --- what renkei writes ----------------------------------------------------------------------
@pytest.mark.parametrize("profile", profile_ids())
def test_sample_bundle_uses_uuid4_ids_and_names_its_source(tmp_path, profile):
    path = write_bundle(sample_bundle(profile), tmp_path / "RO_20250501_082201.zip")
    back = read_bundle(path, profile=profile)
    ids = _ids(back, profile)
    assert len(ids) > 30 and all(is_uuid4(v) for v in ids)
    manifest = _manifest(path)
    assert manifest["source.systemCode"] and manifest["source.systemName"]


@pytest.mark.parametrize("profile", profile_ids())
def test_testset_valid_bundles_use_uuid4_ids_and_carry_system_code(tmp_path, profile):
    valid = [c for c in cases_for(profile) if c.valid and c.id.startswith("valid")]
    assert {c.id for c in valid} == {"valid-bulk", "valid-delta", "valid-folder"}
    for case in valid:
        path = write_case(case, profile, tmp_path)
        back = read_bundle(path, profile=profile)
        assert all(is_uuid4(v) for v in _ids(back, profile)), case.id
        assert back.manifest_extra["source.systemCode"], case.id
        assert check_bundle(path, profile=profile).findings == [], case.id


def test_sample_ids_are_deterministic_uuid4():
    assert sample_id("u1") == sample_id("u1") != sample_id("u2")
    assert is_uuid4(sample_id("y2025"))
    assert sample_bundle().tables["users"][0]["sourcedId"] == sample_id("u1")


def test_writer_supplies_source_properties_when_the_bundle_has_none(tmp_path):
    bare = sample_bundle()
    bare.manifest_extra = {}
    manifest = _manifest(write_bundle(bare, tmp_path / "a.zip"))
    assert manifest["source.systemName"] == "renkei"
    assert manifest["source.systemCode"] == "renkei"
    own = sample_bundle()
    own.manifest_extra = {"source.systemCode": "082201", "source.systemName": ""}
    manifest = _manifest(write_bundle(own, tmp_path / "b.zip"))
    assert manifest["source.systemCode"] == "082201"
    assert manifest["source.systemName"] == "renkei"  # a blank value gets the default too


def test_writer_puts_versions_first_and_quotes_every_data_field(tmp_path):
    path = write_bundle(sample_bundle(), tmp_path / "b")
    manifest = (path / "manifest.csv").read_bytes().decode("utf-8")
    lines = manifest.split("\r\n")
    assert lines[0] == "propertyName,value"  # bare header: F社 compares it unquoted
    assert lines[1:3] == ['"manifest.version","1.0"', '"oneroster.version","1.2.1"']
    users = (path / "users.csv").read_bytes()
    assert not users.startswith(b"\xef\xbb\xbf")
    header, first = users.decode("utf-8").split("\r\n")[:2]
    assert header.startswith("sourcedId,status,dateLastModified,")
    assert first.startswith(f'"{sample_id("u1")}","",""')
    fields = next(csv.reader([first]))
    assert first.count('"') >= 2 * len(fields)  # every field, empty ones too, is quoted


# --- the rule family -------------------------------------------------------------------------
def test_practice_rules_are_warn_and_say_they_are_not_the_spec():
    assert [r.id for r in PRACTICE] == [f"OR70{n}" for n in range(1, 9)]
    for rule in PRACTICE:
        assert rule.severity is Severity.WARN
        assert "importer practice" in rule.title
        assert rule.what.startswith("Importer practice, not the spec")
        assert "社" in rule.why and "reject" in rule.why.lower() or "refuse" in rule.why
        assert all("DA2022" in ref for ref in rule.spec)
        assert set(rule.profiles) == {"jp-1.1", "jp-eportal-v4", "jp-k12-v1"}


def test_rules_page_labels_the_family_as_field_practice():
    page = rules_markdown()
    assert "## importer practice (field practice, not the spec)" in page
    assert "### OR701 sourcedId not a UUID v4 (importer practice)" in page


def test_every_practice_rule_has_its_own_one_defect_case():
    for rule in PRACTICE:
        own = [c.id for c in CASES if c.expected == (rule.id,)]
        if rule.id == "OR703":  # the BOM case: the spec's INFO OR118 fires beside it
            own = [c.id for c in CASES if c.expected == ("OR118", "OR703")]
        assert len(own) == 1, rule.id


def _edit(make_bundle, fn, **kw):
    return check_bundle(make_bundle(fn, **kw), profile=kw.get("profile", "jp-eportal-v4"))


def test_non_uuid_ids_are_found_in_sourcedids_references_and_lists(make_bundle):
    def edit(b):
        b.tables["classes"][0]["sourcedId"] = "k1"
        for row in (b.tables["users"][0], b.tables["lineItems"][0]):
            row.update({"metadata.jp.homeClass": "k1", "classSourcedId": "k1"})
        b.tables["classes"][1]["termSourcedIds"] = [sample_id("y2025"), "Y2025"]
        b.tables["enrollments"][0]["sourcedId"] = sample_id("e-u1").upper()
        b.tables["academicSessions"][0]["parentSourcedId"] = "NULL"  # OR505's, not OR701's

    result = _edit(make_bundle, edit)
    found = sorted((f.file, f.line, f.value) for f in result.findings if f.rule == "OR701")
    refs = [(f.file, f.line) for f in result.findings if f.rule == "OR701"
            and f.value == "k1"]
    assert ("classes.csv", 2, "k1") in found
    assert ("classes.csv", 3, f"{sample_id('y2025')},Y2025") in found
    assert ("enrollments.csv", 2, sample_id("e-u1").upper()) in found  # upper case: F社
    assert ("users.csv", 2) in refs and ("lineItems.csv", 2) in refs  # homeClass, classSourcedId
    assert not any(f.file == "academicSessions.csv" for f in result.findings
                   if f.rule == "OR701")


def test_blank_or_missing_source_properties(make_bundle):
    def edit(b):
        b.manifest_extra = {"source.systemName": "x"}

    path = make_bundle(edit)
    # the writer fills the default, so take it out of the written manifest by hand
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["manifest.csv"] = members["manifest.csv"].replace(
        b'"source.systemCode","renkei"', b'"source.systemCode",""')
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    (f,) = [f for f in check_bundle(path).findings if f.rule == "OR702"]
    assert (f.file, f.line) == ("manifest.csv", 26)
    assert "source.systemCode" in f.message_en and "optional in the spec" in f.message_en


def test_quoting_is_judged_on_whole_records_only():
    def run(text, complete=True):
        sink = FindingCollector(REGISTRY, profile="jp-eportal-v4")
        check_quoting(text, complete, "users.csv", sink)
        return [f.line for f in sink.findings]

    assert run('a,b\r\n"1","x"\r\n"2",""\r\n') == []
    assert run('a,b\r\n"1","x"\r\n2,""\r\n"3",y\r\n') == [3, 4]
    assert run('a,b\r\n"1","two\r\nlines"\r\n4,""\r\n') == [4]  # line numbers count breaks
    assert run('a,b\r\n"1","x"\r\n"2","cut') == []  # unfinished record: not judged...
    assert run('a,b\r\n"1","x"\r\n2,"cut', complete=False) == []  # ...nor a cut prefix
    assert run('a,b\r\n"1","x"y\r\n3,3\r\n') == []  # malformed: OR127's business


def test_vendor_column_and_blank_home_class(make_bundle):
    def edit(b):
        b.tables["users"][1]["metadata.jp.homeClass"] = ""

    result = _edit(make_bundle, edit)
    assert [(f.rule, f.line) for f in result.findings] == [("OR706", 3)]


def test_practice_rules_stay_out_of_the_plain_profile(tmp_path):
    for case in CASES:
        if case.family == "importer practice":
            assert case.japanese_only and case.expected_for("or-1.2.1") == ()
    bare = sample_bundle("or-1.2.1")
    bare.tables["enrollments"][0]["sourcedId"] = "e1"
    result = check_bundle(write_bundle(bare, tmp_path / "RO_20250501_082201.zip"),
                          profile="or-1.2.1")
    assert result.findings == []


def test_warn_only_bundle_still_passes(make_bundle):
    def edit(b):
        b.tables["enrollments"][0]["sourcedId"] = "e-u1"

    result = _edit(make_bundle, edit)
    assert result.rule_ids() == {"OR701"} and result.exit_code == 0


# --- hostile input under every profile ---------------------------------------------------------
@pytest.mark.parametrize("profile", profile_ids())
@pytest.mark.parametrize("seed", range(25))
def test_damaged_bundles_never_raise_under_any_profile(tmp_path, profile, seed):
    import random

    from harness.oneroster.testset.tables import serialize, to_tables, zip_members

    rng = random.Random(seed)
    alphabet = [b'"', b",", b"\r", b"\n", b"\xef\xbb\xbf", b"\xff", b"-", b"A", b"metadata.x"]
    members = []
    for name, data in serialize(to_tables(sample_bundle(profile))):
        buf = bytearray(data)
        for _ in range(rng.randint(0, 6)):
            pos = rng.randrange(len(buf) + 1)
            buf[pos:pos + rng.randint(0, 3)] = rng.choice(alphabet)
        members.append((name, bytes(buf)))
    path = tmp_path / "RO_20250501_082201.zip"
    path.write_bytes(zip_members(members))
    result = check_bundle(path, profile=profile)  # must not raise
    assert result.exit_code in (0, 1)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(hypothesis.strategies.text(alphabet='",\r\nx"', max_size=200),
                  hypothesis.strategies.booleans())
def test_quoting_check_terminates_on_any_text(text, complete):
    sink = FindingCollector(REGISTRY, profile="jp-eportal-v4")
    check_quoting(text, complete, "users.csv", sink)
    assert all(f.rule == "OR704" and f.line and f.line > 1 for f in sink.findings)


@pytest.mark.parametrize(("profile", "version"), [
    ("jp-1.1", "1.2"),            # what the 2022 pilot importers accept, and nothing else
    ("jp-eportal-v4", "1.2.1"),   # meibo Eportal::V4
    ("jp-k12-v1", "1.2_JP"),      # meibo JapanK12SchoolsProfile::V1
    ("or-1.2.1", "1.2"),          # the binding's text
])
def test_manifest_writes_the_version_each_profiles_importers_expect(tmp_path, profile, version):
    manifest = _manifest(write_bundle(sample_bundle(profile), tmp_path / "b.zip"))
    assert manifest["oneroster.version"] == version


@pytest.mark.parametrize(("value", "ok"), [
    (sample_id("u1"), True),
    ("xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx", False),   # the shape check's own letter
    ("0f8fad5b-d9cb-169f-a165-70867728950e", False),   # version 1
    ("0f8fad5b-d9cb-469f-c165-70867728950e", False),   # variant c
    ("0F8FAD5B-D9CB-469F-A165-70867728950E", False),   # upper case: F社 refuses it
    ("0f8fad5bd9cb469fa16570867728950e", False),       # no hyphens
    ("0f8fad5b-d9cb-469f-a165-70867728950e ", False),
])
def test_uuid4_shape_test_agrees_with_the_regex(value, ok):
    from harness.oneroster.checks.practice import UUID4_LOWER, _all_uuid4

    assert _all_uuid4([value]) is ok
    assert _all_uuid4([sample_id("u2"), value]) is ok
    assert (UUID4_LOWER.fullmatch(value) is not None) is ok


@hypothesis.settings(max_examples=500, deadline=None)
@hypothesis.given(hypothesis.strategies.lists(
    hypothesis.strategies.text(alphabet="0123456789abcdefxA-\n", min_size=34, max_size=38)
    | hypothesis.strategies.uuids(version=4).map(str), min_size=1, max_size=4))
def test_uuid4_shape_test_never_disagrees_with_the_regex(values):
    from harness.oneroster.checks.practice import UUID4_LOWER, _all_uuid4

    assert _all_uuid4(values) == all(UUID4_LOWER.fullmatch(v) for v in values)


def test_padding_found_at_either_end_of_any_row_but_not_inside(make_bundle):
    def edit(b):
        users = b.tables["users"]
        users[0]["familyName"] = " 山田"              # first value of the column, leading
        users[1]["metadata.jp.kanaGivenName"] = "ハナ\u3000コ"  # inside: fine
        users[3]["preferredFamilyName"] = "高橋\t"    # last row, trailing tab
        b.tables["orgs"][1]["name"] = "\u3000竹園東小学校"

    found = sorted((f.file, f.line, f.value) for f in _edit(make_bundle, edit).findings)
    assert found == [("orgs.csv", 3, "\u3000竹園東小学校"), ("users.csv", 2, " 山田"),
                     ("users.csv", 5, "高橋\t")]
