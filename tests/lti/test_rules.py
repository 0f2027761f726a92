"""Every LT rule: a bad input that triggers it and the good input that does not.

The table ``TRIGGERS`` maps rule id → a function returning the rule ids found for the bad
case; ``test_every_rule_has_a_case`` keeps it complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.core import FindingCollector
from harness.lti import checks
from harness.lti import constants as c
from harness.lti.auth_cases import AuthAnswer, Delivery
from harness.lti.cases import bad_cases, person
from harness.lti.checks import Expectation
from harness.lti.claims import build_launch_claims
from harness.lti.docs import rules_markdown
from harness.lti.jwks import KeySetCache, check_jwks
from harness.lti.keys import KeyPair, KeyStore
from harness.lti.platform import LaunchSpec, Platform, ToolRegistration
from harness.lti.rules import REGISTRY
from harness.lti.runner import CaseResult, judge
from harness.lti.services import ServiceState
from harness.lti.signing import sign_message
from harness.lti.tool import PlatformRegistration, Tool
from harness.lti.verify import verify_id_token

ISS = "https://platform.renkei.example"
CID = "client-1"
KEYS = KeyStore(None)
TOOL_KEY = KeyPair.generate("tool-key")
ROOT = Path(__file__).resolve().parents[2]


def good_claims(**kw: Any) -> dict[str, Any]:
    return build_launch_claims(
        issuer=ISS, client_id=CID, deployment_id="d1", nonce="n-1",
        target_link_uri="https://tool.example/launch", person=person("student"),
        context={"id": "class-1"}, resource_link={"id": "rl-1"},
        tool_platform={"guid": "0b5cbd7e-3f0a-4c8e-9d43-4f8f2a7c1e11"}, **kw)


def verify(patch: Callable[[dict[str, Any]], Any] | None = None, *, mode: str = "rs256",
           nonce_ok: bool = True, profile: str = "core", platform_side: bool = False,
           keys: KeySetCache | None = None, **expect: Any) -> list[str]:
    claims = good_claims()
    if patch is not None:
        patch(claims)
    token = sign_message(KEYS, claims, mode)
    exp = Expectation(ISS, CID, ["d1"], **expect)
    v = verify_id_token(token, keys or KeySetCache(None, static=KEYS.jwks()), exp,
                        consume_nonce=lambda n: nonce_ok, profile=profile,
                        platform_side=platform_side)
    return [f.rule for f in v.findings]


def setter(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda cl: cl.__setitem__(key, value)


def deleter(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda cl: cl.pop(key, None)


def collect(fn: Callable[[FindingCollector], Any], profile: str | None = None) -> list[str]:
    out = FindingCollector(REGISTRY, profile=profile)
    fn(out)
    return [f.rule for f in out.findings]


def _broken_fetch(url: str) -> Any:
    raise OSError("connection refused")


def state_mismatch() -> list[str]:
    reg = PlatformRegistration(ISS, CID, "https://p/auth", key_set=KEYS.jwks(),
                               deployment_ids=["d1"])
    tool = Tool([reg], redirect_uri="https://tool.example/launch")
    _, record = tool.login({"iss": ISS, "login_hint": "u", "target_link_uri": "https://t"})
    return [f.rule for f in tool.launch({"state": record.state, "id_token": "x"}, "other").findings]


# -- platform side ---------------------------------------------------------------------------
def auth_request(p: Platform, *, nonce: str) -> dict[str, str]:
    """A correct authentication request answering a fresh login initiation by ``p``."""
    _, params = p.initiate_login(CID, LaunchSpec(person("student"), context={"id": "k"}))
    return {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
            "prompt": "none", "client_id": CID, "redirect_uri": "https://tool/launch",
            "login_hint": params["login_hint"], "nonce": nonce, "state": "s",
            "lti_message_hint": params["lti_message_hint"]}


def auth(mutate: dict[str, Any] | None = None, *, reuse_hint: bool = False) -> list[str]:
    p = Platform(ISS, keys=KEYS)
    p.register(ToolRegistration(CID, "https://tool/login", ["https://tool/launch"],
                                "https://tool/launch"))
    req = auth_request(p, nonce="n")
    if reuse_hint:
        p.authorize(dict(req))
    for k, v in (mutate or {}).items():
        if v is None:
            req.pop(k, None)
        else:
            req[k] = v
    return [f.rule for f in p.authorize(req).findings]


def auth_twice(*, other_client: bool = False) -> list[str]:
    """Two authentication requests: the second with the first's nonce, or (other_client)
    by another registered tool holding the first tool's hint."""
    p = Platform(ISS, keys=KEYS)
    for cid in (CID, "client-2"):
        p.register(ToolRegistration(cid, "https://tool/login", ["https://tool/launch"],
                                    "https://tool/launch"))
    rules: list[str] = []
    for _ in range(2):
        req = auth_request(p, nonce="same-nonce")
        if other_client:
            req["client_id"] = "client-2"
        rules = [f.rule for f in p.authorize(req).findings]
    return rules


