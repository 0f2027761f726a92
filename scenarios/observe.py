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

import sys
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scenarios.pipeline_driver import DEV_CLIENT, TENANT
from scenarios.vendors import Vendors

#: the Graph resource's app-only scope (client credentials)
GRAPH_SCOPE = "https://graph.microsoft.com/.default"

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


@dataclass(slots=True)
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
    """umi → the e-portal's student users with that userMasterIdentifier.

    Read page by page, keeping of each record only what the invariants look at: at a large
    city's scale the whole collections as JSON would be many times the compact form.
    """
    intern = sys.intern  # titles, grades, school codes and names repeat across pupils
    schools = {o["sourcedId"]: intern(str(pick(o, "identifier", default=o.get("sourcedId"))))
               for page in vendors.pages("lgate", f"{ROSTER}/orgs", "orgs") for o in page}
    classes: dict[str, tuple[str, str | None]] = {}
    for page in vendors.pages("lgate", f"{ROSTER}/classes", "classes"):
        for c in page:
            classes[c["sourcedId"]] = (intern(str(c.get("title", ""))), ref(c, "school"))
    by_user: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for page in vendors.pages("lgate", f"{ROSTER}/enrollments", "enrollments"):
        for e in page:
            if e.get("status", "active") == "active":
                by_user[ref(e, "user") or ""].append((ref(e, "class") or "", ref(e, "school")))
    out: dict[str, list[PortalUser]] = defaultdict(list)
    for page in vendors.pages("lgate", f"{ROSTER}/users", "users"):
        for u in page:
            if not is_student(u):
                continue
            pu = PortalUser(
                sourced_id=u["sourcedId"], umi=str(pick(u, "userMasterIdentifier", default="")),
                upn=upn_of(u), family_name=intern(str(pick(u, "familyName", default=""))),
                given_name=intern(str(pick(u, "givenName", default=""))),
                grades=tuple(intern(g) for g in u.get("grades") or ()),
                status=intern(str(u.get("status", "active"))),
                enabled=str(u.get("enabledUser", True)).lower() not in ("false", "0"),
            )
            for class_id, school_id in by_user.pop(pu.sourced_id, ()):
                cls = classes.get(class_id)
                if cls is None:
                    continue
                pu.classes.append(cls[0])
                pu.class_ids.append(class_id)
                school = schools.get(cls[1] or school_id or "")
                if school is not None:
                    pu.schools.add(school)
            out[pu.umi].append(pu)
    return dict(out)


def lgate_umis(vendors: Vendors) -> set[str]:
    """The userMasterIdentifiers of the e-portal's students (what :func:`lgate_users` keys
    by), read page by page without the rest of each record."""
    return {str(pick(u, "userMasterIdentifier", default=""))
            for page in vendors.pages("lgate", f"{ROSTER}/users", "users")
            for u in page if is_student(u)}


#: what the checks read of a Graph user and of a drill app user (the rest is not kept)
M365_FIELDS = ("id", "userPrincipalName", "upn", "accountEnabled", "enabledUser", "enabled",
               "status")
DRILL_FIELDS = ("sourcedId", "userMasterIdentifier", "umi", "enabledUser", "accountEnabled",
                "enabled", "status", "school", "school_code", "schoolCode", "class",
                "class_title", "classTitle")


def _kept(record: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: record[k] for k in keys if k in record}


def m365_accounts(vendors: Vendors) -> dict[str, list[dict[str, Any]]]:
    """upn (lower case) → the Graph users with that userPrincipalName (:data:`M365_FIELDS`),
    read as any Graph client reads them: an app-only token (the pipeline's client), then
    ``GET /v1.0/users`` with ``$select`` a page of 999 at a time (``@odata.nextLink``)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for page in graph_user_pages(vendors, ("id", "userPrincipalName", "accountEnabled")):
        for u in page:
            out[str(pick(u, "userPrincipalName", "upn", default="")).lower()].append(
                _kept(u, M365_FIELDS))
    return dict(out)


def graph_user_pages(vendors: Vendors, select: tuple[str, ...]) -> Iterator[list[dict[str, Any]]]:
    """Microsoft 365's users a page at a time through Graph (the token is never shown)."""
    client, secret = DEV_CLIENT
    token = vendors.send("m365", "POST", f"/{TENANT}/oauth2/v2.0/token", what="token", data={
        "grant_type": "client_credentials", "client_id": client, "client_secret": secret,
        "scope": GRAPH_SCOPE}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    path: str | None = f"/v1.0/users?$select={','.join(select)}&$top=999"
    while path is not None:
        body = vendors.send("m365", "GET", path, what="GET /v1.0/users",
                            headers=headers).json()
        yield body.get("value", [])
        link = body.get("@odata.nextLink")
        path = None if not link else urlsplit(link).path + "?" + urlsplit(link).query


def drill_users(vendors: Vendors) -> dict[str, list[dict[str, Any]]]:
    """umi → the drill app's users with that userMasterIdentifier (:data:`DRILL_FIELDS`),
    read a page at a time (``GET /_admin/users``, the accounts as ``/_admin/state`` lists
    them)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    intern = sys.intern
    for u in (u for page in _drill_pages(vendors) for u in page):
        kept = _kept(u, DRILL_FIELDS)
        # a school or class as an object: only what the placement check reads of it
        if isinstance(kept.get("school"), Mapping):
            kept["school"] = pick(kept["school"], "identifier", "school_code", "name",
                                  default="")
        if isinstance(kept.get("class"), Mapping):
            kept["class"] = pick(kept["class"], "title", default="")
        for key in ("school", "school_code", "schoolCode", "class", "class_title",
                    "classTitle", "status"):
            if isinstance(kept.get(key), str):
                kept[key] = intern(kept[key])
        out[str(pick(u, "userMasterIdentifier", "umi", default=""))].append(kept)
    return dict(out)


def _drill_pages(vendors: Vendors, size: int = 2000) -> Iterator[list[dict[str, Any]]]:
    after: str | None = ""
    while after is not None:
        body = vendors.call("interactive_study", "GET", "/_admin/users",
                            params={"after": after, "limit": size})
        yield body["users"]
        after = body["next"]


def enabled(record: Mapping[str, Any]) -> bool:
    """Whether a drill/Graph record is enabled (enabledUser / accountEnabled / status)."""
    flag = pick(record, "enabledUser", "accountEnabled", "enabled", default=True)
    if str(flag).lower() in ("false", "0"):
        return False
    return str(record.get("status", "active")) == "active"


def tool_launches(vendors: Vendors, tool: str) -> list[dict[str, Any]]:
    """Every launch the tool recorded, oldest first."""
    return [rec for page in tool_launch_pages(vendors, tool) for rec in page]


def tool_launch_pages(vendors: Vendors, tool: str, *, size: int = 2000,
                      only: Sequence[str] | None = None) -> Iterator[list[dict[str, Any]]]:
    """The tool's launch log a page at a time (``GET /_admin/launches``), oldest first;
    ``only``: these fields of each entry (and its ``id``)."""
    after: int | None = 0
    params: dict[str, Any] = {"limit": size}
    if only is not None:
        params["fields"] = ",".join(only)
    while after is not None:
        body = vendors.call(tool, "GET", "/_admin/launches", params={"after": after, **params})
        yield body["launches"]
        after = body["next"]


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
