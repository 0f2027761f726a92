"""Helpers shared by command modules: the usage error, writing outputs safely."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


class UsageError(Exception):
    """Bad arguments or unusable input named by the user; printed without a traceback."""


def write_output(text: str, output: str | None) -> None:
    """Print ``text``, or write it to ``output`` atomically (a temp file renamed into place),
    so an interrupted run never leaves a half-written report."""
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
