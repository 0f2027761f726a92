"""The bulk and delta bundles the pipeline sends: conformant, stable ids, checked before sending."""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from dataclasses import replace

import pytest

from harness.oneroster.ids import is_uuid4
from pipeline.apply.bundles import BundleRejected, DeltaUser, build_bulk, build_delta
from tests.pipeline.applykit import SOURCE, roster_from_city, small_city

STAMP = "2025-05-01T02:00:00.000Z"


@pytest.fixture(scope="module")
def roster():
    return roster_from_city(small_city())


def _csv(content: bytes, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8"))))


def test_bulk_is_conformant_stable_and_uuid4(roster):
    first = build_bulk(roster, SOURCE, day="2025-05-01")
    again = build_bulk(copy.deepcopy(roster), SOURCE, day="2025-05-01")
    assert first.content == again.content  # byte-identical: nothing changes, nothing is sent
    assert first.filename == "RO_20250501_082201.zip"
    assert first.counts["users"] == len(roster.people)
    manifest = {r["propertyName"]: r["value"] for r in _csv(first.content, "manifest.csv")}
    assert manifest["source.systemCode"] == "082201" and manifest["source.systemName"]
    for name in ("users.csv", "orgs.csv", "classes.csv", "enrollments.csv", "roles.csv"):
        ids = [r["sourcedId"] for r in _csv(first.content, name)]
        assert ids and all(is_uuid4(i) for i in ids), name


def test_bulk_uses_the_gaiji_free_names(roster):
    person = next(iter(roster.people.values()))
    users = {r["sourcedId"]: r for r in _csv(build_bulk(roster, SOURCE, day="2025-05-01").content,
                                             "users.csv")}
    row = users[person.sourced_id]
    assert row["familyName"] == row["preferredFamilyName"] == person.family_name


def test_delta_rows_carry_status_and_date(roster):
    people = list(roster.people.values())
    built = build_delta(roster, [DeltaUser("active", people[0]), DeltaUser("left", people[1]),
                                 DeltaUser("tobedeleted", people[2])],
                        SOURCE, day="2025-05-01", stamp=STAMP)
    rows = {r["sourcedId"]: r for r in _csv(built.content, "users.csv")}
    first, left, gone = (rows[p.sourced_id] for p in people[:3])
    assert (first["status"], first["dateLastModified"], first["enabledUser"]) == (
        "active", STAMP, "true")
    assert (left["status"], left["enabledUser"]) == ("active", "false")  # disabled at once
    assert gone["status"] == "tobedeleted"
    manifest = {r["propertyName"]: r["value"] for r in _csv(built.content, "manifest.csv")}
    assert manifest["file.users"] == "delta"


def test_a_broken_bundle_is_never_sent(roster):
    broken = copy.deepcopy(roster)
    umi, person = next(iter(broken.people.items()))
    broken.people[umi] = replace(person, given_kana="ｶﾀｶﾅ")  # not full-width katakana: ERROR
    with pytest.raises(BundleRejected) as info:
        build_bulk(broken, SOURCE, day="2025-05-01")
    assert {f.rule for f in info.value.findings} & {"OR520", "OR521"}
    with pytest.raises(BundleRejected):
        build_delta(broken, [DeltaUser("active", broken.people[umi])], SOURCE,
                    day="2025-05-01", stamp="2025-05-01 02:00")  # not a OneRoster datetime
