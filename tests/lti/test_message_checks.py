"""Message checks when certifying a platform: an anonymous LtiResourceLinkRequest is allowed
(LTI Core §5.3.6.1), a Deep Linking request needs ``sub``, and a rejected message still gets
every check (its whitespace and claim defects are reported, not only the first refusal)."""

from __future__ import annotations

from harness.lti import constants as c
from harness.lti.checks import Expectation
from harness.lti.jwks import KeySetCache
from harness.lti.signing import sign_message
from harness.lti.verify import verify_id_token
from tests.lti.test_rules import CID, ISS, KEYS, good_claims


def _rules(claims, *, platform_side=True, mode="rs256", anonymous_ok=True):
    token = sign_message(KEYS, claims, mode)
    v = verify_id_token(token, KeySetCache(None, static=KEYS.jwks()),
                        Expectation(ISS, CID, ["d1"], anonymous_ok=anonymous_ok),
                        consume_nonce=lambda n: True, platform_side=platform_side)
    return v, [f.rule for f in v.findings]


def test_anonymous_resource_link_launch_is_accepted_on_the_platform_side():
    claims = good_claims()
    del claims["sub"]
    v, rules = _rules(claims)
    assert v.accepted and "LT214" not in rules


def test_a_tool_that_needs_the_user_still_reports_a_missing_sub():
    claims = good_claims()
    del claims["sub"]
    v, rules = _rules(claims, anonymous_ok=False)
    assert not v.accepted and "LT214" in rules


def test_deep_linking_request_without_sub_is_refused():
    claims = good_claims()
    del claims["sub"]
    claims[c.MESSAGE_TYPE] = c.DEEP_LINKING_REQUEST
    claims[c.DL_SETTINGS] = {"deep_link_return_url": "https://p/dl", "accept_types": ["x"],
                             "accept_presentation_document_targets": ["iframe"]}
    v, rules = _rules(claims)
    assert not v.accepted and "LT214" in rules


def test_rejected_message_still_gets_whitespace_and_claim_checks():
    claims = {**good_claims(), "given_name": " 太郎 "}
    claims[c.VERSION] = "1.2.0"
    v, rules = _rules(claims)
    assert not v.accepted
    assert {"LT203", "LT218"} <= set(rules)


def test_a_message_with_a_bad_signature_still_has_its_claims_checked():
    claims = {**good_claims(), "given_name": " 太郎 "}
    del claims[c.ROLES]
    v, rules = _rules(claims, mode="foreignkey")
    assert not v.accepted
    assert {"LT105", "LT210", "LT218"} <= set(rules)


def test_tool_side_does_not_read_an_unverified_payload():
    claims = {**good_claims(), "given_name": " 太郎 "}
    _, rules = _rules(claims, mode="foreignkey", platform_side=False)
    assert rules == ["LT105"]



def test_the_uuid4_check_is_uuids_own_reading() -> None:
    """LT501/LT502's UUID v4 test answers as parsing with uuid.UUID did: version 4, written
    as str() writes it (any case); braces, urn:, no hyphens, other versions and variants,
    non-ASCII digits are not."""
    import random
    import uuid

    from harness.lti.checks import _uuid4

    def reference(value: object) -> bool:
        try:
            return isinstance(value, str) and uuid.UUID(value).version == 4 \
                and str(uuid.UUID(value)) == value.lower()
        except ValueError:
            return False

    rng = random.Random(18)
    samples: list[object] = [None, 4, "", "x", str(uuid.uuid1()), f"{{{uuid.uuid4()}}}",
                             f"urn:uuid:{uuid.uuid4()}", uuid.uuid4().hex,
                             str(uuid.uuid4()).upper(), f" {uuid.uuid4()}",
                             f"{uuid.uuid4()}\n", str(uuid.uuid4()).replace("a", "\u0661")]
    for _ in range(3000):
        text = list(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        for _ in range(rng.randrange(0, 3)):  # a few characters changed
            text[rng.randrange(len(text))] = rng.choice("0123456789abcdefABCDEF-g\u0663 ")
        samples.append("".join(text if rng.random() < 0.8 else [c.upper() for c in text]))
    for value in samples:
        assert _uuid4(value) == reference(value), value
    assert sum(map(_uuid4, samples)) > 1000  # both answers were given often
