"""Runs the real pipeline (``pipeline.run.run_pipeline``) against the vendor systems.

The driver writes a municipality configuration (TOML, as ``renkei pipeline init`` documents it)
pointing at the vendors' base URLs, keeps the board's ID・初期パスワード files in a folder the
configuration globs (mode 0600), and hands the pipeline the vendors' session factory: in-process
runs reach the mocks through the WSGI transport, live ones over loopback. The pipeline never
imports a mock.

The Microsoft 365 client secret is the mocks' development secret, put in the environment
variable the configuration names (the pipeline reads secrets only from there).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from harness.accounts.passwords import read_password_file, write_password_file
from harness.core.gcpause import no_cyclic_gc
from pipeline.example import special_needs_terms
from pipeline.model import CHANGES
from scenarios.vendors import Vendors

SECRET_ENV = "RENKEI_SCENARIO_M365_SECRET"
#: the m365 mock's default client (contract); a development secret, not a real one
DEV_CLIENT = ("renkei-pipeline", "renkei-dev-secret")
#: the Microsoft 365 tenant the configuration names
TENANT = "renkei"


class PipelineUnavailable(RuntimeError):
    """``pipeline.run.run_pipeline`` is not in this checkout (or failed to import)."""


@dataclass
class RunOutcome:
    """What one pipeline run did, as far as the scenarios need it (never a secret)."""

    exit_code: int
    decisions: list[Decision] = field(default_factory=list)
    refused: bool = False
    error: str = ""
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @functools.cached_property
    def held(self) -> dict[str, str]:
        """umi → reason for every person the run held (action ``hold``); computed once."""
        out: dict[str, str] = {}
        for d in self.decisions:
            if d["action"] == "hold":
                out[d["subject"]] = d["rule"] + " " + d["fields"].get("reason", "")
        return out

    def by_action(self, action: str) -> list[Decision]:
        return [d for d in self.decisions if d["action"] == action]

    def counts(self) -> dict[str, int]:
        return dict(Counter(d["action"] for d in self.decisions))


#: the fields of a decision that changes a target: the scenarios read none of them
_NO_FIELDS: Mapping[str, str] = MappingProxyType({})


class Decision:
    """One decision of a run as the scenarios keep it, read like a dict (``d["action"]``).

    The message fields are kept for the decisions that report or hold (not
    :data:`pipeline.model.CHANGES`): the scenarios read those (a hold's reason, a dropped
    stale record), never a change's. A prefecture-scale run decides ~700,000 times; as plain
    dicts with every field those were about half a GB per run kept.
    """

    __slots__ = ("rule", "action", "subject", "target", "fields")

    def __init__(self, d: Any) -> None:
        intern = sys.intern
        self.rule = intern(str(getattr(d, "rule", "")))
        self.action = intern(str(getattr(d, "action", "")))
        self.subject = str(getattr(d, "subject", ""))
        self.target = intern(str(getattr(d, "target", "all")))
        self.fields = _NO_FIELDS if self.action in CHANGES else \
            {k: str(v) for k, v in dict(getattr(d, "fields", {}) or {}).items()}

    def __getitem__(self, key: str) -> Any:
        if key not in self.__slots__:
            raise KeyError(key)
        return getattr(self, key)

    def __repr__(self) -> str:
        return f"Decision({self.rule} {self.action} {self.subject} {self.target})"


class PipelineDriver:
    """The pipeline of one scenario run, with its configuration and state folder.

    :param workdir: holds ``renkei.toml``, ``state/`` and ``passwords/``.
    :param options: overrides of the configuration (``display_grades``, ``grace_days``,
        ``guard_max_share``).
    """

    def __init__(self, vendors: Vendors, workdir: str | Path, **options: Any) -> None:
        self.vendors = vendors
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.options = {"display_grades": True, "grace_days": None, "guard_max_share": 0.05,
                        "guard_min_users": 50, **options}
        self.password_dir = self.workdir / "passwords"
        self.password_dir.mkdir(mode=0o700, exist_ok=True)
        self.config_path = self.workdir / "renkei.toml"
        self._serial = 0
        os.environ.setdefault(SECRET_ENV, DEV_CLIENT[1])
        self.write_config()

    def config_text(self) -> str:
        """The municipality configuration pointing at the vendors (no secret in it)."""
        u = self.vendors.urls
        o = self.options
        terms = special_needs_terms()
        ca = self.vendors.ca_file
        trust = f'ca_file = "{ca}"\n' if ca else ""
        grace = o["grace_days"]
        return f'''# written by renkei's scenario runner
[municipality]
name = "scenario"
board_code = "{o.get("board_code", "089901")}"

[state]
path = "state/renkei.sqlite"

[source]
url = "{u["c4th"]}"
{trust}
[targets.lgate]
url = "{u["lgate"]}"
{trust}
[targets.m365]
graph_url = "{u["m365"]}"
tenant = "{TENANT}"
client_id = "{DEV_CLIENT[0]}"
client_secret_env = "{SECRET_ENV}"
student_sku = "STANDARDWOFFPACK_STUDENT"
{trust}
[targets.drill]
url = "{u["interactive_study"]}"
{trust}
[accounts]
password_file = "passwords/*.csv"
teachers = false

[special_needs.terms]
{terms}

[display_grades]
enabled = {"true" if o["display_grades"] else "false"}

[grace]
enabled = {"false" if grace is None else "true"}
days = {grace or 90}

[guard]
max_share = {o["guard_max_share"]}
min_users = {o["guard_min_users"]}
'''

    def write_config(self) -> Path:
        self.config_path.write_text(self.config_text(), "utf-8")
        return self.config_path

    def set_option(self, key: str, value: Any) -> None:
        self.options[key] = value
        self.write_config()

    def load_config(self) -> Any:
        try:
            from pipeline.config import load_config
        except ImportError as exc:  # pragma: no cover - depends on the checkout
            raise PipelineUnavailable(f"pipeline.config is missing: {exc}") from None
        return load_config(self.config_path)

    # --- the board's password file ---------------------------------------------------------

    def add_password_file(self, data: bytes, *, leave_out: Iterable[str] = ()) -> list[str]:
        """Store the board's file (as c4th hands it), leaving out the pupils named.

        :returns: the userMasterIdentifiers in the stored file.
        """
        parsed = read_password_file(data)
        skip = set(leave_out)
        entries = [e for umi, e in parsed.entries.items() if umi not in skip]
        self._serial += 1
        write_password_file(self.password_dir / f"{self._serial:03d}.csv", entries)
        return [e.user_master_identifier for e in entries]

    def fetch_passwords(self, *, only_new: bool = True, leave_out: Iterable[str] = ()
                        ) -> list[str]:
        """Fetch the board's file for new pupils from c4th and store it."""
        return self.add_password_file(self.vendors.password_file(only_new=only_new),
                                      leave_out=leave_out)

    # --- runs --------------------------------------------------------------------------------

    def run(self, *, export: str | Path | None = None, dry_run: bool = False,
            now: dt.datetime | None = None,
            progress: Callable[..., Any] | None = None) -> RunOutcome:
        """Run the pipeline once; a pipeline failure becomes ``error``, never an exception."""
        try:
            from pipeline.run import run_pipeline
        except ImportError as exc:
            raise PipelineUnavailable(f"pipeline.run is missing: {exc}") from None
        config = self.load_config()
        started = time.perf_counter()
        try:
            result = run_pipeline(config, session_factory=self.vendors.session_factory,
                                  export=export, dry_run=dry_run, progress=progress, now=now)
        except Exception as exc:  # the pipeline's own bug: reported as the step's finding
            return RunOutcome(exit_code=-1, error=f"{type(exc).__name__}: {exc}",
                              seconds=time.perf_counter() - started)
        plan = getattr(result, "plan", None)
        raw = getattr(result, "decisions", None) or getattr(plan, "decisions", None) or ()
        with no_cyclic_gc():  # a city's decisions at once (see Decision)
            decisions = [Decision(d) for d in raw]
        return RunOutcome(
            exit_code=int(getattr(result, "exit_code", -1)), decisions=decisions,
            refused=bool(getattr(plan, "refused", False)),
            error="" if int(getattr(result, "exit_code", -1)) in (0, 1) else
            f"{getattr(result, 'status', '')}: {getattr(result, 'message', '')}".strip(": "),
            seconds=time.perf_counter() - started,
            phases=dict(getattr(result, "timings", None) or {}),
        )


def decisions_for(outcome: RunOutcome, *, action: str, subjects: Iterable[str] | None = None
                  ) -> Mapping[str, Decision]:
    """subject → decision of ``action`` (optionally only for ``subjects``)."""
    want = None if subjects is None else set(subjects)
    return {d["subject"]: d for d in outcome.by_action(action)
            if want is None or d["subject"] in want}
