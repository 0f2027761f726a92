"""Mocks as real servers for the loopback tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import requests

from harness.oneroster import write_bundle
from harness.oneroster.model import Bundle
from mocks.serve import MockServers


@contextlib.contextmanager
def served_with_bulk(names: list[str], bundle: Bundle, tmp: Path) -> Iterator[MockServers]:
    """``names`` as real servers on 127.0.0.1 (state files in ``tmp``), lgate holding the
    city's bulk."""
    with MockServers(names, port_base=0, state_dir=str(tmp / "state")) as servers:
        bulk = write_bundle(bundle, tmp / "RO_20250501_089901.zip").read_bytes()
        resp = requests.post(f"{servers.urls['lgate']}/oneroster/bulk", data=bulk, timeout=60,
                             headers={"Content-Type": "application/zip"})
        assert resp.status_code == 200, resp.text[:300]
        yield servers
