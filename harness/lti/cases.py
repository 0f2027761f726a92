"""The certification cases a tool is put through (LTI Advantage Conformance Certification
Guide v3, plus the extras of the digest), as data: how to build each launch and what a correct
tool does with it.

Pure: a case only describes a :class:`LaunchSpec` and an action; :mod:`harness.lti.runner`
drives it through a browser.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.lti import constants as c
from harness.lti.claims import Person
from harness.lti.platform import LaunchSpec, ToolRegistration

STUDENT_SUB = "8d3c5f0e-2b7a-4c1d-9e6f-0a1b2c3d4e5f"
INSTRUCTOR_SUB = "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
CONTEXT = {"id": "class-2025-p3-1", "label": "3-1", "title": "3年1組",
           "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection"]}


def person(role: str, variant: str = "plain") -> Person:
    """The guide's users: ``role`` instructor or student, ``variant`` one of :data:`VARIANTS`."""
    if role == "instructor":
        p = Person(INSTRUCTOR_SUB, [c.INSTRUCTOR, c.FACULTY], "花子", "佐藤", "佐藤 花子",
                   "hanako.sato@school.example.jp", "t-000123", None, "3年1組")
        several = [c.INSTRUCTOR, c.FACULTY, c.MEMBERSHIP + "ContentDeveloper"]
        short = ["Instructor"]
    else:
        p = Person(STUDENT_SUB, [c.LEARNER, c.STUDENT], "太郎", "山田", "山田 太郎",
                   "taro.yamada@school.example.jp", "s-004567", "P3", "3年1組")
        several = [c.LEARNER, c.STUDENT, c.INSTITUTION + "Learner"]
        short = ["Learner"]
    if variant == "several_roles":
        p.roles = several
    elif variant == "short_role":
        p.roles = short
    elif variant == "unknown_role":
        p.roles = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Wizard"]
    elif variant == "no_role":
        p.roles = []
    elif variant in ("email_only", "email_no_context"):
        p.given_name = p.family_name = p.name = p.person_sourcedid = None
    elif variant == "names_only":
        p.email = None
    elif variant == "no_pii":
        p.given_name = p.family_name = p.name = p.email = p.person_sourcedid = None
    return p


VARIANTS = ("plain", "several_roles", "short_role", "unknown_role", "no_role", "email_only",
            "names_only", "no_pii", "email_no_context")


@dataclass(frozen=True)
class Case:
    """One certification case.

    :param accept: what a correct tool does.
    :param rules: renkei rules that name the fault (any one suffices) for a reject case.
    :param action: None, or what the runner does besides one plain launch:
        ``replay`` (post an earlier id_token again, under a fresh login and state),
        ``nonce_reuse`` (a fresh login, state and token carrying an earlier launch's nonce),
        ``repost_cookie`` / ``repost_nocookie`` (post the same form twice, in the same browser
        with its state cookie / from a browser without it), ``state`` (tamper the state),
        ``nostate`` (drop it), ``rotate`` (rotate the platform key first).
    """

    id: str
    title: str
    accept: bool
    build: Callable[[ToolRegistration], LaunchSpec]
    rules: tuple[str, ...] = ()
    method: str = "POST"
    action: str | None = None
    guide: bool = True


def _spec(role: str = "student", variant: str = "plain", *, patch: Any = None, **kw: Any
          ) -> Callable[[ToolRegistration], LaunchSpec]:
    def build(reg: ToolRegistration) -> LaunchSpec:
        ctx = None if variant == "email_no_context" else dict(CONTEXT)
        return LaunchSpec(person(role, variant), context=ctx,
                          resource_link={"id": "rl-kokugo-3-1", "title": "国語 3年"},
                          patch=patch, **kw)
    return build


def _del(*names: str) -> Callable[[dict[str, Any]], None]:
    def patch(claims: dict[str, Any]) -> None:
        for n in names:
            claims.pop(n, None)
    return patch


def _set(**values: Any) -> Callable[[dict[str, Any]], None]:
    def patch(claims: dict[str, Any]) -> None:
        for k, v in values.items():
            claims[_KEYS.get(k, k)] = v() if callable(v) else v
    return patch


_KEYS = {"version": c.VERSION, "message_type": c.MESSAGE_TYPE, "custom": c.CUSTOM,
         "target_link_uri": c.TARGET_LINK_URI}


def _times(iat: int, exp: int) -> Callable[[dict[str, Any]], None]:
    def patch(claims: dict[str, Any]) -> None:
        now = int(time.time())
        claims["iat"], claims["exp"] = now + iat, now + exp
    return patch


def _strip_lti(claims: dict[str, Any]) -> None:
    for k in [k for k in claims if k.startswith(c.P)]:
        del claims[k]


