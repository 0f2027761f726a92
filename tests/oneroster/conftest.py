"""Fixtures for the OneRoster kit's tests: sample bundles, importers served on loopback."""

from __future__ import annotations

from tests.bundlekit import make_bundle  # noqa: F401  (a fixture)
from tests.loopback import serve  # noqa: F401  (a fixture)
