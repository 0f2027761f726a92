"""Building the claim sets of LTI messages: resource link launches and Deep Linking requests.

Pure functions: no network IO, no clock except the ``now`` passed in (or ``time.time()``).
The jp-eportal mapping from OneRoster (学習eポータル標準モデル) lives here too:
``sub`` = users.userMasterIdentifier, ``lis.person_sourcedid`` = users.sourcedId,
``context.id`` = the class's stable id, student (児童生徒) → membership#Learner + person#Student,
teacher (教員) → membership#Instructor + person#Faculty.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.lti import constants as c

#: OneRoster role → LTI roles (jp-eportal mapping; configurable by passing ``role_map``).
ROLE_MAP: dict[str, tuple[str, ...]] = {
    "student": (c.LEARNER, c.STUDENT),
    "teacher": (c.INSTRUCTOR, c.FACULTY),
    "administrator": (c.MEMBERSHIP + "Administrator", c.INSTITUTION + "Administrator"),
}


@dataclass
class Person:
    """The user of a launch. ``sub`` None means an anonymous launch."""

    sub: str | None
    roles: list[str] = field(default_factory=list)
    given_name: str | None = None
    family_name: str | None = None
    name: str | None = None
    email: str | None = None
    person_sourcedid: str | None = None
    grade: str | None = None
    classname: str | None = None

    def identity_claims(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.sub is not None:
            out["sub"] = self.sub
        for key in ("given_name", "family_name", "name", "email"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def role_uris(role: str, role_map: Mapping[str, tuple[str, ...]] = ROLE_MAP) -> list[str]:
    """LTI role URIs for a OneRoster role name (``student``, ``teacher``, ...)."""
    try:
        return list(role_map[role])
    except KeyError:
        raise ValueError(f"no LTI roles mapped for OneRoster role {role!r}") from None


def person_from_oneroster(
    user: Mapping[str, str], *, role: str | None = None, grade: str | None = None,
    classname: str | None = None, role_map: Mapping[str, tuple[str, ...]] = ROLE_MAP,
) -> Person:
    """Map a OneRoster users.csv row to a launch :class:`Person` (jp-eportal mapping)."""
    role = role or user.get("role", "student")
    given, family = user.get("givenName") or None, user.get("familyName") or None
    return Person(
        sub=user.get("userMasterIdentifier") or user.get("sourcedId"),
        roles=role_uris(role, role_map),
        given_name=given, family_name=family,
        name=" ".join(p for p in (family, given) if p) or None,
        email=user.get("email") or None,
        person_sourcedid=user.get("sourcedId") or None,
        grade=grade or (user.get("grades") or "").split(",")[0] or None,
        classname=classname,
    )


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def build_launch_claims(
    *, issuer: str, client_id: str, deployment_id: str, nonce: str, target_link_uri: str,
    person: Person, resource_link: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None, tool_platform: Mapping[str, Any] | None = None,
    launch_presentation: Mapping[str, Any] | None = None, custom: Mapping[str, str] | None = None,
    services: Mapping[str, Any] | None = None, message_type: str = c.RESOURCE_LINK_REQUEST,
    deep_linking_settings: Mapping[str, Any] | None = None, now: float | None = None,
    lifetime: int = 300,
) -> dict[str, Any]:
    """The full claim set of an id_token (LTI Core 1.3 §5.3-5.4).

    ``custom.grade`` and ``custom.classname`` are filled from ``person`` when set, so launches
    meet the jp-eportal profile by default. ``services`` holds extra claims (NRPS, AGS) by name.
    """
    now = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": issuer, "aud": client_id, "azp": client_id, "iat": now, "exp": now + lifetime,
        "nonce": nonce, **person.identity_claims(),
        c.MESSAGE_TYPE: message_type, c.VERSION: c.LTI_VERSION, c.DEPLOYMENT_ID: deployment_id,
        c.TARGET_LINK_URI: target_link_uri, c.ROLES: list(person.roles),
    }
    if message_type == c.RESOURCE_LINK_REQUEST:
        claims[c.RESOURCE_LINK] = dict(resource_link or {"id": uuid.uuid4().hex})
    if deep_linking_settings is not None:
        claims[c.DL_SETTINGS] = dict(deep_linking_settings)
    if context is not None:
        claims[c.CONTEXT] = dict(context)
    if tool_platform is not None:
        claims[c.TOOL_PLATFORM] = dict(tool_platform)
    if launch_presentation is not None:
        claims[c.LAUNCH_PRESENTATION] = dict(launch_presentation)
    if person.person_sourcedid is not None:
        lis = {"person_sourcedid": person.person_sourcedid}
        if context is not None:
            lis["course_section_sourcedid"] = str(context.get("id"))
        claims[c.LIS] = lis
    extra = dict(custom or {})
    if person.grade is not None:
        extra.setdefault("grade", person.grade)
    if person.classname is not None:
        extra.setdefault("classname", person.classname)
    if extra:
        claims[c.CUSTOM] = extra
    for name, value in (services or {}).items():
        claims[name] = value
    return claims


def deep_linking_response_claims(
    *, client_id: str, platform_issuer: str, deployment_id: str, data: str | None,
    content_items: list[Mapping[str, Any]], nonce: str | None = None, now: float | None = None,
    lifetime: int = 300, msg: str | None = None,
) -> dict[str, Any]:
    """Claims of an LtiDeepLinkingResponse (Deep Linking 2.0 §4.5): iss = client_id."""
    now = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": client_id, "aud": platform_issuer, "iat": now, "exp": now + lifetime,
        "nonce": nonce or new_nonce(), c.MESSAGE_TYPE: c.DEEP_LINKING_RESPONSE,
        c.VERSION: c.LTI_VERSION, c.DEPLOYMENT_ID: deployment_id,
        c.DL_CONTENT_ITEMS: [dict(i) for i in content_items],
    }
    if data is not None:
        claims[c.DL_DATA] = data
    if msg is not None:
        claims[c.DL_MSG] = msg
    return claims


def resource_link_item(url: str, title: str, **extra: Any) -> dict[str, Any]:
    """One ``ltiResourceLink`` content item."""
    return {"type": "ltiResourceLink", "url": url, "title": title, **extra}
