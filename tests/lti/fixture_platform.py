"""A small LTI 1.3 platform for the ``certify lti-platform`` tests, written apart from
``harness.lti.platform`` (PyJWT and Flask only) so that renkei is tested against code it did
not write: strict by default, with one hole at a time switched on by name.

Each hole is named after the certification case that must catch it (``HOLES``): a platform
with that hole must fail exactly that case and pass every other.
"""

from __future__ import annotations

import html
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ISSUER = "https://fixture-platform.example"
CLIENT_ID = "renkei"
DEPLOYMENT = "dep-1"
CONTEXT = "course-1"
USER = "u-0001"

HOLES = (
    # the authentication request
    "auth_redirect_other_host", "auth_redirect_other_path", "auth_redirect_markup",
    "auth_hint_forged", "auth_hint_missing", "auth_hint_replayed",
    "auth_login_hint_other_user", "auth_login_hint_missing", "auth_client_id_mismatch",
    "auth_scope_not_openid", "auth_response_type_code", "auth_response_mode_query",
    "auth_prompt_login", "auth_nonce_missing", "auth_nonce_reused", "auth_state_missing",
    # Deep Linking responses
    "dl_bad_signature", "dl_unknown_kid", "dl_wrong_aud", "dl_no_aud", "dl_other_iss",
    "dl_unknown_deployment", "dl_no_deployment", "dl_version_120", "dl_no_nonce", "dl_no_exp",
    "dl_no_iat", "dl_iat_old", "dl_replayed",
    # services
    "svc_assertion_wrong_aud", "svc_assertion_expired", "svc_jti_replayed",
    "svc_scope_outside", "svc_wrong_context",
)


