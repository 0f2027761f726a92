"""Claim checks on decoded LTI messages. Pure: data in, findings out; never raises on bad data.

Each function lists the rules it can emit in its docstring; ``file`` of a finding is the case
id or message name, ``value`` the offending claim value (never a token or key).
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from harness.core import FindingCollector
from harness.lti import constants as c

_GRADE = re.compile(r"^(P[1-6]|J[1-3]|H[1-3])$")


@dataclass
class Expectation:
    """What a receiver expects of a message: its registration and the login that started it.

    :param leeway: clock leeway in seconds for exp and iat.
    :param max_age: the oldest iat accepted, in seconds.
    :param login_target_link_uri: the target_link_uri of the login initiation, if known.
    """

    issuer: str
    client_id: str
    deployment_ids: Collection[str] = ()
    message_types: Collection[str] = c.MESSAGE_TYPES
    leeway: float = 60.0
    max_age: float = 3600.0
    login_iss: str | None = None
    login_target_link_uri: str | None = None
    login_deployment_id: str | None = None
    #: an LtiResourceLinkRequest without ``sub`` is an anonymous launch (LTI Core §5.3.6.1):
    #: a platform may send one; a tool that needs to know the user may still refuse it
    anonymous_ok: bool = False
    now: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _is_num(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def check_security_claims(claims: Mapping[str, Any], out: FindingCollector, exp: Expectation,
                          *, case: str) -> None:
    """iss, aud, azp, exp, iat, nbf, nonce present. Rules: LT106-LT113, LT116, LT117, LT120."""
    now = time.time() if exp.now is None else exp.now
    iss = claims.get("iss")
    if iss != exp.issuer:
        out.add("LT106", file=case, value=iss, expected=exp.issuer)
    if exp.login_iss is not None and iss != exp.login_iss:
        out.add("LT117", file=case, value=iss, expected=exp.login_iss)
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if exp.client_id not in auds:
        out.add("LT107", file=case, value=aud, expected=exp.client_id)
    azp = claims.get("azp")
    if azp is not None and azp != exp.client_id:
        out.add("LT109", file=case, value=azp, expected=exp.client_id)
    trusted = exp.extra.get("trusted_audiences", ())
    others = [a for a in auds if a != exp.client_id and a not in trusted]
    if others and exp.client_id in auds:
        # Security Framework §5.1.3 (3): reject additional audiences the tool does not trust,
        # whether or not azp names this client
        out.add("LT108", file=case, value=others)
    for name in ("exp", "iat"):
        if not _is_num(claims.get(name)):
            out.add("LT116", file=case, claim=name, value=claims.get(name))
    if _is_num(claims.get("exp")) and now >= claims["exp"] + exp.leeway:
        out.add("LT110", file=case, value=claims["exp"], now=int(now))
    iat = claims.get("iat")
    if _is_num(iat):
        if iat > now + exp.leeway:
            out.add("LT111", file=case, value=iat, now=int(now))
        elif iat < now - exp.max_age - exp.leeway:
            out.add("LT112", file=case, value=iat, max_age=int(exp.max_age))
    nbf = claims.get("nbf")
    # nbf is optional (RFC 7519 §4.1.5) but, when present, binding: OIDC Core §3.1.3.7 asks
    # a client to reject what it cannot honour
    if nbf is not None and (not _is_num(nbf) or nbf > now + exp.leeway):
        out.add("LT120", file=case, value=nbf, now=int(now))
    if not claims.get("nonce"):
        out.add("LT113", file=case)


def check_message_claims(claims: Mapping[str, Any], out: FindingCollector, exp: Expectation,
                         *, case: str) -> None:
    """The LTI claims of a launch or Deep Linking request. Rules: LT200-LT223, LT230, LT119."""
    if not any(k.startswith(c.P) for k in claims):
        out.add("LT223", file=case, value="all https://purl.imsglobal.org/spec/lti/claim/*")
    mt = claims.get(c.MESSAGE_TYPE)
    if mt is None:
        out.add("LT200", file=case)
    elif mt not in exp.message_types:
        out.add("LT201", file=case, value=mt, expected=", ".join(exp.message_types))
    _check_version(claims, out, case)
    _check_deployment(claims, out, exp, case)
    tlu = claims.get(c.TARGET_LINK_URI)
    if mt == c.RESOURCE_LINK_REQUEST:
        if not tlu:
            out.add("LT207", file=case)
        rl = claims.get(c.RESOURCE_LINK)
        if not isinstance(rl, Mapping) or not rl.get("id"):
            out.add("LT209", file=case)
    if tlu and exp.login_target_link_uri is not None and tlu != exp.login_target_link_uri:
        out.add("LT208", file=case, value=tlu, expected=exp.login_target_link_uri)
    if mt == c.DEEP_LINKING_REQUEST:
        check_deep_linking_settings(claims.get(c.DL_SETTINGS), out, case=case)
    _check_roles(claims, out, case)
    _check_sub(claims, out, case,
               anonymous_ok=exp.anonymous_ok and mt == c.RESOURCE_LINK_REQUEST)
    _check_optional(claims, out, case)
    iss = claims.get("iss")
    if isinstance(iss, str):
        parts = urlsplit(iss)
        if parts.scheme != "https" or parts.query or parts.fragment:
            out.add("LT119", file=case, value=iss)


def _check_version(claims: Mapping[str, Any], out: FindingCollector, case: str) -> None:
    version = claims.get(c.VERSION)
    if version is None:
        out.add("LT202", file=case)
    elif version != c.LTI_VERSION:
        out.add("LT203", file=case, value=version)


def _check_deployment(claims: Mapping[str, Any], out: FindingCollector, exp: Expectation,
                      case: str) -> None:
    dep = claims.get(c.DEPLOYMENT_ID)
    if dep is None or dep == "":
        out.add("LT204", file=case)
        return
    if not isinstance(dep, str) or len(dep) > 255:
        out.add("LT222", file=case, value=dep)
        return
    if exp.deployment_ids and dep not in exp.deployment_ids:
        out.add("LT205", file=case, value=dep)
    if exp.login_deployment_id is not None and dep != exp.login_deployment_id:
        out.add("LT206", file=case, value=dep, expected=exp.login_deployment_id)


def _check_roles(claims: Mapping[str, Any], out: FindingCollector, case: str) -> None:
    if c.ROLES not in claims:
        out.add("LT210", file=case)
        return
    roles = claims[c.ROLES]
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        out.add("LT211", file=case, value=roles)
        return
    if roles and not any(r.startswith(c.LIS_ROLE_PREFIXES) for r in roles):
        out.add("LT212", file=case, value=roles)
    for role in roles:
        if role in c.SHORT_ROLES:
            out.add("LT213", file=case, value=role)
    if c.ROLE_SCOPE_MENTOR in claims and not any(r.endswith("#Mentor") for r in roles):
        out.add("LT220", file=case)


def _check_sub(claims: Mapping[str, Any], out: FindingCollector, case: str, *,
               anonymous_ok: bool) -> None:
    if "sub" not in claims or claims["sub"] in (None, ""):
        if not anonymous_ok:
            out.add("LT214", file=case)
        return
    sub = claims["sub"]
    if not isinstance(sub, str) or len(sub) > 255 or not sub.isascii():
        out.add("LT215", file=case, value=sub)


def _check_optional(claims: Mapping[str, Any], out: FindingCollector, case: str) -> None:
    ctx = claims.get(c.CONTEXT)
    if ctx is not None and (not isinstance(ctx, Mapping) or not ctx.get("id")):
        out.add("LT216", file=case)
    tp = claims.get(c.TOOL_PLATFORM)
    if tp is not None and (not isinstance(tp, Mapping) or not tp.get("guid")):
        out.add("LT221", file=case)
    lp = claims.get(c.LAUNCH_PRESENTATION)
    if isinstance(lp, Mapping) and "document_target" in lp \
            and lp["document_target"] not in c.DOCUMENT_TARGETS:
        out.add("LT219", file=case, value=lp["document_target"])
    custom = claims.get(c.CUSTOM)
    if isinstance(custom, Mapping):
        for key, value in custom.items():
            if not isinstance(value, str):
                out.add("LT217", file=case, claim=key, value=repr(value))


def check_deep_linking_settings(settings: object, out: FindingCollector, *, case: str) -> None:
    """Rules: LT230."""
    need = ("deep_link_return_url", "accept_types", "accept_presentation_document_targets")
    if not isinstance(settings, Mapping):
        out.add("LT230", file=case, value="deep_linking_settings missing")
        return
    missing = [k for k in need if not settings.get(k)]
    if missing:
        out.add("LT230", file=case, value=", ".join(missing))


def check_whitespace(claims: Mapping[str, Any], out: FindingCollector, *, case: str,
                     prefix: str = "") -> None:
    """Every string value, nested too, free of leading/trailing whitespace. Rules: LT218."""
    for key, value in claims.items():
        name = key.rsplit("/", 1)[-1] if key.startswith("http") else key
        path = f"{prefix}{name}"
        if isinstance(value, str) and value != value.strip():
            out.add("LT218", file=case, claim=path, value=repr(value))
        elif isinstance(value, Mapping):
            check_whitespace(value, out, case=case, prefix=path + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str) and item != item.strip():
                    out.add("LT218", file=case, claim=f"{path}[{i}]", value=repr(item))


def check_service_claims(claims: Mapping[str, Any], out: FindingCollector, *, case: str) -> None:
    """NRPS and AGS claims when present. Rules: LT311, LT312."""
    nrps = claims.get(c.NRPS_CLAIM)
    if nrps is not None:
        ok = isinstance(nrps, Mapping) and isinstance(nrps.get("context_memberships_url"), str) \
            and "2.0" in (nrps.get("service_versions") or [])
        if not ok:
            out.add("LT311", file=case, value=nrps)
    ags = claims.get(c.AGS_CLAIM)
    if ags is not None:
        ok = isinstance(ags, Mapping) and isinstance(ags.get("scope"), list) \
            and all(isinstance(s, str) and s.startswith(c.AGS_SCOPE) for s in ags["scope"]) \
            and bool(ags.get("lineitems") or ags.get("lineitem"))
        if not ok:
            out.add("LT312", file=case, value=ags)


#: a UUID v4 (RFC 9562 variant) in the canonical 8-4-4-4-12 form, either case
_UUID4 = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}"
                    r"-[0-9a-fA-F]{12}")


def _uuid4(value: object) -> bool:
    """``value`` is a UUID v4 written as ``str(uuid.UUID(value))`` writes it, in any case
    (what ``uuid.UUID`` parses as version 4 and gives back the same, lower-cased)."""
    return isinstance(value, str) and _UUID4.fullmatch(value) is not None


def check_jp_eportal(claims: Mapping[str, Any], out: FindingCollector, *, case: str) -> None:
    """学習eポータル標準モデル profile checks (WARN). Rules: LT501-LT505."""
    if "sub" in claims and not _uuid4(claims["sub"]):
        out.add("LT501", file=case, value=claims["sub"])
    tp = claims.get(c.TOOL_PLATFORM)
    if isinstance(tp, Mapping) and not _uuid4(tp.get("guid")):
        out.add("LT502", file=case, value=tp.get("guid"))
    custom = claims.get(c.CUSTOM) if isinstance(claims.get(c.CUSTOM), Mapping) else {}
    if "grade" in custom and not _GRADE.match(str(custom["grade"])):
        out.add("LT503", file=case, value=custom["grade"])
    if not custom.get("classname"):
        out.add("LT504", file=case)
    if claims.get(c.ROLES) == []:
        out.add("LT505", file=case)


def check_dl_response(claims: Mapping[str, Any], out: FindingCollector, *, case: str,
                      client_id: str, platform_issuer: str, data: str | None,
                      deployment_ids: Collection[str] | None = None) -> None:
    """An LtiDeepLinkingResponse received by the platform. Rules: LT231-LT233; with
    ``deployment_ids`` (the tool's deployments) also what every tool JWT needs (Security
    Framework §5.2.2): LT106-LT116 (exp, iat and its age, nonce), LT202-LT205, LT222."""
    if deployment_ids is not None:
        exp = Expectation(issuer=client_id, client_id=platform_issuer,
                          deployment_ids=deployment_ids)
        check_security_claims(claims, out, exp, case=case)
        _check_version(claims, out, case)
        _check_deployment(claims, out, exp, case)
    for claim, want in (("iss", client_id), (c.MESSAGE_TYPE, c.DEEP_LINKING_RESPONSE)):
        if claims.get(claim) != want:
            out.add("LT232", file=case, claim=claim.rsplit("/", 1)[-1],
                    value=claims.get(claim), expected=want)
    aud = claims.get("aud")
    if platform_issuer not in (aud if isinstance(aud, list) else [aud]):
        out.add("LT232", file=case, claim="aud", value=aud, expected=platform_issuer)
    if data is not None and claims.get(c.DL_DATA) != data:
        out.add("LT231", file=case, expected=data)
    items = claims.get(c.DL_CONTENT_ITEMS, [])
    if not isinstance(items, list) or not all(isinstance(i, Mapping) and i.get("type")
                                               for i in items):
        out.add("LT233", file=case, value=items)


def check_login_initiation(params: Mapping[str, str], out: FindingCollector, *,
                           case: str = "login") -> None:
    """A third-party login initiation received from a platform. Rules: LT400."""
    missing = [k for k in ("iss", "login_hint", "target_link_uri") if not params.get(k)]
    if missing:
        out.add("LT400", file=case, value=", ".join(missing))


def check_nrps_response(body: object, content_type: str | None, out: FindingCollector, *,
                        case: str = "nrps") -> None:
    """One NRPS membership container page. Rules: LT308."""
    if content_type is not None and c.NRPS_MEDIA not in content_type \
            and "application/json" not in content_type:
        out.add("LT308", file=case, reason=f"media type {content_type}")
        return
    if not isinstance(body, Mapping) or not isinstance(body.get("members"), list):
        out.add("LT308", file=case, reason="no members array")
        return
    for m in body["members"]:
        if not isinstance(m, Mapping) or not m.get("user_id") or \
                not isinstance(m.get("roles"), list):
            out.add("LT308", file=case, reason="a member lacks user_id or roles")
            return
