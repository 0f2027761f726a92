"""The sample OneRoster bundle gives these tests real findings to work on."""

from __future__ import annotations

from tests.bundlekit import make_bundle  # noqa: F401  (a fixture)
