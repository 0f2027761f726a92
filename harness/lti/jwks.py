"""A verifier's view of a public key set: fetch, cache (Cache-Control max-age), re-fetch on an
unknown kid, and the LT6xx checks on a JWKS document."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from harness.core import FindingCollector

#: fetch(url) -> (json document, Cache-Control header or None); raises on failure.
Fetcher = Callable[[str], tuple[Any, str | None]]
_MAX_AGE = re.compile(r"max-age=(\d+)")
_PRIVATE = ("d", "p", "q", "dp", "dq", "qi")


class KeySetError(Exception):
    """The key set could not be fetched or parsed; the text names the URL and the cause."""


def http_fetcher(client: Any) -> Fetcher:
    """A :data:`Fetcher` over :class:`harness.lti.http.LtiHttpClient`."""

    def fetch(url: str) -> tuple[Any, str | None]:
        resp = client.get(url)
        if resp.status != 200:
            raise KeySetError(f"GET {url} answered HTTP {resp.status}")
        return resp.json(), resp.headers.get("Cache-Control")

    return fetch


def parse_keys(doc: Any) -> dict[str, rsa.RSAPublicKey]:
    """kid → RSA public key for every usable key; keys without kid are skipped."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("keys"), list):
        raise KeySetError("not a JWKS document (no 'keys' array)")
    out: dict[str, rsa.RSAPublicKey] = {}
    for jwk in doc["keys"]:
        if not isinstance(jwk, Mapping) or not jwk.get("kid") or jwk.get("kty") != "RSA":
            continue
        try:
            key = RSAAlgorithm.from_jwk(dict(jwk))
        except Exception:  # noqa: BLE001 - a broken key is skipped, checked by check_jwks
            continue
        if isinstance(key, rsa.RSAPrivateKey):
            key = key.public_key()
        out[jwk["kid"]] = key
    return out


class KeySetCache:
    """Public keys of one issuer, by kid.

    :param url: the key set URL; ``None`` with ``static`` for a fixed, configured set.
    :param max_age: cache lifetime when the response has no max-age; ``honour_max_age`` lets the
        header win (Security Framework §6.3 says it may be honoured).
    :param min_refetch: seconds between re-fetches triggered by unknown kids (flood guard).
    """

    def __init__(
        self, url: str | None, fetch: Fetcher | None = None, *, static: Any = None,
        max_age: float = 300.0, honour_max_age: bool = True, min_refetch: float = 0.0,
    ) -> None:
        self.url = url
        self.fetch = fetch
        self.max_age = max_age
        self.honour_max_age = honour_max_age
        self.min_refetch = min_refetch
        self.fetches = 0
        self._keys: dict[str, rsa.RSAPublicKey] = parse_keys(static) if static else {}
        self._expires = float("inf") if static else 0.0
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _refresh(self, now: float) -> None:
        if self.url is None or self.fetch is None:
            return
        try:
            doc, cache_control = self.fetch(self.url)
            keys = parse_keys(doc)
        except KeySetError:
            raise
        except Exception as exc:  # noqa: BLE001 - any transport failure becomes one error
            raise KeySetError(f"key set {self.url} unavailable: {exc}") from None
        self.fetches += 1
        ttl = self.max_age
        m = _MAX_AGE.search(cache_control or "")
        if m and self.honour_max_age:
            ttl = float(m.group(1))
        self._keys, self._fetched_at, self._expires = keys, now, now + ttl

    def get(self, kid: str, *, now: float | None = None) -> rsa.RSAPublicKey | None:
        """The key for ``kid``; re-fetches once when the cache is stale or the kid unknown."""
        now = time.monotonic() if now is None else now
        key = self._keys.get(kid)
        if key is not None and now < self._expires:
            return key
        with self._lock:
            if now >= self._expires or (
                kid not in self._keys and now - self._fetched_at >= self.min_refetch
            ):
                self._refresh(now)
            return self._keys.get(kid)

    def kids(self) -> list[str]:
        return list(self._keys)


def check_jwks(doc: Any, out: FindingCollector, *, case: str,
               cache_control: str | None = "max-age=0", check_cache: bool = True) -> None:
    """A published key set. Rules: LT600-LT604 (LT602 when ``check_cache``)."""
    keys = doc.get("keys") if isinstance(doc, Mapping) else None
    if not isinstance(keys, list):
        out.add("LT604", file=case, value="(no keys array)")
        return
    seen: set[str] = set()
    for jwk in keys:
        if not isinstance(jwk, Mapping):
            out.add("LT604", file=case, value=repr(jwk)[:40])
            continue
        kid = jwk.get("kid")
        if not kid:
            out.add("LT600", file=case)
        elif kid in seen:
            out.add("LT601", file=case, value=kid)
        else:
            seen.add(kid)
        if any(p in jwk for p in _PRIVATE):
            out.add("LT603", file=case, value=kid)
        if jwk.get("kty") != "RSA" or jwk.get("alg", "RS256") != "RS256" or not jwk.get("n"):
            out.add("LT604", file=case, value=kid)
    if check_cache and not _MAX_AGE.search(cache_control or ""):
        out.add("LT602", file=case)