def judged_auth(case_id: str, answer: Any) -> list[str]:
    from harness.lti.auth_cases import AUTH_CASES, judge_auth

    case = next(k for k in AUTH_CASES if k.id == case_id)
    return [rule for rule, _ in judge_auth(case, answer, {"scope": "profile"}).findings]


def token_request(*, form: dict[str, Any] | None = None, claims: dict[str, Any] | None = None,
                  drop: tuple[str, ...] = (), replay: bool = False, scope: str | None = None,
                  key: KeyPair = TOOL_KEY) -> list[str]:
    svc = ServiceState("https://p/token", {CID: KeySetCache(None, static={
        "keys": [TOOL_KEY.public_jwk()]})}, {CID: (c.SCOPE_NRPS,)})
    now = int(time.time())
    body = {"iss": CID, "sub": CID, "aud": "https://p/token", "iat": now, "exp": now + 300,
            "jti": "j-1", **(claims or {})}
    for d in drop:
        body.pop(d)
    signed = key.sign(body, headers={"kid": TOOL_KEY.kid})
    req = {"grant_type": "client_credentials", "client_assertion_type": c.CLIENT_ASSERTION_TYPE,
           "client_assertion": signed, "scope": scope or c.SCOPE_NRPS, **(form or {})}
    if replay:
        svc.issue_token(dict(req))
    return [f.rule for f in svc.issue_token(req).findings]


def score(payload: dict[str, Any], *, twice: bool = False) -> list[str]:
    svc = ServiceState("https://p/token", {}, {})
    svc.add_lineitem("ctx", {"label": "L", "scoreMaximum": 10}, "https://p/ags/ctx/lineitems")
    item_id = next(iter(svc.lineitems["ctx"]))
    base = {"userId": "u", "timestamp": "2025-04-01T10:00:00+09:00", "scoreGiven": 5,
            "scoreMaximum": 10, "activityProgress": "Completed", "gradingProgress": "FullyGraded"}
    if twice:
        svc.post_score("ctx", item_id, base)
    return [f.rule for f in svc.post_score("ctx", item_id, {**base, **payload}).findings]


def insufficient_token() -> list[str]:
    svc = ServiceState("https://p/token", {}, {})
    _, denied = svc.authorise("Bearer nope", c.SCOPE_SCORE)
    return [f.rule for f in denied.findings] if denied else []


def dl(claims: dict[str, Any], data: str | None = "d") -> list[str]:
    base = {"iss": CID, "aud": ISS, c.MESSAGE_TYPE: c.DEEP_LINKING_RESPONSE, c.DL_DATA: "d",
            c.DL_CONTENT_ITEMS: [{"type": "ltiResourceLink", "url": "https://t"}]}
    base.update(claims)
    return collect(lambda o: checks.check_dl_response(base, o, case="dl", client_id=CID,
                                                      platform_issuer=ISS, data=data))


def judged(accept: bool, observed: bool | None, *, reached: bool = True) -> list[str]:
    case = next(k for k in bad_cases() if k.id == "bad_no_kid")
    case = type(case)(case.id, case.title, accept, case.build, case.rules)
    return [f.rule for f in judge([CaseResult(case, observed, 200, reached=reached)]).findings]


