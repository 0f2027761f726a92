"""What every system actually holds, read over its outside surface and normalised.

- lgate: the OneRoster read API (users, orgs, classes, enrollments; contract), so the harness
  sees what any tool sees;
- m365: ``/_admin/state`` users (Graph fields, never passwords);
- the drill app: ``/_admin/state`` users (status, enabledUser, school, class);
- the tools: ``/_admin/state`` launches.

The normalisers accept the OneRoster JSON shapes (``{"sourcedId": …}`` references) and the
flat CSV-like ones (``userSourcedId``), so one mock's storage choice never breaks a check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scenarios.vendors import Vendors

ROSTER = "/ims/oneroster/rostering/v1p2"


def pick(obj: Mapping[str, Any], *keys: str, default: Any = None) -> Any:
    """The first present, non-None value among ``keys`` (mocks name fields differently)."""
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return value
    return default


def ref(obj: Mapping[str, Any], name: str) -> str | None:
    """A OneRoster reference ``{"sourcedId": …}`` or a flat ``<name>SourcedId``."""
    value = obj.get(name)
    if isinstance(value, Mapping):
        return value.get("sourcedId")
    if isinstance(value, str):
        return value
    return obj.get(f"{name}SourcedId")


def upn_of(user: Mapping[str, Any]) -> str:
    """The GIGA id: userIds ``{type: Office365}`` (JSON) or ``{Office365:upn}`` (CSV form)."""
    for entry in user.get("userIds") or ():
        if isinstance(entry, Mapping) and str(entry.get("type", "")).lower() == "office365":
            return str(entry.get("identifier", ""))
        if isinstance(entry, str) and entry.startswith("{Office365:"):
            return entry[len("{Office365:"):].rstrip("}")
    return str(pick(user, "username", "upn", default=""))


def is_student(user: Mapping[str, Any]) -> bool:
    roles = user.get("roles")
    if isinstance(roles, list) and roles:
        return any((r.get("role") if isinstance(r, Mapping) else r) == "student" for r in roles)
    role = user.get("role")
    return role in (None, "student")


@dataclass
class PortalUser:
    """A student as the e-portal holds them."""

    sourced_id: str
    umi: str
    upn: str
    family_name: str
    given_name: str
    grades: tuple[str, ...]
    enabled: bool
    status: str
    schools: set[str] = field(default_factory=set)  # 学校コード
    classes: list[str] = field(default_factory=list)  # homeroom titles
    class_ids: list[str] = field(default_factory=list)


def lgate_users(vendors: Vendors) -> dict[str, list[PortalUser]]:
    """umi → the e-portal's student users with that userMasterIdentifier."""
    users = vendors.paged("lgate", f"{ROSTER}/users", "users")
    orgs = {o["sourcedId"]: o for o in vendors.paged("lgate", f"{ROSTER}/orgs", "orgs")}
    classes = {c["sourcedId"]: c for c in vendors.paged("lgate", f"{ROSTER}/classes", "classes")}
    enrol = vendors.paged("lgate", f"{ROSTER}/enrollments", "enrollments")
    by_user: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for e in enrol:
        if e.get("status", "active") == "active":
            by_user[ref(e, "user") or ""].append(e)
    out: dict[str, list[PortalUser]] = defaultdict(list)
    for u in users:
        if not is_student(u):
            continue
        pu = PortalUser(
            sourced_id=u["sourcedId"], umi=str(pick(u, "userMasterIdentifier", default="")),
            upn=upn_of(u), family_name=str(pick(u, "familyName", default="")),
            given_name=str(pick(u, "givenName", default="")),
            grades=tuple(u.get("grades") or ()), status=str(u.get("status", "active")),
            enabled=str(u.get("enabledUser", True)).lower() not in ("false", "0"),
        )
        for e in by_user.get(pu.sourced_id, ()):
            cls = classes.get(ref(e, "class") or "")
            if cls is None:
                continue
            pu.classes.append(str(cls.get("title", "")))
            pu.class_ids.append(cls["sourcedId"])
            org = orgs.get(ref(cls, "school") or ref(e, "school") or "")
            if org is not None:
                pu.schools.add(str(pick(org, "identifier", default=org.get("sourcedId"))))
        out[pu.umi].append(pu)
    return dict(out)


def m365_accounts(vendors: Vendors) -> dict[str, list[dict[str, Any]]]:
    """upn (lower case) → the Graph users with that userPrincipalName."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in vendors.state("m365").get("users", ()):
        out[str(pick(u, "userPrincipalName", "upn", default="")).lower()].append(u)
    return dict(out)


def drill_users(vendors: Vendors) -> dict[str, list[dict[str, Any]]]:
    """umi → the drill app's users with that userMasterIdentifier."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in vendors.state("interactive_study").get("users", ()):
        out[str(pick(u, "userMasterIdentifier", "umi", default=""))].append(u)
    return dict(out)


def enabled(record: Mapping[str, Any]) -> bool:
    """Whether a drill/Graph record is enabled (enabledUser / accountEnabled / status)."""
    flag = pick(record, "enabledUser", "accountEnabled", "enabled", default=True)
    if str(flag).lower() in ("false", "0"):
        return False
    return str(record.get("status", "active")) == "active"


def tool_launches(vendors: Vendors, tool: str) -> list[dict[str, Any]]:
    """Every launch the tool recorded, oldest first."""
    return list(vendors.state(tool).get("launches", ()))


@dataclass
class Observed:
    """One snapshot of the targets."""

    lgate: dict[str, list[PortalUser]]
    m365: dict[str, list[dict[str, Any]]]
    drill: dict[str, list[dict[str, Any]]]

    @classmethod
    def read(cls, vendors: Vendors) -> Observed:
        return cls(lgate_users(vendors), m365_accounts(vendors), drill_users(vendors))

    def counts(self) -> dict[str, int]:
        return {"lgate": sum(len(v) for v in self.lgate.values()),
                "m365": sum(len(v) for v in self.m365.values()),
                "drill": sum(len(v) for v in self.drill.values())}

    def fingerprint(self) -> dict[str, Any]:
        """A comparable digest of every record (for "nothing changed" checks)."""
        return {
            "lgate": sorted((u.sourced_id, u.umi, u.upn, u.grades, tuple(sorted(u.schools)),
                             tuple(sorted(u.classes)), u.enabled)
                            for users in self.lgate.values() for u in users),
            "m365": sorted((str(a.get("id")), k, enabled(a)) for k, accts in self.m365.items()
                           for a in accts),
            "drill": sorted((str(pick(u, "sourcedId", default="")), k, enabled(u))
                            for k, users in self.drill.items() for u in users),
        }
