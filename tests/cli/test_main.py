"""The ``renkei`` command as a whole: its entry points and its command groups."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_python_dash_m_harness_runs():
    proc = subprocess.run([sys.executable, "-m", "harness", "check", "oneroster", "--sample"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "PASS" in proc.stdout


def test_certify_help_lists_all_three_kinds(capsys):
    with pytest.raises(SystemExit):
        main(["certify", "--help"])
    out = capsys.readouterr().out
    assert all(k in out for k in ("lti-tool", "lti-platform", "oneroster-consumer"))
