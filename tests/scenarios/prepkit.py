"""A city with every kind of problem for the preparation report's tests (and the browser's).

The small city with all of C4th's quirks is delivered once (the pipeline against the mocks,
in-process); then a pupil moves out of the city and the 年度 turns over in C4th, and the board
previews the new export with a config that maps only one disability term.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from harness.oneroster.disability import KINDS, c4th_suffix
from pipeline.config import parse_config
from pipeline.run import run_pipeline
from scenarios.preparation import prepare, write_preparation
from tests.pipeline.e2ekit import CLIENT_SECRET, SECRET_ENV, World, config_text

NOW = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
#: docs/preparation.schema.json, which every preparation.json must follow
SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "preparation.schema.json")
                    .read_text("utf-8"))
T = TypeVar("T")


def with_m365_secret(build: Callable[[], T]) -> Iterator[T]:
    """For a module fixture: ``build()`` and yield it with the Microsoft 365 secret's variable
    set (the world's config reads it), unset again afterwards."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(SECRET_ENV, CLIENT_SECRET)
        yield build()


class City:
    """The world, the export, the config and one written report."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.world = World.seeded(tmp)
        first = parse_config(config_text(tmp, self.world.bases), path=tmp / "city.toml")
        applied = run_pipeline(first, session_factory=self.world.session,
                               now=dt.datetime(2025, 5, 1, tzinfo=dt.UTC))
        assert applied.status == "applied", applied.message
        self.gone = self.world.event("transfer_out")["result"]
        self.world.event("advance_year")
        resp = self.world.s.get(self.world.bases["c4th"] + "/oneroster/export", timeout=60)
        self.export = tmp / "RO_20260401.zip"
        self.export.write_bytes(resp.content)
        text = config_text(tmp, self.world.bases)
        for kind in KINDS[1:]:  # only （知的障害） is mapped: the other titles are held
            text = text.replace(f'"{c4th_suffix(kind.term)}" = ""\n', "")
        self.config = tmp / "city.toml"
        self.config.write_text(text, "utf-8")
        self.out = tmp / "out"
        self.prepared = prepare(self.export, self.config, now=NOW, history_dir=tmp / "history")
        self.files = write_preparation(self.prepared, self.out)
        self.data = self.prepared.data

    def task(self, name: str) -> dict:
        return next(t for t in self.data["tasks"] if t["id"] == name)

    def people(self, rule: str) -> list[dict]:
        return [p for p in self.data["people"] if any(r["rule"] == rule for r in p["reasons"])]

    def csv_rows(self, school_code: str) -> list[dict[str, str]]:
        path = next((self.out / "schools").glob(f"{school_code}_*.csv"))
        return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
