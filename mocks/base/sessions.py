"""Flask's signed-cookie sessions, with the signing serializer built once per key set.

Flask builds a new ``URLSafeTimedSerializer`` (salt, key derivation, digest) for every
request, session or not; a rehearsal sends the mocks hundreds of thousands of requests, and
that construction was a tenth of an in-process launch. The cookie format is Flask's own.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """:class:`SecureCookieSessionInterface` that reuses its serializer while the keys hold."""

    def __init__(self) -> None:
        self._kept: tuple[Any, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._kept
        if kept is not None and kept[0] == keys:
            return kept[1]
        serializer = super().get_signing_serializer(app)
        self._kept = (keys, serializer)
        return serializer
