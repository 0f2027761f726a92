"""The report of one ``run_pipeline`` result, and secret-free error lines for the CLI."""

from __future__ import annotations

import os
from typing import Any

from pipeline.model import Decision, Plan
from pipeline.report.build import STATUSES, build_report

#: Exit code → status when the run result does not name one.
_BY_EXIT = {0: "applied", 1: "holds", 2: "refused", 3: "interrupted"}


def secrets_of(config: Any) -> list[str]:
    """The secret values the configuration points at (environment variables), to scrub."""
    names = []
    for part in ("source", "lgate", "drill"):
        names.append(getattr(getattr(config, part, None), "token_env", None))
    names.append(getattr(getattr(config, "m365", None), "client_secret_env", None))
    return [v for v in (os.environ.get(n) for n in names if n) if v]


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def safe_error(exc: BaseException, config: Any = None) -> str:
    """One line naming what failed; secret values from the environment are blanked out."""
    text = str(exc) or type(exc).__name__
    if not isinstance(exc, (OSError, ValueError)) and type(exc).__module__.split(".")[0] not in (
            "pipeline", "harness"):
        text = f"{type(exc).__name__}: {text}"
    return scrub(text.splitlines()[0] if text else text, secrets_of(config) if config else [])


def _status(result: Any, plan: Plan | None, dry_run: bool) -> str:
    status = getattr(result, "status", None)
    if status in STATUSES:
        return str(status)
    code = int(getattr(result, "exit_code", 0))
    if code == 2:
        return "refused" if plan is not None and plan.refused else "quarantined"
    if dry_run and code in (0, 1):
        return "dry-run"
    if code == 0 and (plan is None or plan.is_empty()):
        return "nothing-to-do"
    return _BY_EXIT.get(code, "interrupted")


def report_for_run(result: Any, config: Any, *, dry_run: bool = False) -> dict[str, Any]:
    """The report document for a :class:`pipeline.run.RunResult` (read by attribute)."""
    plan: Plan | None = getattr(result, "plan", None)
    applied = getattr(result, "applied", None) or getattr(result, "apply", None)
    delivery = {}
    if applied is not None and hasattr(applied, "targets"):
        delivery = {name: r.to_json() for name, r in applied.targets.items()}
    received = getattr(result, "received", None)
    export = None
    if received is not None:
        export = {"file": str(getattr(received, "filename", "")),
                  "sha256": str(getattr(received, "sha256", ""))}
    elif plan is not None:
        export = {"file": "", "sha256": plan.export_sha256}
    extra = [d for d in getattr(result, "decisions", ()) or () if isinstance(d, Decision)
             and (plan is None or d not in plan.decisions)]
    resumed = [getattr(p, "plan_id", getattr(p, "id", str(p)))
               for p in getattr(result, "resumed", ()) or ()]
    code = getattr(result, "exit_code", None)
    return build_report(
        municipality=str(getattr(config, "name", "")),
        board_code=str(getattr(config, "board_code", "")),
        status=_status(result, plan, dry_run), plan=plan, delivery=delivery,
        dry_run=dry_run, export=export,
        message=scrub(str(getattr(result, "message", "") or ""), secrets_of(config)),
        started_at=getattr(result, "started_at", None),
        finished_at=getattr(result, "finished_at", None), resumed=resumed,
        extra_decisions=extra, exit_code=int(code) if code is not None else None)
