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
from harness.oneroster.testset.cases import UNCASED

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
        # a delta bundle: Q社 imports bulk only (OR711, Japan profiles)
        assert check_bundle(path, profile=profile).rule_ids() == set(
            case.expected_for(profile)), case.id


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
    assert [r.id for r in PRACTICE] == [f"OR7{n:02d}" for n in range(1, 20)]
    for rule in PRACTICE:
        assert rule.severity is Severity.WARN
        assert "importer practice" in rule.title
        assert rule.what.startswith("Importer practice, not the spec")
        assert "社" in rule.why
        assert any(w in rule.why.lower() for w in ("reject", "refuse", "crash")), rule.id
        assert all("DA2022" in ref for ref in rule.spec)
        assert rule.message_ja and rule.message_en, rule.id
        assert rule.example or rule.id < "OR709", rule.id  # issue 17's rules all have one
        # OR719 stays out of the K-12 profile, which makes primary required (OR301); OR717
        # runs under the pilot importers' own profile only (it would fire on every V4 export)
        expected = {"OR717": {"jp-1.1"}, "OR719": {"jp-1.1", "jp-eportal-v4"}}.get(
            rule.id, {"jp-1.1", "jp-eportal-v4", "jp-k12-v1"})
        assert set(rule.profiles) == expected, rule.id


def test_rules_page_labels_the_family_as_field_practice():
    page = rules_markdown()
    assert "## importer practice (field practice, not the spec)" in page
    assert "### OR701 sourcedId not a UUID v4 (importer practice)" in page


#: Spec rules that necessarily fire beside a practice rule's own case: the BOM (OR118, INFO),
#: the bundle name (OR125, INFO) and an unknown file (OR105: every non-ASCII name is one).
BESIDE = {"OR703": "OR118", "OR710": "OR125", "OR713": "OR105"}


def test_every_practice_rule_has_its_own_one_case():
    for rule in PRACTICE:
        if rule.id in UNCASED:
            continue
        want = tuple(sorted((rule.id, BESIDE[rule.id]))) if rule.id in BESIDE else (rule.id,)
        own = [c.id for c in CASES if c.expected == want]
        assert len(own) == 1, rule.id


def _edit(make_bundle, fn, **kw):
    return check_bundle(make_bundle(fn, **kw), profile=kw.get("profile", "jp-eportal-v4"))


def test_non_uuid_ids_are_found_in_sourcedids_references_and_lists(make_bundle):
    def edit(b):
        b.tables["classes"][0]["sourcedId"] = "k1"
        for row in (b.tables["users"][0], b.tables["enrollments"][0]):
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
    assert ("users.csv", 2) in refs and ("enrollments.csv", 2) in refs  # homeClass, classSourcedId
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
            assert case.japanese_only
            assert set(case.expected_for("or-1.2.1")) <= {"OR105"}  # a spec rule beside
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


# --- issue 17: the 2022 pilot importers K社, Y社 and Q社 ----------------------------------------
NOT_ROSTERING_FILES = {"categories.csv", "lineItems.csv", "resources.csv", "classResources.csv"}


@pytest.mark.parametrize("profile", profile_ids())
def test_base_sample_is_rostering_only_under_the_japan_profiles(profile):
    tables = set(sample_bundle(profile).tables)
    japanese = load_profile(profile).japanese
    assert {"categories", "lineItems"} & tables == (set() if japanese
                                                     else {"categories", "lineItems"})
    assert {"orgs", "users", "roles", "enrollments", "academicSessions"} <= tables


@pytest.mark.parametrize("profile", [p for p in profile_ids() if load_profile(p).japanese])
def test_only_the_gradebook_case_carries_gradebook_files_under_japan_profiles(tmp_path, profile):
    # the plain 1.2.1 profile's sample keeps its gradebook files (another test says so)
    carrying = []
    for case in cases_for(profile):
        built = case.build(profile)
        names = set() if isinstance(built, bytes) else {n for n, _ in built}
        if names & NOT_ROSTERING_FILES:
            carrying.append(case.id)
    assert carrying == ["gradebook-and-resources"]


def test_every_valid_case_says_what_it_exercises():
    valid = [c for c in CASES if c.family == "valid"]
    assert {c.id for c in valid} >= {"valid-bulk", "valid-delta", "bom", "bundle-name",
                                     "gradebook-and-resources"}
    for case in valid:
        assert len(case.exercises) > 20, case.id
    practice = {"bom": "AA社", "bundle-name": "Y社", "gradebook-and-resources": "K社",
                "valid-delta": "Q社"}
    for cid, vendor in practice.items():
        assert vendor in next(c.exercises for c in CASES if c.id == cid)


