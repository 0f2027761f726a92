"""The initial link (名寄せ, nayose): adopt the accounts targets already hold (PL401–PL404).

On the first run (an empty key map) the e-portal and the drill app may already hold the city's
pupils, entered by hand or by an earlier tool (pilot §3.5.1). Each incoming pupil is matched to
those accounts by GIGA account id; a match adopts the account's sourcedId, so nothing is
created twice. Pure logic: the account lists come in (the clients fetch them), decisions and
adopted ids go out.

A match is refused (the pupil held, PL403) when the account carries another
userMasterIdentifier, or has none and another name — most likely a wrong GIGA id in C4th. An
incoming pupil whose GIGA id matches nothing but whose userMasterIdentifier is on an account
with another GIGA id is held too: creating it would give the pupil a second account.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.preprocess.source import giga_id
from pipeline.preprocess.work import PersonDraft, Work

#: Accounts with these roles are staff: outside the flow unless teachers are on (pilot §3.1).
STAFF_ROLES = frozenset({"teacher", "administrator", "principal", "siteAdministrator",
                         "districtAdministrator", "systemAdministrator", "aide", "proctor"})


@dataclass
class LinkResult:
    """Adopted ids: ``ids`` umi → the id every target will see (the e-portal's when it had
    one); ``target_ids`` target → umi → that target's own id where it differs."""

    ids: dict[str, str] = field(default_factory=dict)
    target_ids: dict[str, dict[str, str]] = field(default_factory=dict)


def account_upn(account: Mapping[str, Any]) -> str:
    """The GIGA id of a OneRoster JSON user: userIds type Office365, else the username."""
    for uid in account.get("userIds") or ():
        if isinstance(uid, Mapping) and str(uid.get("type", "")).lower() == "office365":
            return str(uid.get("identifier", "")).strip().lower()
        if isinstance(uid, str) and giga_id(uid):
            return giga_id(uid)
    return str(account.get("username", "")).strip().lower()


def _roles(account: Mapping[str, Any]) -> set[str]:
    out = set()
    for r in account.get("roles") or ():
        out.add(str(r.get("role", "")) if isinstance(r, Mapping) else str(r))
    if account.get("role"):
        out.add(str(account["role"]))
    return out


def _norm_name(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def known_owners(accounts: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    """GIGA id → userMasterIdentifier as the targets hold it (for the duplicate cleanse)."""
    out: dict[str, str] = {}
    for items in accounts.values():
        for a in items:
            upn, umi = account_upn(a), str(a.get("userMasterIdentifier") or "").lower()
            if upn and umi:
                out.setdefault(upn, umi)
    return out


def initial_link(work: Work, accounts: Mapping[str, Sequence[Mapping[str, Any]]], *,
                 teachers: bool = False) -> LinkResult:
    """Match the work's people to ``accounts`` (target name → OneRoster JSON users)."""
    result = LinkResult()
    incoming_upns = {p.upn for p in work.people if p.upn}
    for target, items in accounts.items():
        by_upn: dict[str, list[Mapping[str, Any]]] = {}
        by_umi: dict[str, Mapping[str, Any]] = {}
        for a in items:
            if not teachers and _roles(a) & STAFF_ROLES:
                continue
            upn = account_upn(a)
            if upn:
                by_upn.setdefault(upn, []).append(a)
            umi = str(a.get("userMasterIdentifier") or "").lower()
            if umi:
                by_umi[umi] = a
        for p in work.people:
            if p.held:
                continue
            _match(work, result, target, p, by_upn.get(p.upn, []), by_umi.get(p.umi))
        for upn, found in by_upn.items():
            if upn not in incoming_upns:
                for a in found:
                    work.decide("PL402", "report", upn, target=target, upn=upn,
                                sourced_id=a.get("sourcedId", ""))
    for target, ids in list(result.target_ids.items()):
        result.target_ids[target] = {u: i for u, i in ids.items() if result.ids.get(u) != i}
    return result


def _match(work: Work, result: LinkResult, target: str, p: PersonDraft,
           found: list[Mapping[str, Any]], same_umi: Mapping[str, Any] | None) -> None:
    if len(found) > 1:
        work.hold(p, "PL404", target=target, upn=p.upn, count=len(found), umi=p.umi)
        return
    if not found:
        if same_umi is not None:
            work.hold(p, "PL403", target=target, upn=account_upn(same_umi), umi=p.umi,
                      reason=f"the account with this userMasterIdentifier has GIGA id "
                      f"{account_upn(same_umi)}, C4th has {p.upn}")
        return
    a = found[0]
    umi = str(a.get("userMasterIdentifier") or "").lower()
    if umi and umi != p.umi:
        work.hold(p, "PL403", target=target, upn=p.upn, umi=p.umi,
                  reason=f"userMasterIdentifier {umi}")
        return
    if not umi and (_norm_name(str(a.get("familyName", ""))) != _norm_name(p.family_name)
                    or _norm_name(str(a.get("givenName", ""))) != _norm_name(p.given_name)):
        work.hold(p, "PL403", target=target, upn=p.upn, umi=p.umi, reason="another name")
        return
    sid = str(a.get("sourcedId", ""))
    if not sid:
        return
    result.target_ids.setdefault(target, {})[p.umi] = sid
    result.ids.setdefault(p.umi, sid)  # the first target listed (the e-portal) gives the id
    work.decide("PL401", "link", p.umi, target=target, upn=p.upn, umi=p.umi, sourced_id=sid)


def adopted_umis(result: LinkResult) -> Iterable[str]:
    return result.ids.keys()
