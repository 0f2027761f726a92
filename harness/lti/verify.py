"""id_token verification: header, key by kid, RS256 signature, then every claim check.

The result is a :class:`Verdict` holding the findings; nothing is raised for bad tokens.
Rules: LT100-LT105, LT114, LT118 here, the rest through :mod:`harness.lti.checks`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from harness.core import Finding, FindingCollector, Severity
from harness.lti import checks
from harness.lti.constants import FORBIDDEN_HEADERS
from harness.lti.jwks import KeySetCache, KeySetError
from harness.lti.rules import REGISTRY


@dataclass
class Verdict:
    """The outcome of verifying one message: accepted when no ERROR finding was made."""

    claims: dict[str, Any] | None
    header: dict[str, Any] | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.claims is not None and all(f.severity < Severity.ERROR for f in self.findings)

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity >= Severity.ERROR]

    def reason(self) -> str:
        errs = self.errors()
        return "; ".join(f"{f.rule} {f.message_en}" for f in errs) or "ok"


_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
#: The largest id_token accepted, in characters. Real launches are a few KiB (a long roles
#: list and custom claims stay far below); a bigger token is refused before any decoding.
MAX_TOKEN_CHARS = 256 * 1024


def _b64decode(segment: str) -> bytes:
    # one C-level regex instead of a per-character check; strict base64url, no padding
    if not _B64URL.match(segment):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def split_token(token: str) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    """(header, payload bytes, signing input, signature) of a JWS compact token.

    Raises ``ValueError`` naming the problem (never echoing the token).
    """
    if not isinstance(token, str) or token.count(".") != 2:
        raise ValueError("not three dot-separated parts")
    head, body, sig = token.split(".")
    try:
        header = json.loads(_b64decode(head))
        payload = _b64decode(body)
        signature = _b64decode(sig)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"undecodable segment ({type(exc).__name__})") from None
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    return header, payload, f"{head}.{body}".encode("ascii"), signature


def read_header(token: str) -> tuple[dict[str, Any] | None, str | None]:
    """The JOSE header of ``token`` or (None, reason) when it is not a JWS compact token."""
    try:
        return split_token(token)[0], None
    except ValueError as exc:
        return None, str(exc)


def verify_jwt(
    token: str, keys: KeySetCache, out: FindingCollector, *, case: str,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Check the header, pick the key by kid and verify the RS256 signature.

    The signature is checked with cryptography directly (RSASSA-PKCS1-v1_5 with SHA-256, RFC
    7518 §3.3): only RS256 ever reaches this point, so no algorithm confusion is possible.
    Returns (header, claims); claims is None when the token must not be read further.
    Rules: LT100-LT105, LT118, LT121.
    """
    if isinstance(token, str) and len(token) > MAX_TOKEN_CHARS:
        out.add("LT121", file=case, value=len(token), limit=MAX_TOKEN_CHARS)
        return None, None
    try:
        header, payload, signing_input, signature = split_token(token)
    except ValueError as exc:
        out.add("LT100", file=case, reason=str(exc))
        return None, None
    alg = header.get("alg")
    if alg != "RS256":
        out.add("LT101", file=case, value=alg)
        return header, None
    for name in FORBIDDEN_HEADERS:
        if name in header:
            out.add("LT104", file=case, value=name)
    kid = header.get("kid")
    if not kid:
        out.add("LT102", file=case)
        return header, None
    try:
        key = keys.get(str(kid))
    except KeySetError as exc:
        out.add("LT118", file=case, reason=str(exc))
        return header, None
    if key is None:
        out.add("LT103", file=case, value=kid)
        return header, None
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        out.add("LT105", file=case, reason="signature mismatch")
        return header, None
    try:
        claims = json.loads(payload)
    except ValueError:
        out.add("LT100", file=case, reason="payload is not JSON")
        return header, None
    if not isinstance(claims, dict):
        out.add("LT100", file=case, reason="payload is not a JSON object")
        return header, None
    return header, claims


def verify_id_token(
    token: str, keys: KeySetCache, expect: checks.Expectation, *, case: str = "launch",
    consume_nonce: Callable[[str], bool] | None = None, profile: str = "core",
    platform_side: bool = False,
) -> Verdict:
    """Verify an id_token as a tool must (Security Framework §5.1.3), collecting findings.

    :param consume_nonce: called with the nonce once everything else passed; returns False for
        an unknown or replayed nonce (LT114). Consuming last means a forged token cannot burn
        a good nonce.
    :param profile: ``core`` or ``jp-eportal`` (adds the LT5xx WARN checks).
    :param platform_side: certifying a platform: also run the checks a platform certification
        adds (LT218 whitespace), and run every claim check on a token whose signature failed
        too (on its unverified payload: the platform's other defects are reported, the
        message stays rejected).
    """
    out = FindingCollector(REGISTRY, profile=profile)
    header, claims = verify_jwt(token, keys, out, case=case)
    if claims is None:
        unverified = peek_claims(token) if platform_side and header is not None else None
        if unverified is not None:
            check_claims(unverified, out, expect, case=case, profile=profile,
                         platform_side=True)
        return Verdict(None, header, out.findings)
    check_claims(claims, out, expect, case=case, profile=profile, platform_side=platform_side)
    if consume_nonce is not None and claims.get("nonce") and \
            not any(f.severity >= Severity.ERROR for f in out.findings) and \
            not consume_nonce(str(claims["nonce"])):
        out.add("LT114", file=case, value=claims["nonce"])
    return Verdict(claims, header, out.findings)


def check_claims(claims: dict[str, Any], out: FindingCollector, expect: checks.Expectation, *,
                 case: str, profile: str, platform_side: bool) -> None:
    """Every claim check of a message, whatever the outcome of the others."""
    checks.check_security_claims(claims, out, expect, case=case)
    checks.check_message_claims(claims, out, expect, case=case)
    checks.check_service_claims(claims, out, case=case)
    if profile == "jp-eportal":
        checks.check_jp_eportal(claims, out, case=case)
    if platform_side:
        checks.check_whitespace(claims, out, case=case)


def peek_claims(token: str) -> dict[str, Any] | None:
    """The unverified payload, for reports and diagnostics only; never trust it."""
    try:
        payload = jwt.decode(token, options={"verify_signature": False})
    except (jwt.DecodeError, json.JSONDecodeError):
        return None
    return payload if isinstance(payload, dict) else None