def create_fixture_platform(tool_url: str, *, hole: str | None = None,
                            session: dict[str, str] | None = None,
                            sso_url: str | None = None) -> Flask:
    """The platform, with renkei's tool at ``tool_url`` registered; ``hole``: one of HOLES.

    :param session: ``{"cookie": value}`` and/or ``{"header": value}``: a launch starts only
        for a logged-in user (cookie ``session`` or header ``X-Session`` with that value).
    """
    if hole is not None and hole not in HOLES:
        raise ValueError(f"unknown hole {hole!r}")
    app = Flask("fixture_platform")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = "fixture-1"
    public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    redirect_uri = tool_url + "/launch"
    hints: dict[str, dict[str, Any]] = {}  # hint -> {"used": bool, "type": message type}
    nonces: set[str] = set()
    dl_nonces: set[str] = set()
    jtis: set[str] = set()
    tokens: dict[str, set[str]] = {}
    base: dict[str, str] = {}

    def holed(name: str) -> bool:
        return hole == name

    def here() -> str:
        return base.setdefault("url", request.host_url.rstrip("/"))

    def page(text: str, status: int) -> tuple[str, int]:
        return f"<!doctype html><p>{html.escape(text)}</p>", status

    def form(url: str, fields: dict[str, str], *, escape: bool = True) -> str:
        esc = html.escape if escape else (lambda v: v)
        inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" '
                         f'value="{html.escape(v)}">' for k, v in fields.items())
        return (f"<!doctype html><body onload='document.forms[0].submit()'>"
                f'<form method="post" action="{esc(url)}">{inputs}</form></body>')

    @app.get("/jwks")
    def jwks() -> Any:
        return jsonify({"keys": [{**public, "kid": kid, "alg": "RS256", "use": "sig"}]})

    @app.get("/start")
    def start() -> Any:
        need = session or {}
        if "cookie" in need and request.cookies.get("session") != need["cookie"]:
            return page("log in first", 401)
        if "header" in need and request.headers.get("X-Session") != need["header"]:
            return page("log in first", 401)
        if sso_url and request.args.get("via") != "sso":
            back = f"{here()}/start?" + urlencode({**request.args, "via": "sso"})
            return redirect(sso_url + "/pass?" + urlencode({"next": back}))
        hint = secrets.token_urlsafe(12)
        hints[hint] = {"used": False, "deep": request.args.get("type") == "deeplink"}
        return redirect(tool_url + "/login?" + urlencode({
            "iss": ISSUER, "login_hint": USER, "target_link_uri": tool_url + "/launch",
            "lti_message_hint": hint, "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT}))

    @app.get("/auth")
    def auth() -> Any:
        q = request.args
        uri = q.get("redirect_uri", "")
        ok_uri = uri == redirect_uri or (
            holed("auth_redirect_other_host") and uri.endswith("/steal")
            and not uri.startswith(tool_url)) or (
            holed("auth_redirect_other_path") and uri.startswith(tool_url + "/")
            and "?" not in uri) or (
            holed("auth_redirect_markup") and uri.startswith(redirect_uri + "?"))
        if not ok_uri:
            return page(f"unregistered redirect_uri {uri}", 400)
        client = q.get("client_id")
        if client != CLIENT_ID and not holed("auth_client_id_mismatch"):
            return page("unknown client_id", 400)
        state = q.get("state")

        def error(code: str) -> str:
            return form(redirect_uri, {"error": code, **({"state": state} if state else {})})

        if q.get("scope") != "openid" and not holed("auth_scope_not_openid"):
            return error("invalid_scope")
        if q.get("response_type") != "id_token" and not holed("auth_response_type_code"):
            return error("unsupported_response_type")
        if q.get("response_mode") != "form_post" and not holed("auth_response_mode_query"):
            return error("invalid_request")
        if q.get("prompt", "none") != "none" and not holed("auth_prompt_login"):
            return error("invalid_request")
        nonce = q.get("nonce")
        if not nonce and not holed("auth_nonce_missing"):
            return error("invalid_request")
        if nonce and nonce in nonces and not holed("auth_nonce_reused"):
            return error("invalid_request")
        hint = q.get("lti_message_hint")
        entry = hints.get(hint or "")
        if hint is None:
            if not holed("auth_hint_missing"):
                return error("invalid_request")
            entry = {"used": False, "deep": False}
        elif entry is None:
            if not holed("auth_hint_forged"):
                return error("invalid_request")
            entry = {"used": False, "deep": False}
        elif entry["used"] and not holed("auth_hint_replayed"):
            return error("invalid_request")
        login_hint = q.get("login_hint")
        if login_hint is None and not holed("auth_login_hint_missing"):
            return error("login_required")
        if login_hint not in (None, USER) and not holed("auth_login_hint_other_user"):
            return error("login_required")
        entry["used"] = True
        if nonce:
            nonces.add(nonce)
        token = id_token(nonce, deep=entry["deep"])
        fields = {"id_token": token}
        if state:
            fields["state"] = state
        elif holed("auth_state_missing"):
            fields["state"] = "platform-made-state"
        if q.get("response_mode") == "query":
            return redirect(uri + ("&" if "?" in uri else "?") + urlencode(fields))
        return form(uri, fields, escape=not holed("auth_redirect_markup"))

    def id_token(nonce: str | None, *, deep: bool) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER, "aud": CLIENT_ID, "sub": USER, "iat": now, "exp": now + 300,
            LTI + "version": "1.3.0", LTI + "deployment_id": DEPLOYMENT,
            LTI + "target_link_uri": tool_url + "/launch",
            LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
            LTI + "context": {"id": CONTEXT, "title": "Course 1"},
            NRPS_CLAIM: {"context_memberships_url": f"{here()}/nrps/{CONTEXT}",
                         "service_versions": ["2.0"]},
        }
        if nonce:
            claims["nonce"] = nonce
        if deep:
            claims[LTI + "message_type"] = "LtiDeepLinkingRequest"
            claims[DL + "deep_linking_settings"] = {
                "deep_link_return_url": here() + "/dl_return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"], "data": "fixture-data"}
        else:
            claims[LTI + "message_type"] = "LtiResourceLinkRequest"
            claims[LTI + "resource_link"] = {"id": "rl-1"}
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    def tool_key(token_kid: str | None) -> Any:
        keys = requests.get(tool_url + "/jwks", timeout=5).json()["keys"]
        found = [k for k in keys if k.get("kid") == token_kid]
        if not found and holed("dl_unknown_kid"):
            found = keys[:1]
        return jwt.algorithms.RSAAlgorithm.from_jwk(found[0]) if found else None

    @app.post("/dl_return")
    def dl_return() -> Any:
        token = request.form.get("JWT", "")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return page("not a JWT", 400)
        if claims.get("iss") != CLIENT_ID and not holed("dl_other_iss"):
            return page("unknown tool", 400)
        pub = tool_key(header.get("kid"))
        if pub is None:
            return page("unknown kid", 400)
        if not holed("dl_bad_signature"):
            try:
                jwt.decode(token, pub, algorithms=["RS256"],
                           options={"verify_aud": False, "verify_exp": False,
                                    "verify_iat": False})
            except jwt.PyJWTError:
                return page("bad signature", 400)
        aud = claims.get("aud")
        if aud is None:
            if not holed("dl_no_aud"):
                return page("no aud", 400)
        elif ISSUER not in (aud if isinstance(aud, list) else [aud]) \
                and not holed("dl_wrong_aud"):
            return page("wrong aud", 400)
        dep = claims.get(LTI + "deployment_id")
        if dep is None:
            if not holed("dl_no_deployment"):
                return page("no deployment_id", 400)
        elif dep != DEPLOYMENT and not holed("dl_unknown_deployment"):
            return page("unknown deployment", 400)
        if claims.get(LTI + "version") != "1.3.0" and not holed("dl_version_120"):
            return page("wrong version", 400)
        now = time.time()
        if "exp" not in claims:
            if not holed("dl_no_exp"):
                return page("no exp", 400)
        elif claims["exp"] < now:
            return page("expired", 400)
        if "iat" not in claims:
            if not holed("dl_no_iat"):
                return page("no iat", 400)
        elif claims["iat"] < now - 3600 and not holed("dl_iat_old"):
            return page("too old", 400)
        nonce = claims.get("nonce")
        if not nonce:
            if not holed("dl_no_nonce"):
                return page("no nonce", 400)
        elif nonce in dl_nonces and not holed("dl_replayed"):
            return page("replayed", 400)
        if nonce:
            dl_nonces.add(nonce)
        return page("saved", 200)

    @app.post("/token")
    def token() -> Any:
        assertion = request.form.get("client_assertion", "")
        try:
            claims = jwt.decode(assertion, tool_key(jwt.get_unverified_header(assertion)
                                                    .get("kid")),
                                algorithms=["RS256"], options={"verify_aud": False,
                                                               "verify_exp": False})
        except (jwt.PyJWTError, TypeError, ValueError):
            return jsonify({"error": "invalid_client"}), 401
        if claims.get("iss") != CLIENT_ID or claims.get("sub") != CLIENT_ID:
            return jsonify({"error": "invalid_client"}), 401
        if claims.get("aud") != here() + "/token" and not holed("svc_assertion_wrong_aud"):
            return jsonify({"error": "invalid_client"}), 401
        if claims.get("exp", 0) < time.time() and not holed("svc_assertion_expired"):
            return jsonify({"error": "invalid_client"}), 401
        jti = str(claims.get("jti", ""))
        if (not jti or jti in jtis) and not holed("svc_jti_replayed"):
            return jsonify({"error": "invalid_client"}), 401
        jtis.add(jti)
        scopes = set(request.form.get("scope", "").split())
        if not scopes <= {NRPS_SCOPE} and not holed("svc_scope_outside"):
            return jsonify({"error": "invalid_scope"}), 400
        access = secrets.token_urlsafe(16)
        tokens[access] = scopes
        return jsonify({"access_token": access, "token_type": "bearer", "expires_in": 3600,
                        "scope": " ".join(sorted(scopes))})

    @app.get("/nrps/<ctx>")
    def nrps(ctx: str) -> Any:
        got = tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if got is None or NRPS_SCOPE not in got:
            return jsonify({"error": "invalid_token"}), 401
        if ctx != CONTEXT and not holed("svc_wrong_context"):
            return jsonify({"error": "unknown context"}), 404
        resp = jsonify({"id": request.url, "context": {"id": ctx}, "members": [
            {"user_id": USER, "roles": [
                "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]}]})
        resp.headers["Content-Type"] = \
            "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
        return resp

    return app


def platform_toml(url: str) -> str:
    """The ``platform.toml`` certifying the fixture platform at ``url``, with a trigger."""
    return f"""
[platform]
issuer = "{ISSUER}"
client_id = "{CLIENT_ID}"
deployment_ids = ["{DEPLOYMENT}"]
auth_login_url = "{url}/auth"
auth_token_url = "{url}/token"
key_set_url = "{url}/jwks"
launch_url = "{url}/start"
deep_link_url = "{url}/start?type=deeplink"

[acceptance]
status = 200
marker = "saved"
"""
