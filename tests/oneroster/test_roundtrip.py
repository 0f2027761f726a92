"""Writer → reader round trips, determinism and the profiles' header shapes."""

from __future__ import annotations

import pytest

from harness.oneroster import check_bundle, load_profile, profile_ids, read_bundle, write_bundle
from harness.oneroster.model import format_value
from harness.oneroster.testset.base import SOURCE, sample_bundle, to_delta


def _as_text(bundle, profile):
    spec = load_profile(profile)
    return {
        name: [{c: format_value(r.get(c)) for c in spec.file(name).header} for r in rows]
        for name, rows in bundle.tables.items()
    }


@pytest.mark.parametrize("profile", profile_ids())
@pytest.mark.parametrize("zipped", [True, False])
@pytest.mark.parametrize("delta", [False, True])
def test_write_read_round_trips_exactly(tmp_path, profile, zipped, delta):
    bundle = sample_bundle(profile)
    if delta:
        bundle = to_delta(bundle)
    path = write_bundle(bundle, tmp_path / ("b.zip" if zipped else "b"))
    back = read_bundle(path, profile=profile)
    expected = _as_text(bundle, profile)
    if not delta:  # bulk rows are written without status and dateLastModified
        for rows in expected.values():
            for row in rows:
                row["status"] = row["dateLastModified"] = ""
    assert back.tables == expected
    assert back.modes == {n: ("delta" if delta else "bulk") for n in bundle.tables}
    assert back.manifest_extra == SOURCE


@pytest.mark.parametrize("profile", profile_ids())
@pytest.mark.parametrize("zipped", [True, False])
@pytest.mark.parametrize("delta", [False, True])
def test_the_checker_keeps_exactly_what_the_reader_reads(tmp_path, profile, zipped, delta):
    bundle = sample_bundle(profile)
    path = write_bundle(to_delta(bundle) if delta else bundle,
                        tmp_path / ("b.zip" if zipped else "b"))
    kept = check_bundle(path, profile=profile, keep_bundle=True).bundle
    read = read_bundle(path, profile=profile)
    assert kept is not None and kept.tables and kept.tables == read.tables
    assert (kept.modes, kept.manifest_extra, kept.profile) == (read.modes,
                                                                read.manifest_extra, read.profile)
    assert check_bundle(path, profile=profile).bundle is None  # kept only when asked


def test_the_checker_keeps_no_bundle_it_cannot_open(tmp_path):
    bad = tmp_path / "RO_20250401_000000.zip"
    bad.write_bytes(b"not a zip")
    result = check_bundle(bad, keep_bundle=True)
    assert result.exit_code == 2 and result.bundle is None


@pytest.mark.parametrize("profile", profile_ids())
def test_written_bundle_is_clean(tmp_path, profile):
    path = write_bundle(sample_bundle(profile), tmp_path / "RO_20250501_082201.zip")
    result = check_bundle(path, profile=profile)
    assert result.findings == []
    assert result.exit_code == 0


def test_writer_output_is_byte_identical(tmp_path):
    a = write_bundle(sample_bundle(), tmp_path / "a.zip").read_bytes()
    b = write_bundle(sample_bundle(), tmp_path / "b.zip").read_bytes()
    assert a == b


def test_writer_quotes_lists_and_keeps_commas(tmp_path):
    bundle = sample_bundle()
    bundle.tables["classes"][0]["title"] = '1年1組, "ひまわり"'
    path = write_bundle(bundle, tmp_path / "b")
    text = (path / "classes.csv").read_text(encoding="utf-8")
    assert '"1年1組, ""ひまわり"""' in text
    assert '"国語,算数"' in text
    assert read_bundle(path).tables["classes"][0]["title"] == '1年1組, "ひまわり"'


def test_writer_replaces_a_bundle_atomically(tmp_path):
    target = tmp_path / "b.zip"
    write_bundle(sample_bundle(), target)
    assert not list(tmp_path.glob("*.part"))


def test_profiles_differ_where_the_digest_says():
    v4, k12, v3 = (load_profile(p) for p in ("jp-eportal-v4", "jp-k12-v1", "jp-1.1"))
    assert "metadata.jp.ShussekiNo" in v4.file("enrollments").header
    assert "metadata.jp.shussekiNo" in k12.file("enrollments").header
    assert k12.file("enrollments").column("primary").required
    assert "resourceSourcedIds" in v3.file("users").header
    assert "resourceSourcedIds" not in v4.file("users").header
    assert "metadata.jp.kanaPreferredGivenName" not in v3.file("users").header
    assert load_profile("or-1.2.1").file("classes").header[-1] == "periods"


def test_unknown_profile_names_the_known_ones():
    with pytest.raises(KeyError, match="jp-eportal-v4"):
        load_profile("jp-2.0")
