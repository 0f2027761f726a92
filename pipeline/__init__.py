"""The integration pipeline: C4th export → e-portal, Microsoft 365 and the drill app.

Depends on ``harness`` only (never on mocks, fixtures or scenarios). The usual entry points::

    from pipeline import load_config, run_pipeline
    result = run_pipeline(load_config("city.toml"))
    result.exit_code  # 0 applied / 1 holds / 2 refused / 3 interrupted

See docs/pipeline.md for how it decides and docs/pipeline-rules.md for the PL catalogue.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigError", "RunResult", "load_config", "run_pipeline"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing one stage (pipeline.model, pipeline.http) stays light and the
    # delivery half can import the state without a cycle through the orchestration.
    if name in ("load_config", "ConfigError"):
        from pipeline import config

        return getattr(config, name)
    if name in ("run_pipeline", "RunResult"):
        from pipeline import run

        return getattr(run, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