def dl_replayed() -> list[str]:
    from harness.lti.deep_linking import deep_linking_cases
    from harness.lti.platform_app import create_platform_app, register_tool, state

    papp = create_platform_app({"BASE_URL": "http://p.test", "ISSUER": ISS})
    tool = Tool([], redirect_uri="http://t.test/launch", keys=KeyStore(None))
    register_tool(papp, {"client_id": CID, "login_url": "http://t.test/login",
                         "redirect_uris": ["http://t.test/launch"],
                         "target_link_uri": "http://t.test/launch", "jwks": tool.keys.jwks()})
    request = {"iss": ISS, "aud": CID, c.DEPLOYMENT_ID: "1",
               c.DL_SETTINGS: {"deep_link_return_url": "http://p.test/deep_link_return"}}
    good = [k for k in deep_linking_cases(tool, request, launch_url="http://t.test/l")
            if k.id == "dl_good"][0]
    client = papp.test_client()
    for _ in range(2):
        client.post("/deep_link_return", data={"JWT": good.jwt})
    return [f.rule for f in state(papp).findings]


def dl_judged(*, accept: bool = True, observed: str = "accept", none: bool = False
              ) -> list[str]:
    from harness.cli.certify.lti_platform import _judge_dl

    out = FindingCollector(REGISTRY)
    launch = [{"message_type": c.DEEP_LINKING_REQUEST, "accepted": True}]
    rows = [] if none else [{"case": "dl_x", "title": "x", "detail": "HTTP 200",
                             "expected": "accept" if accept else "reject",
                             "verdict": "pass" if (observed == "accept") == accept else "fail"}]
    _judge_dl(rows, launch, out)
    return [f.rule for f in out.findings]


def services_judged() -> list[str]:
    from harness.cli.certify.lti_platform import _judge_services

    out = FindingCollector(REGISTRY)
    _judge_services([{"case": "svc_jti_replayed", "title": "jti used twice", "verdict": "fail",
                      "expected": "refused"}], out)
    return [f.rule for f in out.findings]


def no_message() -> list[str]:
    import tempfile
    from pathlib import Path

    from harness.cli.certify.common import free_port
    from harness.cli.certify.lti_platform import certify_platform

    reg = {"issuer": ISS, "client_id": CID, "auth_login_url": "http://127.0.0.1:9/auth",
           "auth_token_url": "", "key_set_url": "http://127.0.0.1:9/jwks",
           "deployment_ids": ["d1"]}
    with tempfile.TemporaryDirectory() as tmp:
        report = certify_platform(reg, Path(tmp), free_port(), timeout=0.2, messages=1,
                                  services=False, profile="core")
    return [f.rule for f in report.findings]


