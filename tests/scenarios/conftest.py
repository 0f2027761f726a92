"""Shared helpers: a ``renkei`` parser with this brief's commands registered (the lead adds
``scenario`` and ``rehearse`` to harness.cli.main.COMMANDS; until then the tests add them)."""

from __future__ import annotations

import pytest

from harness.cli import main as cli
from tests.loopback import serve  # noqa: F401  (a fixture for the --probe tests)


@pytest.fixture
def renkei(monkeypatch):
    """Run ``renkei ARGS…`` in-process; returns the exit code."""
    commands = tuple(dict.fromkeys((*cli.COMMANDS, "scenario", "rehearse")))
    monkeypatch.setattr(cli, "COMMANDS", commands)
    return lambda *args: cli.main([str(a) for a in args])
