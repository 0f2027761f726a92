"""lgate as the LTI 1.3 platform (プラットフォーム), built on ``harness.lti``.

The platform core (:class:`harness.lti.platform.Platform`), its services
(:class:`harness.lti.services.ServiceState`) and the platform app's ``lti`` and ``services``
blueprints are reused as they are, mounted under ``/lti``. What lgate adds:

- the tool registry: the three tool mocks by default (URLs from ``PEERS``) and any external tool
  from config ``TOOLS``, their key sets fetched through the mock's ``HTTP_SESSION``;
- keys per deployment, persisted beside a file database (``<db>-lti-keys/``, PEM files 0600);
- a ``tool_platform`` guid (UUID v4) made once per instance and kept in the store;
- launches built from the account store (:func:`launch_spec`), and NRPS rosters read from it;
- AGS and Deep Linking data kept across restarts (:mod:`mocks.lgate.persist`).
"""

from __future__ import annotations

import functools
import sqlite3
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests
from flask import Flask

from harness.lti import constants as c
from harness.lti.claims import ROLE_MAP, Person, role_uris
from harness.lti.http import LtiHttpClient
from harness.lti.jwks import KeySetCache, http_fetcher
from harness.lti.keys import KeyStore
from harness.lti.platform import LaunchSpec, Platform, ToolRegistration
from harness.lti.platform_app import PlatformState
from harness.lti.runner import Acceptance, AcceptanceError
from harness.lti.services import Member, ServiceState, launch_service_claims
from harness.oneroster.ids import stable_uuid4
from mocks.lgate.store import LaunchTarget, class_roster

DEPLOYMENT_ID = "renkei-1"
#: tool mock name → client_id (contract)
DEFAULT_TOOLS = {"interactive_study": "interactive-study", "tsubasa_book": "tsubasa-book",
                 "mirai_school": "mirai-school"}
_TOOL_KEYS = {"client_id", "login_url", "redirect_uris", "jwks_url", "jwks", "deployment_id",
              "deployment_ids", "target_link_uri", "deep_link_url", "scopes", "title",
              # how the harness recognises an accepted launch (lgate itself ignores it)
              "acceptance"}
COURSE_SECTION = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection"


class ToolConfigError(ValueError):
    """A ``TOOLS`` entry lgate cannot register; the message names the tool and the key."""


def tool_registrations(peers: Mapping[str, str], tools: Any) -> dict[str, ToolRegistration]:
    """name → registration: the default tool mocks present in ``peers``, then config ``TOOLS``.

    ``TOOLS`` is ``{name: {client_id, login_url, redirect_uris, jwks_url | jwks,
    deployment_id?, target_link_uri?, deep_link_url?, scopes?}}``; an entry named like a
    default tool replaces it.
    """
    out: dict[str, ToolRegistration] = {}
    for name, client_id in DEFAULT_TOOLS.items():
        base = peers.get(name)
        if not base:
            continue
        base = base.rstrip("/")
        out[name] = ToolRegistration(
            client_id=client_id, login_url=f"{base}/lti/login",
            redirect_uris=[f"{base}/lti/launch"], target_link_uri=f"{base}/lti/launch",
            deployment_ids=(DEPLOYMENT_ID,), jwks_url=f"{base}/lti/jwks",
            deep_link_url=f"{base}/lti/launch", name=name)
    if not tools:
        return out
    if not isinstance(tools, Mapping):
        raise ToolConfigError("TOOLS must map a tool name to its registration "
                              "{client_id, login_url, redirect_uris, jwks_url}")
    for name, entry in tools.items():
        out[str(name)] = _external(str(name), entry)
    clients = [r.client_id for r in out.values()]
    dupes = sorted({cid for cid in clients if clients.count(cid) > 1})
    if dupes:
        raise ToolConfigError(f"TOOLS: client_id {dupes[0]!r} is registered twice")
    return out


