"""RSA signing keys with kid, the public key set (JWKS), rotation and persistence.

A platform or tool keeps its keys in a state directory (``keys.json`` plus one PEM file per key,
mode 0600) so a restarted process signs with the same kid. Private keys never appear in a repr,
a log line or an exception message.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt.algorithms import RSAAlgorithm

#: Cache-Control max-age served with a JWKS; short, so rotation reaches verifiers quickly.
JWKS_MAX_AGE = 300
#: How long a retired key stays published after rotation (Security Framework §6.3 overlap).
DEFAULT_OVERLAP = 3600


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _plain_claims(payload: dict[str, Any]) -> bool:
    """A dict PyJWT would encode as it is: no datetime time claims to convert, ``iss`` (if
    any) a string (PyJWT refuses anything else)."""
    return (type(payload) is dict
            and not any(isinstance(payload.get(c), datetime) for c in ("exp", "iat", "nbf"))
            and isinstance(payload.get("iss", ""), str))


def _new_kid() -> str:
    return time.strftime("%Y%m%d") + "-" + secrets.token_hex(6)


@dataclass(eq=False)
class KeyPair:
    """One RSA key pair named by ``kid``; the private half is never shown."""

    kid: str
    private_key: rsa.RSAPrivateKey = field(repr=False)
    created: float = field(default_factory=time.time)
    retired: float | None = None
    _head: bytes | None = field(default=None, init=False, repr=False)

    @classmethod
    def generate(cls, kid: str | None = None, *, bits: int = 2048) -> KeyPair:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return cls(kid or _new_kid(), key)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        """The public JWK with kid, alg RS256 and use sig."""
        jwk = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        jwk.update(kid=self.kid, alg="RS256", use="sig")
        return jwk

    def sign(self, payload: dict[str, Any], *, headers: dict[str, Any] | None = None) -> str:
        """Sign ``payload`` with RS256, kid in the header.

        The token ``jwt.encode`` makes, byte for byte (PKCS#1 v1.5 signatures are
        deterministic; test: tests/lti/test_keys.py); without extra ``headers`` it is made
        here, with the header's segment written once per key and the payload's JSON and the
        signature as PyJWT makes them, without its per-token checks and conversions (a
        launch signs one token; PyJWT's work around the signature was ~40% of it).
        """
        if headers or not _plain_claims(payload):
            hdr = {"kid": self.kid, "typ": "JWT", **(headers or {})}
            return jwt.encode(payload, self.private_key, algorithm="RS256", headers=hdr)
        head = self._head
        if head is None:
            head = self._head = _b64url(json.dumps(
                {"alg": "RS256", "kid": self.kid, "typ": "JWT"}, separators=(",", ":"),
                sort_keys=True).encode())
        signing_input = head + b"." + _b64url(
            json.dumps(payload, separators=(",", ":")).encode("utf-8"))
        signature = self.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return (signing_input + b"." + _b64url(signature)).decode("utf-8")

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_pem(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class KeyStore:
    """The keys of one party: the current signing key plus retired keys still published.

    :param state_dir: where keys persist; ``None`` keeps them in memory only.
    :param overlap: seconds a retired key stays in the JWKS after :meth:`rotate`.

    >>> store = KeyStore(None)
    >>> store.current.kid in {k["kid"] for k in store.jwks()["keys"]}
    True
    """

    def __init__(
        self, state_dir: str | os.PathLike[str] | None = None, *, overlap: float = DEFAULT_OVERLAP,
        bits: int = 2048,
    ) -> None:
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.overlap = overlap
        self.bits = bits
        self._keys: list[KeyPair] = []
        if self.state_dir is not None and (self.state_dir / "keys.json").exists():
            self._load()
        if not self._keys:
            self._keys.append(KeyPair.generate(bits=bits))
            self._save()

    def __repr__(self) -> str:
        return f"KeyStore(kids={[k.kid for k in self._keys]!r}, state_dir={self.state_dir!r})"

    @property
    def current(self) -> KeyPair:
        return self._keys[-1]

    def published(self, now: float | None = None) -> list[KeyPair]:
        """The current key and the retired keys still within their overlap period."""
        now = time.time() if now is None else now
        return [k for k in self._keys if k.retired is None or now < k.retired + self.overlap]

    def jwks(self, now: float | None = None) -> dict[str, Any]:
        """The public key set document (RFC 7517), newest key first."""
        return {"keys": [k.public_jwk() for k in reversed(self.published(now))]}

    def find(self, kid: str) -> KeyPair | None:
        return next((k for k in self._keys if k.kid == kid), None)

    def rotate(self, kid: str | None = None) -> KeyPair:
        """Start signing with a new key; the old one stays published for ``overlap`` seconds.

        A kid is never reused (Security Framework §6.3), so a clash raises ``ValueError``.
        """
        if kid is not None and self.find(kid) is not None:
            raise ValueError(f"kid {kid!r} was already used")
        now = time.time()
        self.current.retired = now
        new = KeyPair.generate(kid, bits=self.bits)
        self._keys = [k for k in self._keys if k.retired is None or now < k.retired + self.overlap]
        self._keys.append(new)
        self._save()
        return new

    def sign(self, payload: dict[str, Any], **kwargs: Any) -> str:
        return self.current.sign(payload, **kwargs)

    # -- persistence -------------------------------------------------------------------------
    def _save(self) -> None:
        if self.state_dir is None:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        index = []
        for key in self._keys:
            pem_path = self.state_dir / f"key-{key.kid}.pem"
            if not pem_path.exists():
                # create with 0600 from the start; a chmod afterwards would leave a window
                fd = os.open(pem_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(key.private_pem())
            index.append({"kid": key.kid, "created": key.created, "retired": key.retired,
                          "file": pem_path.name})
        tmp = self.state_dir / "keys.json.tmp"
        tmp.write_text(json.dumps({"keys": index}, indent=2), encoding="utf-8")
        tmp.replace(self.state_dir / "keys.json")

    def _load(self) -> None:
        assert self.state_dir is not None
        try:
            index = json.loads((self.state_dir / "keys.json").read_text(encoding="utf-8"))
            for entry in index["keys"]:
                pem = (self.state_dir / entry["file"]).read_bytes()
                key = serialization.load_pem_private_key(pem, password=None)
                if not isinstance(key, rsa.RSAPrivateKey):
                    raise ValueError("not an RSA key")
                self._keys.append(KeyPair(entry["kid"], key, entry["created"], entry["retired"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # name the file, never its content
            raise ValueError(
                f"key state in {self.state_dir} is unreadable ({type(exc).__name__})"
            ) from None