def test_gradebook_case_is_spec_valid_and_warns_per_file(tmp_path):
    case = next(c for c in CASES if c.id == "gradebook-and-resources")
    result = check_bundle(write_case(case, "jp-eportal-v4", tmp_path), profile="jp-eportal-v4")
    assert result.exit_code == 0
    assert sorted(f.file for f in result.findings) == sorted(NOT_ROSTERING_FILES)
    assert {f.rule for f in result.findings} == {"OR709"}
    plain = check_bundle(write_case(case, "or-1.2.1", tmp_path / "p"), profile="or-1.2.1")
    assert plain.findings == []  # the spec has nothing against them


@pytest.mark.parametrize(("name", "rules"), [
    ("RO_20250501_082201.zip", set()),
    ("RO_20250501_poc1.zip", {"OR125"}),      # Y社 takes any ASCII code; the model's is stricter
    ("RO_2025051_082201.zip", {"OR125", "OR710"}),
    ("export.zip", {"OR125", "OR710"}),
])
def test_bundle_name_practice_rule_stands_beside_or125(tmp_path, name, rules):
    path = write_bundle(sample_bundle(), tmp_path / name)
    assert check_bundle(path).rule_ids() == rules


def test_folder_bundles_are_not_judged_on_zip_name_or_size(make_bundle):
    result = check_bundle(make_bundle(zipped=False))
    assert result.findings == []


def test_bundle_over_fifty_megabytes(tmp_path):
    """A sparse file: 50 MiB of hole before the zip (readers skip prepended data)."""
    data = (write_bundle(sample_bundle(), tmp_path / "a.zip")).read_bytes()
    path = tmp_path / "RO_20250501_082201.zip"
    with open(path, "wb") as fh:
        fh.seek(50 * 1024 * 1024)
        fh.write(data)
    result = check_bundle(path)
    (f,) = result.findings
    assert (f.rule, f.file, f.value) == ("OR715", path.name, str(path.stat().st_size))
    assert "50 MB" in f.message_en and result.exit_code == 0


def test_several_values_in_list_fields_under_the_pilot_profile(make_bundle):
    def edit(b):
        b.tables["users"][0]["grades"] = ["P1", "P2"]
        b.tables["users"][1]["agentSourcedIds"] = [sample_id("u3"), sample_id("u4")]
        b.tables["classes"][0]["termSourcedIds"] = [sample_id("y2025")] * 2

    result = check_bundle(make_bundle(edit, profile="jp-1.1"), profile="jp-1.1")
    found = sorted((f.file, f.line, f.message_en.split(" ")[1]) for f in result.findings
                   if f.rule == "OR717")
    assert found == [("classes.csv", 2, "termSourcedIds"), ("users.csv", 2, "grades"),
                     ("users.csv", 3, "agentSourcedIds")]
    # under the default profile the rule does not run (it would fire on every V4 export)
    assert "OR717" not in check_bundle(make_bundle(edit)).rule_ids()


def test_roles_the_pilot_importers_do_not_take(make_bundle):
    def edit(b):
        for role, i in (("guardian", 0), ("ext:librarian", 1), ("aide", 2)):
            b.tables["roles"].append({**b.tables["roles"][i], "sourcedId": sample_id(role),
                                      "roleType": "secondary", "role": role})

    result = check_bundle(make_bundle(edit))
    pairs = sorted((f.rule, f.value) for f in result.findings)
    # aide is OR526's (rare in Japan); the seen roles and ext: terms are OR718's
    assert pairs == [("OR526", "aide"), ("OR718", "ext:librarian"), ("OR718", "guardian")]


def test_district_without_code_and_missing_core_files(make_bundle):
    def edit(b):
        b.tables["orgs"][0]["identifier"] = ""
        del b.tables["roles"]

    result = check_bundle(make_bundle(edit))
    assert {(f.rule, f.file) for f in result.findings if f.rule.startswith("OR71")} == {
        ("OR714", "orgs.csv"), ("OR712", "roles.csv")}
    assert "OR510" in result.rule_ids()  # the blank board code is the profile's ERROR too


def test_delta_rows_are_located_in_the_manifest(tmp_path):
    from harness.oneroster.testset.base import to_delta

    path = write_bundle(to_delta(sample_bundle()), tmp_path / "RO_20250501_082201.zip")
    found = [(f.file, f.line, f.column) for f in check_bundle(path).findings]
    assert found and all(f == ("manifest.csv", f[1], 2) for f in found)
    manifest = _manifest(path)
    assert len(found) == sum(1 for v in manifest.values() if v == "delta")