GOOD_JWK = KEYS.current.public_jwk()
TRIGGERS: dict[str, Callable[[], list[str]]] = {
    "LT100": lambda: verify(mode="notjwt"),
    "LT101": lambda: verify(mode="hs256"),
    "LT102": lambda: verify(mode="nokid"),
    "LT103": lambda: verify(mode="wrongkid"),
    "LT104": lambda: verify(mode="jku"),
    "LT105": lambda: verify(mode="foreignkey"),
    "LT106": lambda: verify(setter("iss", "https://evil.example")),
    "LT107": lambda: verify(lambda cl: cl.update(aud="other", azp=CID)),
    "LT108": lambda: verify(setter("aud", [CID, "other"])),
    "LT109": lambda: verify(setter("azp", "other")),
    "LT110": lambda: verify(setter("exp", int(time.time()) - 600)),
    "LT111": lambda: verify(setter("iat", int(time.time()) + 600)),
    "LT112": lambda: verify(setter("iat", int(time.time()) - 86400)),
    "LT113": lambda: verify(deleter("nonce")),
    "LT114": lambda: verify(nonce_ok=False),
    "LT115": state_mismatch,
    "LT116": lambda: verify(setter("exp", "tomorrow")),
    "LT117": lambda: verify(login_iss="https://other.example"),
    "LT118": lambda: verify(keys=KeySetCache("https://p/jwks", _broken_fetch)),
    "LT120": lambda: verify(setter("nbf", int(time.time()) + 600)),
    "LT121": lambda: verify(setter("pad", "x" * 300_000)),
    "LT119": lambda: collect(lambda o: checks.check_message_claims(
        {**good_claims(), "iss": "http://p.example?x=1"}, o, Expectation(ISS, CID), case="m")),
    "LT200": lambda: verify(deleter(c.MESSAGE_TYPE)),
    "LT201": lambda: verify(setter(c.MESSAGE_TYPE, "LtiFooRequest")),
    "LT202": lambda: verify(deleter(c.VERSION)),
    "LT203": lambda: verify(setter(c.VERSION, "1.1")),
    "LT204": lambda: verify(deleter(c.DEPLOYMENT_ID)),
    "LT205": lambda: verify(setter(c.DEPLOYMENT_ID, "d2")),
    "LT206": lambda: verify(login_deployment_id="d9"),
    "LT207": lambda: verify(deleter(c.TARGET_LINK_URI)),
    "LT208": lambda: verify(login_target_link_uri="https://tool.example/other"),
    "LT209": lambda: verify(setter(c.RESOURCE_LINK, {"title": "x"})),
    "LT210": lambda: verify(deleter(c.ROLES)),
    "LT211": lambda: verify(setter(c.ROLES, c.LEARNER)),
    "LT212": lambda: verify(setter(c.ROLES, ["urn:x:wizard"])),
    "LT213": lambda: verify(setter(c.ROLES, ["Learner"])),
    "LT214": lambda: verify(deleter("sub")),
    "LT215": lambda: verify(setter("sub", "x" * 256)),
    "LT216": lambda: verify(setter(c.CONTEXT, {"label": "no id"})),
    "LT217": lambda: verify(setter(c.CUSTOM, {"n": 1})),
    "LT218": lambda: verify(setter("given_name", " 太郎 "), platform_side=True),
    "LT219": lambda: verify(setter(c.LAUNCH_PRESENTATION, {"document_target": "popup"})),
    "LT220": lambda: verify(setter(c.ROLE_SCOPE_MENTOR, ["u2"])),
    "LT221": lambda: verify(setter(c.TOOL_PLATFORM, {"name": "no guid"})),
    "LT222": lambda: verify(setter(c.DEPLOYMENT_ID, "d" * 300)),
    "LT223": lambda: verify(lambda cl: [cl.pop(k) for k in list(cl) if k.startswith(c.P)]),
    "LT230": lambda: verify(lambda cl: cl.update({c.MESSAGE_TYPE: c.DEEP_LINKING_REQUEST,
                                                  c.DL_SETTINGS: {"accept_types": []}})),
    "LT231": lambda: dl({c.DL_DATA: "other"}),
    "LT232": lambda: dl({"iss": "someone"}),
    "LT233": lambda: dl({c.DL_CONTENT_ITEMS: [{"url": "no type"}]}),
    "LT234": lambda: dl_replayed(),
    "LT300": lambda: token_request(key=KeyPair.generate("x")),
    "LT301": lambda: token_request(claims={"sub": "other"}),
    "LT302": lambda: token_request(claims={"aud": "https://elsewhere/token"}),
    "LT303": lambda: token_request(replay=True),
    "LT304": lambda: token_request(claims={"exp": int(time.time()) - 3600}),
    "LT305": lambda: token_request(form={"grant_type": "password"}),
    "LT306": lambda: token_request(scope=c.SCOPE_SCORE),
    "LT307": insufficient_token,
    "LT308": lambda: collect(lambda o: checks.check_nrps_response(
        {"members": [{"roles": []}]}, c.NRPS_MEDIA, o)),
    "LT309": lambda: score({}, twice=True),
    "LT310": lambda: score({"gradingProgress": "Done"}),
    "LT311": lambda: verify(setter(c.NRPS_CLAIM, {"service_versions": ["1.0"]})),
    "LT312": lambda: verify(setter(c.AGS_CLAIM, {"scope": "score"})),
    "LT313": lambda: score({"userId": None}),
    "LT314": lambda: collect(lambda o: o.add("LT314", claim="nrps", reason="HTTP 500")),
    "LT400": lambda: collect(lambda o: checks.check_login_initiation({"iss": ISS}, o)),
    "LT401": lambda: auth({"scope": "profile"}),
    "LT402": lambda: auth({"response_type": "code"}),
    "LT403": lambda: auth({"response_mode": "query"}),
    "LT404": lambda: auth({"prompt": "login"}),
    "LT405": lambda: auth({"client_id": "stranger"}),
    "LT406": lambda: auth({"redirect_uri": "https://evil.example/steal"}),
    "LT407": lambda: auth({"nonce": None}),
    "LT408": lambda: auth(reuse_hint=True),
    "LT409": lambda: auth({"login_hint": "someone-else"}),
    "LT410": lambda: auth({"state": None}),
    "LT411": lambda: auth({"lti_message_hint": None}),
    "LT412": lambda: auth_twice(other_client=True),
    "LT413": lambda: judged_auth("auth_redirect_markup", AuthAnswer(
        pages=['<form action="https://t/launch?x="><script>renkei_xss()</script>">'])),
    "LT414": lambda: auth_twice(),
    "LT415": lambda: judged_auth("auth_state_missing", AuthAnswer(deliveries=[Delivery(
        "https://t/launch", frozenset({"id_token", "state"}), state="invented")])),
    "LT501": lambda: verify(setter("sub", "taro.yamada"), profile="jp-eportal"),
    "LT502": lambda: verify(setter(c.TOOL_PLATFORM, {"guid": "lgate"}), profile="jp-eportal"),
    "LT503": lambda: verify(setter(c.CUSTOM, {"grade": "小3", "classname": "3-1"}),
                            profile="jp-eportal"),
    "LT504": lambda: verify(setter(c.CUSTOM, {"grade": "P3"}), profile="jp-eportal"),
    "LT505": lambda: verify(setter(c.ROLES, []), profile="jp-eportal"),
    "LT600": lambda: collect(lambda o: check_jwks(
        {"keys": [{k: v for k, v in GOOD_JWK.items() if k != "kid"}]}, o, case="jwks")),
    "LT601": lambda: collect(lambda o: check_jwks({"keys": [GOOD_JWK, GOOD_JWK]}, o, case="j")),
    "LT602": lambda: collect(lambda o: check_jwks({"keys": [GOOD_JWK]}, o, case="j",
                                                  cache_control="no-store")),
    "LT603": lambda: collect(lambda o: check_jwks({"keys": [{**GOOD_JWK, "d": "secret"}]}, o,
                                                  case="j")),
    "LT604": lambda: collect(lambda o: check_jwks({"keys": [{**GOOD_JWK, "kty": "EC"}]}, o,
                                                  case="j")),
    "LT700": lambda: judged(True, False),
    "LT701": lambda: judged(False, True),
    "LT702": lambda: no_message(),
    "LT703": lambda: judged(True, None, reached=False),
    "LT704": lambda: dl_judged(accept=False, observed="accept"),
    "LT705": lambda: dl_judged(accept=True, observed="reject"),
    "LT706": lambda: dl_judged(none=True),
    "LT707": lambda: judged_auth("auth_scope_not_openid", AuthAnswer(deliveries=[Delivery(
        "https://attacker.example/steal", frozenset({"id_token"}))])),
    "LT708": lambda: no_message(),
    "LT709": lambda: services_judged(),
}


