"""From a validated bundle and the state to a plan: preprocess → initial link → passwords →
reconcile → guard. No network and no writes: :mod:`pipeline.run` fetches and records.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Mapping, Sequence
from typing import Any

from harness.oneroster.model import Bundle
from pipeline.config import Config
from pipeline.link import LinkResult, initial_link, known_owners
from pipeline.model import Roster
from pipeline.preprocess import preprocess, school_year_of
from pipeline.preprocess.passwords import Passwords, attach_passwords, load_passwords
from pipeline.reconcile import Keys, Outcome, Policy, reconcile
from pipeline.state import State


def plan_id_for(now: dt.datetime, sha256: str) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%S')}-{sha256[:8]}"


def make_plan(bundle: Bundle, config: Config, state: State, *, export_sha256: str,
              now: dt.datetime,
              accounts: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
              passwords: Passwords | None = None, plan_id: str | None = None) -> Outcome:
    """Decide everything for one export (preprocess + link + reconcile, no network).

    :param accounts: on the first run, target name → the accounts it already holds (OneRoster
        JSON users), the e-portal first; None or empty: no initial link.
    :param passwords: the board's file, read from ``config.password_file`` when None.
    """
    # Tens of thousands of small records and no reference cycles: the cyclic collector would
    # rescan them over and over (the checker does the same, harness/oneroster/checker.py).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _make_plan(bundle, config, state, export_sha256=export_sha256, now=now,
                          accounts=accounts, passwords=passwords, plan_id=plan_id)
    finally:
        if was_enabled:
            gc.enable()


def _make_plan(bundle: Bundle, config: Config, state: State, *, export_sha256: str,
               now: dt.datetime, accounts: Mapping[str, Sequence[Mapping[str, Any]]] | None,
               passwords: Passwords | None, plan_id: str | None) -> Outcome:
    previous = state.previous_roster()
    absent = state.absent()
    year = school_year_of(bundle) or _school_year(now)
    owners = _owners(previous, absent)
    if accounts:
        for upn, umi in known_owners(accounts).items():
            owners.setdefault(upn, umi)
    if passwords is None:
        passwords = load_passwords(config.password_file)
    # The board's ID file does not make an owner: it only vetoes a guess (its rows, conflicts
    # included, are ``claims``: a record a row points at is never dropped as stale).
    work = preprocess(bundle, school_year=year, known_owners=owners, claims=passwords.claims,
                      teachers=config.teachers,
                      titles=config.special_needs_titles, terms=config.special_needs_terms,
                      display_grades=config.display_grades)
    link: LinkResult | None = None
    if accounts:
        link = initial_link(work, accounts, teachers=config.teachers)
    people_keys = state.keymap("person")
    known = set(people_keys) | set(absent)
    if previous is not None:
        known |= set(previous.people)
    if link is not None:
        known |= set(link.ids)
    attach_passwords(work, passwords, known)
    keys = Keys(salt=state.installation_salt(config.installation_salt), people=people_keys,
                schools=state.keymap("school"), classes=state.keymap("class"),
                targets=state.keymap_targets("person"))
    policy = Policy(grace_days=config.grace_days, max_share=config.guard_max_share,
                    min_users=config.guard_min_users)
    return reconcile(work, previous, keys, link=link, absent=absent, policy=policy,
                     plan_id=plan_id or plan_id_for(now, export_sha256),
                     export_sha256=export_sha256,
                     now=now)


def _owners(previous: Roster | None, absent: Mapping[str, Mapping[str, Any]]
            ) -> dict[str, str]:
    owners: dict[str, str] = {}
    if previous is not None:
        owners.update({p.upn: p.umi for p in previous.people.values() if p.upn})
    for umi, a in absent.items():
        upn = str(a["record"].get("upn", ""))
        if upn:
            owners.setdefault(upn, umi)
    return owners


def _school_year(now: dt.datetime) -> int:
    return now.year if now.month >= 4 else now.year - 1
