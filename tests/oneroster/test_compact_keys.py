"""The checker's compact map keys: a UUID kept as an int must find exactly the same duplicates."""

from __future__ import annotations

import uuid

import hypothesis
from hypothesis import strategies as st

from harness.oneroster import check_bundle
from harness.oneroster.checks.state import compact_keys
from harness.oneroster.testset.base import sample_bundle
from harness.oneroster.testset.tables import serialize, to_tables, zip_members

_UUIDS = st.uuids().map(str)
_VALUES = st.one_of(_UUIDS, _UUIDS.map(str.upper), _UUIDS.map(lambda u: u.replace("-", "")),
                    st.text(max_size=40), st.just(""))


@hypothesis.given(st.lists(_VALUES, max_size=30), st.lists(_UUIDS, max_size=30))
def test_keys_are_equal_exactly_when_values_are(mixed, clean):
    values = clean + clean[:3] + mixed
    # a clean column converts at once, a mixed one value by value: the keys must agree
    keys = compact_keys(clean + clean[:3]) + compact_keys(mixed)
    assert keys == compact_keys(values) == [compact_keys([v])[0] for v in values]
    for a, ka in zip(values, keys, strict=True):
        for b, kb in zip(values, keys, strict=True):
            assert (a == b) == (ka == kb)


def test_a_clean_column_becomes_ints():
    ids = [str(uuid.uuid4()) for _ in range(5)]
    assert compact_keys(ids) == [uuid.UUID(i).int for i in ids]
    assert compact_keys(ids + ["NOT-A-UUID"])[:5] == [uuid.UUID(i).int for i in ids]


def test_duplicate_role_ids_found_beside_ids_that_are_not_uuids(tmp_path):
    tables = to_tables(sample_bundle())
    roles = tables["roles.csv"]
    sid = roles[0].index("sourcedId")
    assert len(roles) >= 4
    roles[2][sid] = roles[1][sid]            # a true duplicate, both lower-case UUIDs
    roles[3][sid] = roles[1][sid].upper()    # the same hex upper-cased: another id (OR701)
    path = tmp_path / "RO_20250501_082201.zip"
    path.write_bytes(zip_members(serialize(tables)))
    dups = [f for f in check_bundle(path).findings
            if f.rule == "OR401" and f.file == "roles.csv"]
    assert [(f.line, f.value) for f in dups] == [(3, roles[1][sid])]
    assert dups[0].message_en.endswith("(first on line 2)")
