"""From an export and the state to a plan: validate → read → preprocess → initial link →
passwords → reconcile → guard.

:func:`plan_export` is the one plan path: ``renkei pipeline run`` (:mod:`pipeline.run`, which
collects before and records and delivers after) and the board's preview (``renkei rehearse
--export``, which plans on a copy of the state) both call it. It does no network IO of its own
(the initial link's account lists come from a callable the caller passes) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core.gcpause import lasting_pass, no_cyclic_gc
from harness.oneroster.model import Bundle
from pipeline.config import Config
from pipeline.http import TargetError
from pipeline.link import LinkResult, initial_link, known_owners
from pipeline.model import Decision, Roster
from pipeline.preprocess import preprocess, school_year_of
from pipeline.preprocess.passwords import Passwords, attach_passwords, load_passwords
from pipeline.preprocess.people import OwnersOf
from pipeline.preprocess.work import Work
from pipeline.reconcile import Keys, Outcome, Policy, reconcile
from pipeline.state import State
from pipeline.validate import Validation, validate

#: Lists the accounts the targets already hold (target name → OneRoster JSON users), or None
#: when there is no initial link to make; may raise :class:`pipeline.http.TargetError`.
AccountLister = Callable[[], "Mapping[str, Sequence[Mapping[str, Any]]] | None"]


def first_run(state: State) -> bool:
    """True before the first applied plan: the initial link (名寄せ) reads the targets then."""
    return state.keymap_empty() and state.previous_roster() is None


def plan_id_for(now: dt.datetime, sha256: str) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%S')}-{sha256[:8]}"


@dataclass
class Planning:
    """One export through the plan path. ``status``: ``planned``; ``quarantined`` (ERROR
    findings) or ``unreadable`` (refused); ``no-accounts`` (the initial link's account lists
    could not be read: ``message`` says why). Only a planned one has a bundle, an outcome and
    the work.

    :param notes: the plan path's own decisions before the plan's (PL102, PL103, PL104).
    :param work: the preprocessed drafts (every person of the export with the rules that hold
        them, where they are and what was rewritten): what a preview reports person by person.
    """

    status: str
    validation: Validation
    notes: list[Decision] = field(default_factory=list)
    message: str = ""
    bundle: Bundle | None = None
    outcome: Outcome | None = None
    work: Work | None = None


def plan_export(path: str | os.PathLike[str], config: Config, state: State, *,
                export_sha256: str, now: dt.datetime, accounts: AccountLister | None = None,
                passwords: Passwords | None = None, plan_id: str | None = None) -> Planning:
    """Check, read and plan the export at ``path`` against ``state`` (reads the state only).

    :param accounts: called once the export is known to be usable, for the initial link; a
        :class:`pipeline.http.TargetError` it raises makes the status ``no-accounts``.
    """
    with lasting_pass():  # in a run, the plan lives on: not scanned by each generation
        return _plan_export(path, config, state, export_sha256=export_sha256, now=now,
                            accounts=accounts, passwords=passwords, plan_id=plan_id)


def _plan_export(path: str | os.PathLike[str], config: Config, state: State, *,
                 export_sha256: str, now: dt.datetime, accounts: AccountLister | None,
                 passwords: Passwords | None, plan_id: str | None) -> Planning:
    validation = validate(path, profile=config.profile)
    if validation.quarantined:
        rules = ", ".join(sorted(validation.errors)) or "unreadable"
        count = sum(validation.errors.values()) or 1
        return Planning("quarantined", validation,
                        [_note("PL103", "refuse", export_sha256, count=count, rules=rules)],
                        message=f"quarantined: {count} ERROR findings ({rules})")
    notes: list[Decision] = []
    if validation.tolerated:
        notes.append(_note("PL104", "report", export_sha256,
                           count=sum(validation.tolerated.values()),
                           rules=", ".join(sorted(validation.tolerated))))
    # the bundle the check parsed: the export is read once (a checked bundle without ERROR
    # findings always has one; PL102 stays for an export the check could not keep)
    bundle = validation.bundle
    if bundle is None:
        reason = "the check kept no bundle"
        notes.append(_note("PL102", "refuse", export_sha256, reason=reason))
        return Planning("unreadable", validation, notes, message=f"unreadable: {reason}")
    try:
        listed = accounts() if accounts is not None else None
    except TargetError as exc:
        return Planning("no-accounts", validation, notes, message=str(exc), bundle=bundle)
    outcome, work = _planned(bundle, config, state, export_sha256=export_sha256, now=now,
                             accounts=listed, passwords=passwords, plan_id=plan_id)
    return Planning("planned", validation, notes, bundle=bundle, outcome=outcome, work=work)


def _note(rule: str, action: str, subject: str, **fields: object) -> Decision:
    return Decision(rule, action, subject, "all", {k: str(v) for k, v in fields.items()})


def make_plan(bundle: Bundle, config: Config, state: State, *, export_sha256: str,
              now: dt.datetime,
              accounts: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
              passwords: Passwords | None = None, plan_id: str | None = None) -> Outcome:
    """Decide everything for one export (preprocess + link + reconcile, no network).

    :param accounts: on the first run, target name → the accounts it already holds (OneRoster
        JSON users), the e-portal first; None or empty: no initial link.
    :param passwords: the board's file, read from ``config.password_file`` when None.
    """
    return _planned(bundle, config, state, export_sha256=export_sha256, now=now,
                    accounts=accounts, passwords=passwords, plan_id=plan_id)[0]


def _planned(bundle: Bundle, config: Config, state: State, *, export_sha256: str,
             now: dt.datetime, accounts: Mapping[str, Sequence[Mapping[str, Any]]] | None,
             passwords: Passwords | None, plan_id: str | None) -> tuple[Outcome, Work]:
    with no_cyclic_gc():
        return _make_plan(bundle, config, state, export_sha256=export_sha256, now=now,
                          accounts=accounts, passwords=passwords, plan_id=plan_id)


def _make_plan(bundle: Bundle, config: Config, state: State, *, export_sha256: str,
               now: dt.datetime, accounts: Mapping[str, Sequence[Mapping[str, Any]]] | None,
               passwords: Passwords | None, plan_id: str | None) -> tuple[Outcome, Work]:
    previous = state.previous_roster()
    absent = state.absent()
    year = school_year_of(bundle) or _school_year(now)
    owners = _owners(previous, absent, known_owners(accounts) if accounts else {})
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
    # who is not new: looked up where they are, the key map first (on a usual night it
    # holds everyone), not copied into one more city-sized set
    attach_passwords(work, passwords, (people_keys, absent,
                                       previous.people if previous is not None else {},
                                       link.ids if link is not None else {}))
    keys = Keys(salt=state.installation_salt(config.installation_salt), people=people_keys,
                schools=state.keymap("school"), classes=state.keymap("class"),
                targets=state.keymap_targets("person"))
    outcome = reconcile(work, previous, keys, link=link, absent=absent,
                        policy=policy_for(config),
                        plan_id=plan_id or plan_id_for(now, export_sha256),
                        export_sha256=export_sha256, now=now)
    return outcome, work


def policy_for(config: Config) -> Policy:
    """The config's grace policy and mass-change guard."""
    return Policy(grace_days=config.grace_days, max_share=config.guard_max_share,
                  min_users=config.guard_min_users)


def _owners(previous: Roster | None, absent: Mapping[str, Mapping[str, Any]],
            accounts: Mapping[str, str]) -> OwnersOf:
    """Who owns a GIGA id: the previous roster's person (the last one with it), else an
    absent person, else (first run) a target's account; looked up for the GIGA ids asked
    only, not made into a map of the whole city."""
    def owners(upns: Collection[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        if not upns:
            return out
        if previous is not None:
            for p in previous.people.values():
                if p.upn in upns:
                    out[p.upn] = p.umi
        for umi, a in absent.items():
            upn = str(a["record"].get("upn", ""))
            if upn in upns:
                out.setdefault(upn, umi)
        for upn in upns:
            if upn in accounts:
                out.setdefault(upn, accounts[upn])
        return out
    return owners


def _school_year(now: dt.datetime) -> int:
    return now.year if now.month >= 4 else now.year - 1