@pytest.mark.parametrize("rule_id", list(TRIGGERS))
def test_rule_fires_on_its_bad_case(rule_id: str) -> None:
    assert rule_id in TRIGGERS[rule_id]()


def test_good_launch_has_no_findings_in_core_or_jp_eportal() -> None:
    assert verify() == []
    assert verify(profile="jp-eportal", platform_side=True) == []


def test_good_inputs_pass_the_non_launch_checks() -> None:
    assert auth() == []
    assert token_request() == []
    assert score({}) == []
    assert dl({}) == []
    assert collect(lambda o: check_jwks(KEYS.jwks(), o, case="j", cache_control="max-age=300")) \
        == []
    assert collect(lambda o: checks.check_login_initiation(
        {"iss": ISS, "login_hint": "u", "target_link_uri": "https://t"}, o)) == []


def test_every_rule_has_a_case() -> None:
    assert sorted(TRIGGERS) == sorted(r.id for r in REGISTRY)


def test_rules_have_both_languages_and_a_spec() -> None:
    for rule in REGISTRY:
        assert rule.message_ja and rule.message_en and rule.spec, rule.id
        assert rule.id[:2] == "LT" and rule.id[2] in "1234567", rule.id


def test_jp_eportal_rules_are_warnings_in_their_profile_only() -> None:
    jp = [r for r in REGISTRY if r.id.startswith("LT5")]
    assert all(r.severity.name == "WARN" and r.profiles == ("jp-eportal",) for r in jp)
    assert verify(setter("sub", "taro.yamada")) == []


def test_docs_page_is_current() -> None:
    page = (ROOT / "docs" / "lti-rules.md").read_text(encoding="utf-8")
    assert page == rules_markdown(), "regenerate: python -m harness.lti.docs > docs/lti-rules.md"
    for rule in REGISTRY:
        assert f"### {rule.id} " in page
