"""Peak resident memory (RSS) of this process, per phase of a run.

Linux keeps each process's peak RSS (``VmHWM`` in ``/proc/self/status``) and lets the process
reset it (``5`` written to ``/proc/self/clear_refs``), so a run can say how much memory each of
its phases needed, not only the whole run's peak. Elsewhere (no ``/proc``) the peak is
``getrusage``'s ``ru_maxrss``, which cannot be reset: each phase then shows the peak so far.

Before a new peak starts, the C allocator is asked to give its free pages back to the system
(glibc's ``malloc_trim``): a phase that built and dropped a city's rows leaves hundreds of MB
free inside the process's heap, which glibc keeps resident, and the next phase would start from
that instead of from what the process holds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
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


def _libc_trim() -> ctypes._CFuncPtr | None:
    name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


_TRIM = _libc_trim()


def release_free_memory() -> bool:
    """Give the C allocator's free memory back to the system (glibc ``malloc_trim``); False
    where there is no such call (other C libraries, other systems)."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


def reset_peak() -> bool:
    """Release free memory (:func:`release_free_memory`), then start a new peak at the
    current RSS; False where the system cannot (no ``/proc``)."""
    release_free_memory()
    try:
        _CLEAR.write_text("5")
    except OSError:
        return False
    return True
