"""The board's 準備状況レポート (preparation report): ``renkei rehearse --export … --config …``.

:func:`prepare` runs the pipeline's own plan path (:func:`pipeline.plan.plan_export`) on the
board's export against a *copy* of its state, touching no system (``--probe`` only reads), and
returns the report as data (:mod:`scenarios.preparation.build`); :func:`write_preparation` writes
``preparation.json``, ``preparation.html``, ``schools/*.csv`` and appends the history.

Layers: this package stands on pipeline and harness (DESIGN.md); nothing below imports it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core import RuleRegistry
from harness.oneroster import REGISTRY as ONEROSTER_RULES
from pipeline.config import Config, ConfigError, load_config
from pipeline.forecast import Forecast, forecast_rollover
from pipeline.plan import Planning, plan_export, policy_for
from pipeline.rules import REGISTRY as PIPELINE_RULES
from pipeline.state import State, StateError
from scenarios.preparation import history
from scenarios.preparation.build import Inputs, build_preparation
from scenarios.preparation.fixlists import write_fix_lists
from scenarios.preparation.page import render_preparation
from scenarios.preparation.probe import Prober
from scenarios.preparation.schedule import schedule_for


class PreparationError(Exception):
    """The export or the configuration cannot be used (the message says which and why)."""


@dataclass
class Prepared:
    """The report's data and where it came from."""

    data: dict[str, Any]
    planning: Planning
    config: Config
    history_dir: Path
    files: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 nothing blocks April; 1 people will be held; 2 the export or plan is refused."""
        return int(self.data["exit_code"])


def registry() -> RuleRegistry:
    """The OneRoster and pipeline catalogues in one registry (ids never overlap)."""
    combined = RuleRegistry("preparation")
    for source in (ONEROSTER_RULES, PIPELINE_RULES):
        for rule in source:
            if rule.id not in combined:
                combined.add(rule)
    return combined


def prepare(export: str | Path, config_path: str | Path, *, now: dt.datetime | None = None,
            probe: Prober | None = None, history_dir: str | Path | None = None) -> Prepared:
    """Build the report for ``export`` under the config at ``config_path``.

    :param probe: ``--probe``: reads each configured system first, and feeds the user lists
        it read to the initial link (first run only); None touches nothing.
    :param history_dir: where the history is kept (default: the config's state folder).
    :raises PreparationError: the configuration or the export cannot be read.
    """
    export = Path(export)
    if not export.is_file():
        raise PreparationError(f"{export}: no such file")
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise PreparationError(f"configuration: {exc}") from None
    now = now or dt.datetime.now(dt.UTC)
    probed = probe.run(config) if probe is not None else None
    sha = _sha256(export)
    schedule = schedule_for(now.date(), config.schedule)
    planning, forecast = plan_on_copy(export, config, sha, now=now, probe=probe,
                                      rollover=schedule.rollover)
    if probed is not None and probe is not None:
        probed["accounts_read"] = probe.read_targets
    inputs = Inputs(planning, config, schedule, export, sha, registry(), probe=probed,
                    generated_at=now.isoformat(timespec="seconds"), forecast=forecast)
    data = build_preparation(inputs)
    folder = Path(history_dir) if history_dir else config.state_path.parent
    earlier = history.load(folder)
    data["history"] = history.compare([*earlier, history.entry_for(data)])
    return Prepared(data, planning, config, folder)


def write_preparation(prepared: Prepared, out: Path) -> list[Path]:
    """Write the JSON, the page and the fix lists into ``out``; append the history."""
    out.mkdir(parents=True, exist_ok=True)
    data = prepared.data
    data["fix_lists"] = []
    files = write_fix_lists(data, out / "schools")
    data["fix_lists"] = [f"schools/{p.name}" for p in files]
    json_path = out / "preparation.json"
    # compact: json's C encoder serves only indent=None (indenting a city's report in pure
    # Python costs about a second at Tsukuba scale)
    json_path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                         "utf-8")
    html_path = out / "preparation.html"
    html_path.write_text(render_preparation(data), "utf-8")
    history.append(prepared.history_dir, history.entry_for(data))
    prepared.files = [json_path, html_path, *files]
    return prepared.files


def plan_on_copy(export: Path, config: Config, sha256: str, *, now: dt.datetime,
                 probe: Prober | None = None, rollover: dt.date | None = None
                 ) -> tuple[Planning, Forecast | None]:
    """The pipeline's own plan path on a *copy* of the configured state: their state file is
    only read, and the copy is removed.

    :param rollover: the rollover night: when the export is planned and is not itself the
        rollover, the night is foreseen too (:func:`pipeline.forecast.forecast_rollover`).
    :raises PreparationError: the state cannot be read.
    """
    with tempfile.TemporaryDirectory(prefix="renkei-preview-") as tmp:
        state_copy = Path(tmp) / "state.sqlite"
        try:
            if Path(config.state_path).exists():
                # A consistent copy (WAL included) of their state: the plan is made against
                # their last applied snapshot, and their file is only read.
                with sqlite3.connect(f"file:{config.state_path}?mode=ro", uri=True) as src, \
                        sqlite3.connect(state_copy) as dst:
                    src.backup(dst)
            with State(state_copy) as state:
                accounts = probe.accounts_for(state) if probe is not None else None
                planning = plan_export(export, dataclasses.replace(config,
                                                                   state_path=state_copy),
                                       state, export_sha256=sha256, now=now, accounts=accounts)
                forecast = None
                if (rollover is not None and planning.outcome is not None
                        and planning.work is not None
                        and not any(d.rule == "PL315" for d in planning.outcome.plan.decisions)):
                    forecast = forecast_rollover(
                        planning.work, planning.outcome, policy_for(config),
                        salt=state.installation_salt(config.installation_salt),
                        night=rollover, today=now.date())
                return planning, forecast
        except (StateError, sqlite3.Error, OSError) as exc:
            raise PreparationError(f"state {config.state_path}: {exc}") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = ["PreparationError", "Prepared", "prepare", "registry", "write_preparation"]
