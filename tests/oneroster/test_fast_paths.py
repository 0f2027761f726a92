"""The checker's whole-column fast paths must agree with the per-value regexes they stand for."""

from __future__ import annotations

import hypothesis
from hypothesis import strategies as st

from harness.oneroster.checks.values import GUID, UUID4, _all_guids, uuid4_lines, uuid_lines

_UUIDS = st.uuids().map(str)
_NEAR = st.text(alphabet="0123456789abcdefABCDEFxX-\n ", min_size=34, max_size=38)
#: blank values never reach a validator (bad_values drops them first)
_VALUES = st.lists(_UUIDS | _UUIDS.map(str.upper) | _NEAR | st.text(min_size=1, max_size=300),
                   min_size=1, max_size=5, unique=True)


@hypothesis.settings(max_examples=500, deadline=None)
@hypothesis.given(_VALUES)
def test_guid_fast_path_never_disagrees_with_the_regex(values):
    expected = all(GUID.fullmatch(v) for v in values)
    assert _all_guids(set(values)) == expected
    if uuid_lines("\n".join(values), len(values)):
        assert expected  # the shape test only ever says yes to GUIDs


@hypothesis.settings(max_examples=500, deadline=None)
@hypothesis.given(_VALUES)
def test_lowered_uuid4_shape_is_the_case_blind_uuid4_regex(values):
    # japan._master_ids: an ASCII column lowered and shape-tested, for OR517's UUID4
    joined = "\n".join(values)
    if joined.isascii() and uuid4_lines(joined.lower(), len(values)):
        assert all(UUID4.fullmatch(v) for v in values)
    if all(UUID4.fullmatch(v) for v in values):  # and the fast path takes every such column
        assert uuid4_lines(joined.lower(), len(values))


def test_shape_tests_on_plain_cases():
    a, b = "0f8fad5b-d9cb-469f-a165-70867728950e", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    assert uuid_lines(f"{a}\n{b}", 2) and not uuid_lines(f"{a}\n{b}", 3)
    assert uuid4_lines(a, 1) and not uuid4_lines(b, 1)       # b is version 1
    assert not uuid_lines(a.upper(), 1) and uuid4_lines(a.upper().lower(), 1)
    assert not uuid_lines(a[:-1] + "x", 1)                     # the shape's own letter
    assert _all_guids({a, "plain-id_1@x/y.z"}) and not _all_guids({a, "has space"})
    assert not _all_guids({"a" * 256})
