"""What each target's delivery step works with, and what it reports back."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipeline.apply.journal import Journal
from pipeline.apply.targets import Targets
from pipeline.model import Plan

#: ``progress(target, done, total)``: called as a target's delivery advances.
Progress = Callable[[str, int, int], None]


def digest(value: Any) -> str:
    """A stable SHA-256 of a JSON-able value (what a target was sent, for comparison)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp_of(created_at: str) -> str:
    """A plan's time as OneRoster's dateLastModified (``YYYY-MM-DDTHH:MM:SS.sssZ``).

    Derived from the plan, not the clock, so a resumed plan sends byte-identical delta rows
    (the drill app treats them as unchanged).
    """
    try:
        when = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        when = datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@dataclass
class Context:
    """One plan's delivery: the plan, the journal, the clients and the progress callback."""

    plan: Plan
    journal: Journal
    targets: Targets
    progress: Progress | None = None

    @property
    def stamp(self) -> str:
        return stamp_of(self.plan.created_at)

    @property
    def day(self) -> str:
        return self.stamp[:10]

    def step_done(self, target: str, step: str) -> bool:
        """Whether the journal has ``step`` of ``target`` done for this plan (a resumed plan)."""
        return self.journal.step_status(self.plan.id, target, step) == "done"

    def tick(self, target: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(target, done, total)


@dataclass
class TargetResult:
    """How delivery to one target went.

    :param status: ``done`` (delivered), ``unchanged`` (nothing to send, nothing sent),
        ``failed`` (interrupted; safe to re-run) or ``skipped`` (not configured).
    :param counts: what was sent or changed (created, updated, disabled, …).
    :param problems: item-level notes (never a secret): ``{"subject", "reason"}``.
    """

    target: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    message: str = ""
    problems: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ApplyResult:
    """The delivery of one plan to every configured target."""

    plan_id: str
    targets: dict[str, TargetResult] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [t for t, r in self.targets.items() if r.status == "failed"]

    @property
    def interrupted(self) -> bool:
        """True when a target failed: the plan stays journaled and the next run finishes it."""
        return bool(self.failed)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def changed(self) -> bool:
        return any(r.status == "done" for r in self.targets.values())

    def to_json(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "ok": self.ok,
                "targets": {t: r.to_json() for t, r in self.targets.items()}}