def _del_rl_id(claims: dict[str, Any]) -> None:
    claims[c.RESOURCE_LINK] = {"title": "国語 3年"}


def _tlu_other(claims: dict[str, Any]) -> None:
    claims[c.TARGET_LINK_URI] = claims[c.TARGET_LINK_URI] + "?renkei=other"


def _pad(claims: dict[str, Any]) -> None:
    # ~400 KB of base64: over the tool-side limit (LT121), under common form-size limits, so
    # the tool's own verifier has to refuse it
    claims["https://renkei.example/claim/padding"] = "A" * 300_000


def _aud_list_without_client(claims: dict[str, Any]) -> None:
    claims["aud"] = ["another-tool", "third-tool"]
    claims.pop("azp", None)


def good_cases() -> list[Case]:
    out = [Case(f"good_{role}_{v}", f"{role}: {v.replace('_', ' ')}", True, _spec(role, v))
           for role in ("instructor", "student") for v in VARIANTS]
    out += [
        Case("good_login_by_get", "login initiation by GET", True, _spec(), method="GET",
             guide=False),
        Case("good_key_rotation", "platform rotated its key (new kid)", True, _spec(),
             action="rotate", guide=False),
        Case("good_aud_array", "aud as a one-element array", True,
             _spec(patch=lambda cl: cl.__setitem__("aud", [cl["aud"]])), guide=False),
        Case("good_canvas_deployment_param", "login sends deployment_id (Canvas style)", True,
             lambda reg: _spec(login_overrides={"lti_deployment_id": None,
                                                "deployment_id": reg.deployment_ids[0]})(reg),
             guide=False),
    ]
    return out


