"""Fixtures shared by the delivery tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from pipeline.model import Roster
from tests.pipeline.applykit import roster_from_city, small_city


@pytest.fixture(scope="module")
def base_roster() -> Roster:
    """The small synthetic city's roster (built once per module; copy it before changing)."""
    return roster_from_city(small_city())


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    """A fresh in-memory state database."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    yield conn
    conn.close()
