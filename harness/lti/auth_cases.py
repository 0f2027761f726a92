"""The authentication request, attacked: the cases ``renkei certify lti-platform`` runs
against a platform's auth endpoint, and how their answers are judged. Pure: data in, verdicts
out; the driving is :mod:`harness.lti.driver`'s job.

Each case starts from a real login initiation by the platform: renkei, as the tool, builds its
authentication request as usual, then changes one thing (Security Framework §5.1.1.2, OIDC
Core §3.1.2.1-2). The platform must refuse: an id_token issued is a fail, with the place it
was sent to. The markup case also fails when the markup comes back unescaped on a page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: What renkei puts in a redirect_uri to see whether the platform escapes what it echoes.
MARKUP = '"><script>renkei_xss()</script>'
ATTACKER = "https://attacker.example/steal"

Query = dict[str, str]
#: (the untampered query, what earlier launches left: ``hint`` and ``nonce``) → the query
Tamper = Callable[[Query, Mapping[str, str]], Query]


@dataclass(frozen=True)
class AuthCase:
    """One tampered authentication request.

    :param needs: a key of the earlier launches' memory the case cannot run without
        (``hint``: the platform sent an lti_message_hint; ``nonce``: an earlier request's).
    """

    id: str
    title: str
    rule: str
    tamper: Tamper
    needs: str | None = None


def _set(**values: str) -> Tamper:
    return lambda q, _m: {**q, **values}


def _drop(name: str) -> Tamper:
    return lambda q, _m: {k: v for k, v in q.items() if k != name}


def _from_memory(param: str, key: str) -> Tamper:
    return lambda q, m: {**q, param: m[key]}


def _other_path(q: Query, _m: Mapping[str, str]) -> Query:
    parts = urlsplit(q["redirect_uri"])
    return {**q, "redirect_uri": f"{parts.scheme}://{parts.netloc}/steal"}


def _markup(q: Query, _m: Mapping[str, str]) -> Query:
    return {**q, "redirect_uri": q["redirect_uri"] + "?x=" + MARKUP}


AUTH_CASES: tuple[AuthCase, ...] = (
    AuthCase("auth_redirect_other_host", "redirect_uri on another host", "LT406",
             _set(redirect_uri=ATTACKER)),
    AuthCase("auth_redirect_other_path", "redirect_uri on the tool's host, another path",
             "LT406", _other_path),
    AuthCase("auth_redirect_markup", "redirect_uri holding markup", "LT406", _markup),
    AuthCase("auth_hint_forged", "lti_message_hint the platform never issued", "LT408",
             _set(lti_message_hint="renkei-forged-hint"), needs="hint"),
    AuthCase("auth_hint_missing", "lti_message_hint left out", "LT411",
             _drop("lti_message_hint"), needs="hint"),
    AuthCase("auth_hint_replayed", "lti_message_hint of an earlier launch", "LT408",
             _from_memory("lti_message_hint", "hint"), needs="hint"),
    AuthCase("auth_login_hint_other_user", "login_hint naming another user", "LT409",
             _set(login_hint="renkei-another-user")),
    AuthCase("auth_login_hint_missing", "login_hint left out", "LT409", _drop("login_hint")),
    AuthCase("auth_client_id_mismatch", "client_id other than the login initiation's",
             "LT412", lambda q, _m: {**q, "client_id": q.get("client_id", "") + "-other"}),
    AuthCase("auth_scope_not_openid", "scope=profile", "LT401", _set(scope="profile")),
    AuthCase("auth_response_type_code", "response_type=code", "LT402",
             _set(response_type="code")),
    AuthCase("auth_response_mode_query", "response_mode=query", "LT403",
             _set(response_mode="query")),
    AuthCase("auth_prompt_login", "prompt=login", "LT404", _set(prompt="login")),
    AuthCase("auth_nonce_missing", "nonce left out", "LT407", _drop("nonce")),
    AuthCase("auth_nonce_reused", "nonce of an earlier authentication request", "LT414",
             _from_memory("nonce", "nonce"), needs="nonce"),
    AuthCase("auth_state_missing", "state left out (echo none, or refuse)", "LT415",
             _drop("state")),
)


@dataclass
class Delivery:
    """A response of the platform that carried an id_token (never the token itself)."""

    destination: str
    fields: frozenset[str]
    state: str | None = None  # the state sent with it, if any
    via: str = "form_post"  # or "redirect" (the token in a URL)


@dataclass
class AuthAnswer:
    """What came back for one tampered request, as the driver saw it."""

    deliveries: list[Delivery] = field(default_factory=list)
    #: the platform's pages (text), for the escaping check
    pages: list[str] = field(default_factory=list)
    status: int | None = None
    #: the request never reached the platform's auth endpoint (the launch did not start)
    reached: bool = True
    detail: str = ""


@dataclass(frozen=True)
class AuthVerdict:
    ok: bool
    observed: str
    detail: str
    #: (rule, fields) findings to add
    findings: tuple[tuple[str, Mapping[str, Any]], ...] = ()


_TOKEN_INPUT = re.compile(r"""<input[^>]*name\s*=\s*["']?id_token\b""", re.IGNORECASE)
_ACTION = re.compile(r"""<form[^>]*action\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)


def token_in_page(text: str) -> str | None:
    """The form action of a page that holds an id_token field, even one renkei's browser
    would not submit by itself (a button, a script it does not know); else None."""
    if not _TOKEN_INPUT.search(text):
        return None
    action = _ACTION.search(text)
    return html.unescape(action.group(1)) if action else "(a page of the platform)"


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def judge_auth(case: AuthCase, answer: AuthAnswer, sent: Mapping[str, str]) -> AuthVerdict:
    """Refused is a pass; an id_token issued is a fail naming where it went.

    Rules: the case's own LT4xx with LT707 for a token issued; LT413 for unescaped markup;
    LT415 for the state case when the platform sends back a state that was not sent.
    """
    findings: list[tuple[str, Mapping[str, Any]]] = []
    if case.id == "auth_redirect_markup":
        echoed = [p for p in answer.pages if "<script>renkei_xss()" in p]
        if echoed:
            findings.append(("LT413", {"file": case.id, "value": MARKUP}))
    issued = answer.deliveries
    if case.id == "auth_state_missing":
        invented = [d for d in issued if d.state]
        if invented:
            findings.append(("LT415", {"file": case.id, "value": "a state nobody sent"}))
        elif issued:
            return AuthVerdict(not findings, "issued, no state",
                               f"id_token to {_where(issued[0].destination)} without a state "
                               "(echoed as received)", tuple(findings))
    if issued and case.id != "auth_state_missing":
        where = ", ".join(sorted({f"{_where(d.destination)} ({d.via})" for d in issued}))
        findings.append((case.rule, _rule_fields(case, sent)))
        findings.append(("LT707", {"file": case.id, "value": where}))
        return AuthVerdict(False, "id_token issued", f"id_token sent to {where}",
                           tuple(findings))
    if issued:
        where = _where(issued[0].destination)
        return AuthVerdict(False, "id_token issued", f"id_token to {where} with a state "
                           "that was not sent", tuple(findings))
    if findings:
        return AuthVerdict(False, "refused, markup echoed",
                           "refused, but the redirect_uri's markup is on the page unescaped",
                           tuple(findings))
    return AuthVerdict(True, "refused", answer.detail or f"HTTP {answer.status}")


def _rule_fields(case: AuthCase, sent: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {"file": case.id}
    param = {"LT401": "scope", "LT402": "response_type", "LT403": "response_mode",
             "LT404": "prompt", "LT405": "client_id", "LT406": "redirect_uri",
             "LT412": "client_id"}.get(case.rule)
    if param:
        values["value"] = sent.get(param)
    if case.rule == "LT412":
        values["expected"] = "the login initiation's client_id"
    return values


def cases_needing(memory: Mapping[str, str], cases: Sequence[AuthCase] = AUTH_CASES
                  ) -> list[tuple[AuthCase, str | None]]:
    """Each case with why it cannot run (None: it can), given what earlier launches left."""
    why = {"hint": "the platform sent no lti_message_hint",
           "nonce": "no earlier authentication request"}
    return [(k, why[k.needs] if k.needs and not memory.get(k.needs) else None) for k in cases]