def bad_cases() -> list[Case]:
    g = [
        Case("bad_no_kid", "no kid in the JWT header", False, _spec(sign_mode="nokid"),
             ("LT102",)),
        Case("bad_wrong_kid", "kid not in the platform JWKS", False,
             _spec(sign_mode="wrongkid"), ("LT103",)),
        Case("bad_wrong_lti_version", "LTI version 1.2.0", False,
             _spec(patch=_set(version="1.2.0")), ("LT203",)),
        Case("bad_no_lti_version", "no LTI version", False, _spec(patch=_del(c.VERSION)),
             ("LT202",)),
        Case("bad_not_a_jwt", "not a JWT at all", False, _spec(sign_mode="notjwt"), ("LT100",)),
        Case("bad_missing_lti_claims", "a signed JWT without the LTI claims", False,
             _spec(patch=_strip_lti), ("LT223", "LT200")),
        Case("bad_timestamps", "iat and exp an hour in the past", False,
             _spec(patch=_times(-7200, -3600)), ("LT110", "LT112")),
        Case("bad_no_message_type", "message_type missing", False,
             _spec(patch=_del(c.MESSAGE_TYPE)), ("LT200",)),
        Case("bad_no_roles", "roles claim missing", False, _spec(patch=_del(c.ROLES)),
             ("LT210",)),
        Case("bad_no_deployment_id", "deployment_id missing", False,
             _spec(patch=_del(c.DEPLOYMENT_ID)), ("LT204",)),
        Case("bad_no_resource_link_id", "resource_link id missing", False,
             _spec(patch=_del_rl_id), ("LT209",)),
        Case("bad_no_sub", "sub missing", False, _spec(patch=_del("sub")), ("LT214",)),
    ]
    x = [
        Case("bad_aud_without_client_id", "aud without the client_id", False,
             _spec(patch=_set(aud="another-tool", azp="another-tool")), ("LT107", "LT109")),
        Case("bad_multi_aud_no_azp", "several audiences, no azp", False,
             _spec(patch=lambda cl: (cl.__setitem__("aud", [cl["aud"], "another-tool"]),
                                     cl.pop("azp", None))), ("LT108",)),
        Case("bad_multi_aud_wrong_azp", "several audiences, azp another tool", False,
             _spec(patch=lambda cl: cl.update(aud=[cl["aud"], "another-tool"],
                                              azp="another-tool")), ("LT109", "LT108")),
        Case("bad_alg_none", "alg none", False, _spec(sign_mode="none"), ("LT101",)),
        Case("bad_alg_hs256", "HS256 keyed with the public key", False,
             _spec(sign_mode="hs256"), ("LT101",)),
        Case("bad_alg_rs384", "RS384", False, _spec(sign_mode="rs384"), ("LT101",)),
        Case("bad_foreign_key", "signed by a key outside the JWKS (same kid)", False,
             _spec(sign_mode="foreignkey"), ("LT105",)),
        Case("bad_expired", "expired 10 minutes ago", False, _spec(patch=_times(-900, -600)),
             ("LT110",)),
        Case("bad_iat_future", "iat 10 minutes in the future", False,
             _spec(patch=_times(600, 900)), ("LT111",)),
        Case("bad_iat_too_old", "iat two days old, exp still valid", False,
             _spec(patch=_times(-172800, 300)), ("LT112",)),
        Case("bad_replayed_nonce", "an earlier id_token posted again", False, _spec(),
             ("LT114", "LT115"), action="replay"),
        Case("bad_state_mismatch", "state differs from the browser session", False, _spec(),
             ("LT115",), action="state"),
        Case("bad_login_iss_differs", "login iss differs from the token iss", False,
             _spec(login_overrides={"iss": "https://other-platform.example"}),
             ("LT117", "LT106")),
        Case("bad_target_link_uri_mismatch", "target_link_uri claim differs from login", False,
             _spec(patch=_tlu_other), ("LT208",)),
        Case("bad_lti_deployment_id_differs", "lti_deployment_id differs from the claim", False,
             _spec(login_overrides={"lti_deployment_id": "renkei-other-deployment"}),
             ("LT206",)),
        Case("bad_unknown_deployment", "deployment not registered with the tool", False,
             _spec(deployment_id="renkei-unknown-deployment"), ("LT205",)),
        Case("bad_custom_not_string", "custom value a number and a null", False,
             _spec(patch=_set(custom={"count": 3, "note": None})), ("LT217",)),
        Case("bad_unknown_message_type", "message_type LtiUnknownRequest", False,
             _spec(patch=_set(message_type="LtiUnknownRequest")), ("LT201",)),
    ]
    # what else an attacker tries: Security Framework §5.1.3, OpenID Connect Core §3.1.3.7
    x += [
        Case("bad_no_exp", "no exp claim", False, _spec(patch=_del("exp")), ("LT116",)),
        Case("bad_no_iat", "no iat claim", False, _spec(patch=_del("iat")), ("LT116",)),
        Case("bad_exp_not_number", "exp a string", False,
             _spec(patch=lambda cl: cl.__setitem__("exp", str(cl["exp"]))), ("LT116",)),
        Case("bad_nbf_future", "nbf 10 minutes in the future", False,
             _spec(patch=lambda cl: cl.__setitem__("nbf", int(time.time()) + 600)),
             ("LT120",)),
        Case("bad_token_iss_differs", "token iss another platform (login iss right)", False,
             _spec(patch=_set(iss="https://other-platform.example")), ("LT106", "LT117")),
        Case("bad_no_iss", "no iss claim", False, _spec(patch=_del("iss")), ("LT106",)),
        Case("bad_no_aud", "no aud claim", False, _spec(patch=_del("aud", "azp")),
             ("LT107",)),
        Case("bad_sub_too_long", "sub of 256 characters (at most 255)", False,
             _spec(patch=_set(sub="s" * 256)), ("LT215",)),
        Case("bad_aud_list_without_client_id", "aud a list without the client_id", False,
             _spec(patch=_aud_list_without_client), ("LT107",)),
        Case("bad_no_nonce", "no nonce claim", False, _spec(patch=_del("nonce")), ("LT113",)),
        Case("bad_empty_nonce", "nonce an empty string", False, _spec(patch=_set(nonce="")),
             ("LT113",)),
        Case("bad_unknown_nonce", "nonce never issued by the tool", False,
             _spec(patch=_set(nonce="renkei-never-issued-nonce")), ("LT114",)),
        Case("bad_nonce_reused_fresh_login", "an earlier nonce under a fresh login and state",
             False, _spec(), ("LT114",), action="nonce_reuse"),
        Case("bad_form_reposted_with_cookie", "the same form posted twice, state cookie kept",
             False, _spec(), ("LT115", "LT114"), action="repost_cookie"),
        Case("bad_form_reposted_without_cookie", "the same form posted again without cookie",
             False, _spec(), ("LT115",), action="repost_nocookie"),
        Case("bad_no_state", "no state in the posted form", False, _spec(), ("LT115",),
             action="nostate"),
        Case("bad_signature_stripped", "RS256 header, empty signature", False,
             _spec(sign_mode="stripped"), ("LT105",)),
        Case("bad_payload_tampered", "payload changed after signing", False,
             _spec(sign_mode="tampered"), ("LT105",)),
        Case("bad_embedded_jwk", "signed by the attacker's key carried in a jwk header", False,
             _spec(sign_mode="jwk"), ("LT103", "LT104")),
        Case("bad_oversize_token", "an id_token of about 400 KB", False, _spec(patch=_pad),
             ("LT121",)),
    ]
    return g + [Case(k.id, k.title, k.accept, k.build, k.rules, k.method, k.action, False)
                for k in x]


def all_cases() -> list[Case]:
    return good_cases() + bad_cases()
