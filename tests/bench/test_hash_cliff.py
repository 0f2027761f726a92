"""bench/hash_cliff.py: the machine's cost of a dict lookup by table size (a gauge printed
beside the RS256 floor); its figures are the machine's, so only their shape is tested."""

from __future__ import annotations

import json
from types import ModuleType

import pytest

from tests.benchkit import load_bench


@pytest.fixture(scope="module")
def cliff() -> ModuleType:
    return load_bench("hash_cliff")


def test_the_gauge_gives_both_sizes_and_their_ratio(cliff: ModuleType) -> None:
    figures = cliff.hash_cliff(500, 2_000, 2)
    assert (figures["small_keys"], figures["large_keys"]) == (500, 2_000)
    assert figures["small_ns"] > 0 and figures["large_ns"] > 0
    assert figures["ratio"] == pytest.approx(figures["large_ns"] / figures["small_ns"],
                                             abs=0.0051)  # rounded to 2 places
    line = cliff.describe(figures)
    assert "at 500 keys" in line and "at 2,000 keys" in line and "x a lookup" in line


def test_the_command_prints_json_and_refuses_empty_tables(
        cliff: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert cliff.main(["--small", "300", "--large", "600", "--repeat", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["large_keys"] == 600
    with pytest.raises(SystemExit) as exc:
        cliff.main(["--small", "0"])
    assert exc.value.code == 2
    assert "at least 1" in capsys.readouterr().err
