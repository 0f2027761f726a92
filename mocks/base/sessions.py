"""Flask's signed-cookie sessions with a lighter signer, built once per key set.

Flask builds a new ``URLSafeTimedSerializer`` for every request, and each of its ``dumps`` and
``loads`` derives the key again, runs HMAC through Python's generic path, tags every value of
the session for JSON and tries zlib: ~45 µs each way, a few percent of an in-process launch
(lgate writes its login session at ``/launch`` and reads it at ``/lti/auth``).
:class:`SessionSigner` keeps Flask's semantics — a cookie signed with ``SECRET_KEY``, also
accepted when signed with a ``SECRET_KEY_FALLBACKS`` key, refused once older than the
session lifetime, an empty session for a bad or expired cookie — in its own format:
``base64url(JSON) . issued-at . base64url(HMAC-SHA256)``, keys derived once.

Session values must be JSON values (the mocks keep strings there); anything else is a
``TypeError`` when the session is saved.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired

#: what the signing keys are derived for (another use of SECRET_KEY gets other keys)
SALT = b"renkei-mock-session"
#: ``json.dumps(value, separators=(",", ":"), ensure_ascii=False)`` without a new encoder
#: built for every call (what ``json.dumps`` does when given any option)
_to_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Signs a session dict into a cookie value and reads it back (``dumps`` / ``loads``).

    :param signing_key: ``SECRET_KEY``; new cookies are signed with it.
    :param fallbacks: ``SECRET_KEY_FALLBACKS``; cookies signed with one still verify.
    :param clock: seconds since the epoch (injectable for tests).
    """

    def __init__(self, signing_key: str | bytes, fallbacks: Sequence[str | bytes] = (), *,
                 clock: Any = time.time) -> None:
        self._sign_with = self._derive(signing_key)
        self._keys = [self._sign_with, *(self._derive(k) for k in fallbacks)]
        self.clock = clock

    @staticmethod
    def _derive(secret: str | bytes) -> bytes:
        raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        return hmac.digest(raw, SALT, "sha256")

    def dumps(self, session: Mapping[str, Any]) -> str:
        body = _b64(_to_json(dict(session)).encode("utf-8"))
        signed = f"{body}.{int(self.clock())}"
        return f"{signed}.{_b64(hmac.digest(self._sign_with, signed.encode('ascii'), 'sha256'))}"

    def loads(self, value: str | bytes, max_age: float | None = None) -> dict[str, Any]:
        """The session in ``value``.

        :raises itsdangerous.BadSignature: not a cookie signed with one of the keys, or older
            than ``max_age`` seconds (``SignatureExpired``); Flask answers both with an empty
            session.
        """
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        signed, dot, mac_text = text.rpartition(".")
        body, _, issued = signed.partition(".")
        try:
            mac = _unb64(mac_text)
            data = signed.encode("ascii")
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise BadSignature("the session cookie is not signed") from None
        for key in self._keys if dot else ():
            if hmac.compare_digest(hmac.digest(key, data, "sha256"), mac):
                break
        else:
            raise BadSignature("the session cookie's signature does not match")
        if not issued.isdigit():
            raise BadSignature("the session cookie has no issue time")
        if max_age is not None and self.clock() - int(issued) > max_age:
            raise SignatureExpired("the session cookie has expired")
        try:
            session = json.loads(_unb64(body))
        except (binascii.Error, ValueError):
            raise BadSignature("the session cookie's body is not JSON") from None
        if not isinstance(session, dict):
            raise BadSignature("the session cookie's body is not an object")
        return session


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """:class:`SecureCookieSessionInterface` with a :class:`SessionSigner` kept while the
    keys hold (cookie name, path, domain, flags and lifetime are Flask's own handling)."""

    def __init__(self) -> None:
        self._kept: tuple[Any, SessionSigner | None] | None = None

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Flask's ``open_session``, the cookie looked up with ``in`` first: a request
        without one (every launch's first visit to lgate) would otherwise raise and catch a
        ``BadRequestKeyError`` in the cookies' ``get``."""
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        cookies, name = request.cookies, self.get_cookie_name(app)
        if name not in cookies or not cookies[name]:
            return self.session_class()
        value = cookies[name]
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            return self.session_class(signer.loads(value, max_age=max_age))
        except BadSignature:
            return self.session_class()

    def get_signing_serializer(self, app: Flask) -> SessionSigner | None:  # type: ignore[override]
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._kept
        if kept is not None and kept[0] == keys:
            return kept[1]
        signer = SessionSigner(app.secret_key, keys[1]) if app.secret_key else None
        self._kept = (keys, signer)
        return signer
