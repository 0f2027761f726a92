"""Signing messages on purpose right and on purpose wrong, for the certification's bad cases.

``sign_message`` with mode ``rs256`` is the normal path; the other modes make the tokens a tool
must reject: alg none, HS256 keyed with the public key, RS384, no kid, an unknown kid, a key
outside the published set, a token that is not a JWT at all, a stripped signature, a payload
changed after signing, and a token carrying its own (attacker's) key in a ``jwk`` header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt

from harness.lti.keys import KeyPair, KeyStore

SIGN_MODES = ("rs256", "none", "hs256", "rs384", "nokid", "wrongkid", "foreignkey", "notjwt",
              "jku", "stripped", "tampered", "jwk")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _raw(header: dict[str, Any], payload: dict[str, Any], secret: bytes | None) -> str:
    head = _b64(json.dumps(header, separators=(",", ":")).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode("ascii")
    sig = b"" if secret is None else hmac.new(secret, signing_input, hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


_FOREIGN: list[KeyPair] = []


def _foreign() -> KeyPair:
    """One attacker key per process (generating RSA keys is slow)."""
    if not _FOREIGN:
        _FOREIGN.append(KeyPair.generate("foreign"))
    return _FOREIGN[0]


def sign_message(keys: KeyStore, payload: dict[str, Any], mode: str = "rs256") -> str:
    """Sign ``payload`` as ``mode`` says (see :data:`SIGN_MODES`)."""
    key = keys.current
    if mode == "rs256":
        return key.sign(payload)
    if mode == "none":
        return _raw({"alg": "none", "typ": "JWT", "kid": key.kid}, payload, None)
    if mode == "hs256":
        # the classic key-confusion forgery: HMAC keyed with the platform's public key PEM
        return _raw({"alg": "HS256", "typ": "JWT", "kid": key.kid}, payload, key.public_pem())
    if mode == "rs384":
        return jwt.encode(payload, key.private_key, algorithm="RS384", headers={"kid": key.kid})
    if mode == "nokid":
        return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"typ": "JWT"})
    if mode == "wrongkid":
        return key.sign(payload, headers={"kid": "renkei-unknown-kid"})
    if mode == "foreignkey":
        return _foreign().sign(payload, headers={"kid": key.kid})
    if mode == "notjwt":
        return _b64(json.dumps(payload).encode())
    if mode == "stripped":
        head, body, _ = key.sign(payload).split(".")
        return f"{head}.{body}."
    if mode == "tampered":
        # signed as issued, then the payload is swapped: the signature no longer matches
        head, _, sig = key.sign(payload).split(".")
        altered = {**payload, "sub": "renkei-tampered-" + str(payload.get("sub", ""))}
        return f"{head}.{_b64(json.dumps(altered, separators=(',', ':')).encode())}.{sig}"
    if mode == "jwk":
        foreign = _foreign()
        return foreign.sign(payload, headers={"kid": foreign.kid, "jwk": foreign.public_jwk()})
    if mode == "jku":
        return key.sign(payload, headers={"jku": "https://attacker.invalid/jwks"})
    raise ValueError(f"unknown signing mode {mode!r}")