def _external(name: str, entry: Any) -> ToolRegistration:
    if not isinstance(entry, Mapping):
        raise ToolConfigError(f"TOOLS[{name!r}] must be an object")
    unknown = sorted(set(entry) - _TOOL_KEYS)
    if unknown:
        raise ToolConfigError(f"TOOLS[{name!r}]: unknown key {unknown[0]!r}; known: "
                              + ", ".join(sorted(_TOOL_KEYS)))
    for key in ("client_id", "login_url"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise ToolConfigError(f"TOOLS[{name!r}].{key} is required (a string)")
    uris = entry.get("redirect_uris")
    if isinstance(uris, str):
        uris = [uris]
    if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
        raise ToolConfigError(f"TOOLS[{name!r}].redirect_uris is required (a list of URLs)")
    if not entry.get("jwks_url") and not entry.get("jwks"):
        raise ToolConfigError(f"TOOLS[{name!r}] needs jwks_url (or a static jwks)")
    if "acceptance" in entry:
        try:
            Acceptance.from_mapping(entry["acceptance"])
        except AcceptanceError as exc:
            raise ToolConfigError(f"TOOLS[{name!r}].acceptance: {exc}") from None
    deployments = entry.get("deployment_ids") or [entry.get("deployment_id") or DEPLOYMENT_ID]
    scopes = entry.get("scopes") or c.ALL_SCOPES
    return ToolRegistration(
        client_id=entry["client_id"], login_url=entry["login_url"], redirect_uris=list(uris),
        target_link_uri=entry.get("target_link_uri") or uris[0],
        deployment_ids=tuple(str(d) for d in deployments), jwks_url=entry.get("jwks_url"),
        jwks=entry.get("jwks"), deep_link_url=entry.get("deep_link_url"),
        scopes=tuple(scopes), name=name)


def key_dir(database: str) -> Path | None:
    """Where the platform keys of a file database live; None for ``:memory:`` (keys in RAM)."""
    if not database or database == ":memory:":
        return None
    db = Path(database)
    return db.with_name(db.stem + "-lti-keys")


def ensure_guid(conn: sqlite3.Connection) -> str:
    """The instance's tool_platform guid: a UUID v4 made on first use, then kept in ``meta``."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'platform_guid'").fetchone()
    if row is not None:
        return str(row[0])
    guid = str(uuid.uuid4())
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('platform_guid', ?)", (guid,))
    return str(conn.execute("SELECT value FROM meta WHERE key = 'platform_guid'").fetchone()[0])


class StoreRoster:
    """NRPS members (名簿) read from the account store at request time, by class sourcedId.

    Stands in for :attr:`ServiceState.members`: the store, not the launches seen so far, says
    who is in a class.
    """

    def get(self, context_id: str, default: Any = None) -> list[Member] | None:
        from mocks.base import get_db

        rows = class_roster(get_db(), context_id)
        if rows is None:
            return default
        return [_member(r) for r in rows]

    def setdefault(self, key: str, default: list[Member]) -> list[Member]:
        return default  # a launch adds nobody: the store already holds every member

    def items(self) -> list[tuple[str, list[Member]]]:
        return []


def _member(row: sqlite3.Row) -> Member:
    role = row["e_role"] or row["role"]
    roles = list(ROLE_MAP.get(role, ()))
    active = row["status"] == "active" and bool(row["enabled_user"])
    return Member(user_id=row["user_master_identifier"] or row["sourced_id"], roles=roles,
                  name=f"{row['family_name']} {row['given_name']}".strip() or None,
                  given_name=row["given_name"] or None, family_name=row["family_name"] or None,
                  lis_person_sourcedid=row["sourced_id"],
                  status="Active" if active else "Inactive")


def setup_platform(app: Flask, guid: str) -> PlatformState:
    """Build the platform on ``app`` (``app.extensions["renkei_lti"]``, as platform_app's
    blueprints expect) with lgate's tools, keys and guid."""
    base = app.config["BASE_URL"].rstrip("/")
    lti_base = base + "/lti"
    keys = KeyStore(app.config.get("LTI_KEY_DIR") or key_dir(str(app.config["DATABASE"])))
    platform = Platform(app.config.get("ISSUER") or base, keys=keys, guid=guid,
                        name="L-Gate (renkei mock)")
    platform.base_url = lti_base  # Deep Linking return, NRPS and AGS live under /lti
    services = ServiceState(lti_base + "/token", {}, {})
    services.members = StoreRoster()  # type: ignore[assignment]
    st = PlatformState(platform, services, {}, base_learned=True)
    services.key_sets = st.key_sets
    platform.services = _service_claims(lti_base)
    session = app.config.get("HTTP_SESSION") or requests.Session()
    fetch = http_fetcher(LtiHttpClient(timeout=5, session=session))
    regs = tool_registrations(app.config.get("PEERS") or {}, app.config.get("TOOLS"))
    for reg in regs.values():
        platform.register(reg)
        st.key_sets[reg.client_id] = KeySetCache(reg.jwks_url, fetch, static=reg.jwks)
        st.services.allowed_scopes[reg.client_id] = tuple(reg.scopes)  # type: ignore[index]
    app.extensions["renkei_lti"] = st
    app.extensions["lgate_tools"] = regs
    return st


def _service_claims(lti_base: str) -> Any:
    """NRPS and AGS claims for a launch into a class, as far as the tool's scopes allow."""

    def claims(reg: ToolRegistration, spec: LaunchSpec) -> dict[str, Any]:
        ctx_id = str((spec.context or {}).get("id") or "")
        if not ctx_id:
            return {}
        return launch_service_claims(reg.scopes, lti_base, ctx_id)

    return claims


def platform_settings(app: Flask) -> dict[str, Any]:
    """What a tool must register to be launched by this lgate, read from the built app itself
    (its issuer, its routes, its token URL, its registry and keys), so the values are the
    ones it will use.

    ``auth_login_url``, ``auth_token_url`` and ``key_set_url`` are the names PyLTI1p3 and
    ``renkei certify lti-tool --show-platform`` use.
    """
    st: PlatformState = app.extensions["renkei_lti"]
    base = app.config["BASE_URL"].rstrip("/")

    def route(endpoint: str) -> str:
        return base + next(app.url_map.iter_rules(endpoint)).rule

    regs: dict[str, ToolRegistration] = app.extensions["lgate_tools"]
    return {
        "issuer": st.platform.issuer,
        "auth_login_url": route("lti.auth"),
        "auth_token_url": st.services.token_url,
        "key_set_url": route("lgate.jwks"),
        "key_set_url_well_known": route("lti.jwks"),
        "launch_url": route("lgate.launch"),
        "tools": {name: {"client_id": r.client_id, "deployment_ids": list(r.deployment_ids),
                         "login_url": r.login_url, "redirect_uris": list(r.redirect_uris),
                         "jwks_url": r.jwks_url}
                  for name, r in regs.items()},
        "key_set": st.platform.keys.jwks(),
    }


class LaunchError(Exception):
    """A launch lgate cannot start; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@functools.lru_cache(maxsize=4096)
def resource_link_id(client_id: str, class_id: str) -> str:
    """The resource link of a tool in a class: the same id for every launch from there (kept
    for the classes launched from most recently)."""
    return stable_uuid4("lgate-resource-link", client_id, class_id)


def launch_spec(target: LaunchTarget, tool: ToolRegistration, *,
                deep_link: bool = False) -> LaunchSpec:
    """The launch of ``target`` into ``tool``: sub = userMasterIdentifier, context = the
    homeroom class, roles from the enrollment, custom grade/class_name/school_code/school_name.
    """
    u = target.user
    try:
        roles = role_uris(target.role)
    except ValueError:
        raise LaunchError(422, f"the user's role {target.role!r} has no LTI role "
                          f"(lgate maps {', '.join(ROLE_MAP)})") from None
    family, given = u["family_name"] or None, u["given_name"] or None
    person = Person(sub=u["user_master_identifier"], roles=roles, given_name=given,
                    family_name=family, name=" ".join(p for p in (family, given) if p) or None,
                    person_sourcedid=u["sourced_id"], grade=target.grade,
                    classname=target.class_title)
    custom = {k: v for k, v in (("grade", target.grade), ("class_name", target.class_title),
                                ("school_code", target.school_code),
                                ("school_name", target.school_name)) if v}
    context = None
    if target.class_id:
        context = {"id": target.class_id, "label": target.class_title or target.class_id,
                   "title": target.class_title or target.class_id, "type": [COURSE_SECTION]}
    link = {"id": resource_link_id(tool.client_id, target.class_id or "-"),
            "title": tool.name}
    return LaunchSpec(person, context=context, resource_link=link, custom=custom,
                      message_type=c.DEEP_LINKING_REQUEST if deep_link
                      else c.RESOURCE_LINK_REQUEST, case=f"lgate:{tool.name}")
