"""The mocks' session cookie: signed with SECRET_KEY, fallbacks honoured, tampering and age
refused (Flask then starts an empty session), and the lgate login session across requests."""

from __future__ import annotations

import pytest
from flask import Flask, session
from itsdangerous import BadSignature, SignatureExpired

from mocks.base.sessions import KeptSerializerSessionInterface, SessionSigner


def test_round_trip_and_tampering() -> None:
    signer = SessionSigner("secret-1")
    value = signer.dumps({"lgate_user": "umi-1", "n": 2, "日本": ["a"]})
    assert signer.loads(value, max_age=60) == {"lgate_user": "umi-1", "n": 2, "日本": ["a"]}
    body, issued, mac = value.split(".")
    forged = SessionSigner("secret-1").dumps({"lgate_user": "umi-2"}).split(".")[0]
    for bad in (f"{forged}.{issued}.{mac}", f"{body}.{int(issued) + 1}.{mac}", f"{body}.{issued}",
                "", "...", f"{body}.{issued}.{mac[:-2]}", value + "x"):
        with pytest.raises(BadSignature):
            signer.loads(bad)
    with pytest.raises(BadSignature):
        SessionSigner("secret-2").loads(value)


def test_fallback_keys_and_age() -> None:
    now = [1_800_000_000.0]

    def clock() -> float:
        return now[0]

    old = SessionSigner("old", clock=clock).dumps({"u": "1"})
    rotated = SessionSigner("new", ["old"], clock=clock)
    assert rotated.loads(old) == {"u": "1"}
    # new cookies are signed with the new key only
    with pytest.raises(BadSignature):
        SessionSigner("old", clock=clock).loads(rotated.dumps({"u": "2"}))
    now[0] += 100
    assert rotated.loads(old, max_age=100) == {"u": "1"}
    with pytest.raises(SignatureExpired):
        rotated.loads(old, max_age=99)


def test_flask_session_across_requests_and_key_change() -> None:
    app = Flask(__name__)
    app.secret_key = "k1"
    app.session_interface = KeptSerializerSessionInterface()

    @app.get("/login/<user>")
    def login(user: str) -> str:
        session["user"] = user
        return "ok"

    @app.get("/who")
    def who() -> str:
        return str(session.get("user"))

    client = app.test_client()
    client.get("/login/umi-1")
    assert client.get("/who").text == "umi-1"
    app.secret_key = "k2"  # a new key: the old cookie no longer verifies
    assert client.get("/who").text == "None"
    app.config["SECRET_KEY_FALLBACKS"] = ["k1"]
    client.get("/login/umi-2")
    assert client.get("/who").text == "umi-2"
    client.set_cookie("session", "not-a-cookie")
    assert client.get("/who").text == "None"


@pytest.mark.parametrize("cookie", [None, "", "not-a-cookie", "good", "tampered", "old"])
def test_open_session_is_flasks(cookie: str | None) -> None:
    from flask.sessions import SecureCookieSessionInterface

    app = Flask(__name__)
    app.secret_key = "k1"
    kept = KeptSerializerSessionInterface()
    signed = kept.get_signing_serializer(app).dumps({"user": "umi-1"})
    value = {"good": signed, "tampered": signed[:-2] + "xx",
             "old": SessionSigner("k1", clock=lambda: 0.0).dumps({"user": "umi-1"})
             }.get(cookie or "", cookie)
    headers = {} if value is None else {"Cookie": f"session={value}"}
    with app.test_request_context(headers=headers) as ctx:
        ours = kept.open_session(app, ctx.request)
        flasks = SecureCookieSessionInterface.open_session(kept, app, ctx.request)
    assert type(ours) is type(flasks) and dict(ours) == dict(flasks)
    assert dict(ours) == ({"user": "umi-1"} if cookie == "good" else {})
