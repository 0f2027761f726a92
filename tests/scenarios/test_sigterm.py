"""A stopped run (SIGTERM: kill, a timeout) still runs its ``finally`` blocks, which remove its
state folder from RAM (/dev/shm), and the handler is put back afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sigterm_inside_runs_the_finally_blocks_and_exits_143(tmp_path: Path) -> None:
    marker = tmp_path / "cleaned"
    code = textwrap.dedent(f"""
        import os, signal, time
        from scenarios.runner import exit_on_sigterm
        with exit_on_sigterm():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(30)
            finally:
                open({str(marker)!r}, "w").write("removed")
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, timeout=60, check=False)
    assert done.returncode == 143 and marker.read_text() == "removed"


def test_the_previous_handler_is_back_afterwards() -> None:
    from scenarios.runner import exit_on_sigterm

    before = signal.getsignal(signal.SIGTERM)
    with exit_on_sigterm():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
