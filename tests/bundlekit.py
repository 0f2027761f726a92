"""The sample OneRoster bundle, written to disk with a test's own edits.

``make_bundle`` is a fixture: import it into a conftest to use it there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.oneroster import write_bundle
from harness.oneroster.testset.base import sample_bundle


@pytest.fixture
def make_bundle(tmp_path):
    """Factory: write the sample bundle (optionally changed by ``edit``) and return its path."""
    counter = iter(range(1000))

    def make(edit=None, *, profile: str = "jp-eportal-v4", zipped: bool = True) -> Path:
        bundle = sample_bundle(profile)
        if edit is not None:
            edit(bundle)
        folder = tmp_path / f"b{next(counter)}"
        name = "RO_20250501_082201.zip" if zipped else "RO_20250501_082201"
        return write_bundle(bundle, folder / name)

    return make
