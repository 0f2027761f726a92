"""The cases an attacker would try beyond the certification guide (Security Framework §5.1.3,
OpenID Connect Core §3.1.3.7), each under its own id, and how the multi-step ones are run."""

from __future__ import annotations

from typing import Any

from harness.lti.cases import all_cases, bad_cases
from harness.lti.runner import Acceptance, run_case
from harness.lti.tool_app import ACCEPTED
from harness.lti.verify import peek_claims
from tests.lti.conftest import CLIENT_ID, T

ACCEPT = Acceptance(status=200, marker=ACCEPTED)
CASES = {k.id: k for k in all_cases()}

ATTACKS = {
    "bad_alg_none", "bad_alg_hs256", "bad_wrong_kid", "bad_foreign_key", "bad_nbf_future",
    "bad_token_iss_differs", "bad_login_iss_differs", "bad_aud_list_without_client_id",
    "bad_aud_without_client_id", "bad_multi_aud_no_azp", "bad_multi_aud_wrong_azp", "bad_no_sub",
    "bad_no_exp", "bad_no_iat", "bad_exp_not_number", "bad_expired", "bad_iat_future",
    "bad_iat_too_old", "bad_no_nonce", "bad_empty_nonce", "bad_unknown_nonce",
    "bad_replayed_nonce", "bad_nonce_reused_fresh_login", "bad_form_reposted_with_cookie",
    "bad_form_reposted_without_cookie", "bad_state_mismatch", "bad_no_state",
    "bad_signature_stripped", "bad_payload_tampered", "bad_embedded_jwk", "bad_oversize_token",
    "bad_no_iss", "bad_no_aud", "bad_sub_too_long",
}


def test_every_attack_has_its_own_case_id():
    ids = [k.id for k in all_cases()]
    assert len(ids) == len(set(ids))
    assert set(ids) >= ATTACKS
    assert all(CASES[i].rules and not CASES[i].accept for i in ATTACKS)


class Recording:
    """A transport wrapper that keeps every form posted to the tool's launch endpoint."""

    def __init__(self, inner: Any, log: list[dict[str, str]]) -> None:
        self.inner, self.log = inner, log

    def send(self, method: str, url: str, data: Any) -> Any:
        if url.startswith(T + "/launch") and data:
            self.log.append(dict(data))
        return self.inner.send(method, url, data)


def _run(pair, case_id: str) -> tuple[Any, list[dict[str, str]]]:
    posts: list[dict[str, str]] = []
    result = run_case(CASES[case_id], pair.platform, CLIENT_ID,
                      lambda: Recording(pair.transport(), posts), ACCEPT)
    return result, posts


def test_nonce_reuse_is_a_fresh_login_state_and_token_with_an_old_nonce(pair):
    result, posts = _run(pair, "bad_nonce_reused_fresh_login")
    first, second = posts
    assert second["state"] != first["state"] and second["id_token"] != first["id_token"]
    one, two = peek_claims(first["id_token"]), peek_claims(second["id_token"])
    assert one and two and one["nonce"] == two["nonce"]
    assert result.observed == "reject" and "LT114" in result.detail
    assert "LT115" not in result.detail  # the state was right: only the nonce is old


def test_replay_posts_the_earlier_token_itself(pair):
    result, posts = _run(pair, "bad_replayed_nonce")
    first, second = posts
    assert second["id_token"] == first["id_token"] and second["state"] != first["state"]
    assert result.observed == "reject"


def test_same_form_twice_with_and_without_the_state_cookie(pair):
    with_cookie, posts = _run(pair, "bad_form_reposted_with_cookie")
    assert posts[0] == posts[1] and with_cookie.observed == "reject"
    without, posts = _run(pair, "bad_form_reposted_without_cookie")
    assert posts[0] == posts[1] and without.observed == "reject"
    assert "LT115" in without.detail
    # the first post of each was a good launch the tool accepted
    assert [e["accepted"] for e in pair.tool_log() if e["step"] == "launch"][::2] == [True, True]


def test_no_state_drops_the_state_field_only(pair):
    result, posts = _run(pair, "bad_no_state")
    assert "state" not in posts[0] and "id_token" in posts[0]
    assert result.observed == "reject" and "LT115" in result.detail


def test_guide_cases_are_unchanged_by_the_extras():
    assert sum(k.guide for k in bad_cases()) == 12
