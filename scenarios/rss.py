"""Peak resident memory (RSS) of this process, per phase of a run.

Linux keeps each process's peak RSS (``VmHWM`` in ``/proc/self/status``) and lets the process
reset it (``5`` written to ``/proc/self/clear_refs``), so a run can say how much memory each of
its phases needed, not only the whole run's peak. Elsewhere (no ``/proc``) the peak is
``getrusage``'s ``ru_maxrss``, which cannot be reset: each phase then shows the peak so far.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR = Path("/proc/self/clear_refs")


def peak_rss_mb() -> float:
    """This process's peak RSS in MB since it started or since :func:`reset_peak`."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2 ** 20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS


def reset_peak() -> bool:
    """Start a new peak at the current RSS; False where the system cannot (no ``/proc``)."""
    try:
        _CLEAR.write_text("5")
    except OSError:
        return False
    return True
