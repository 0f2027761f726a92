"""For the tests of bench/: a bench script loaded as a module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_bench(script: str) -> ModuleType:
    """``bench/<script>.py`` as the module ``bench_<script>`` (registered in sys.modules, so
    its dataclasses and pickles resolve): bench/ is scripts, not a package."""
    spec = importlib.util.spec_from_file_location(f"bench_{script}",
                                                  ROOT / "bench" / f"{script}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
