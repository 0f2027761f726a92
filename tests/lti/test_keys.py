"""Keys: kid, JWKS, rotation with overlap, persistence with 0600 private key files."""

from __future__ import annotations

import json
import stat

import pytest
import responses

from harness.lti.http import LtiHttpClient
from harness.lti.jwks import KeySetCache, KeySetError, http_fetcher
from harness.lti.keys import KeyStore

PRIVATE_PARTS = {"d", "p", "q", "dp", "dq", "qi"}


def test_jwks_publishes_public_parts_only_with_kid_and_alg():
    store = KeyStore(None)
    (jwk,) = store.jwks()["keys"]
    assert jwk["kid"] == store.current.kid and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    assert not PRIVATE_PARTS & set(jwk)


def test_repr_never_shows_the_private_key():
    store = KeyStore(None)
    pem = store.current.private_pem().decode()
    text = repr(store) + repr(store.current)
    assert "PRIVATE" not in text and pem.splitlines()[1] not in text


def test_rotation_keeps_the_old_key_for_the_overlap():
    store = KeyStore(None, overlap=100)
    old = store.current.kid
    new = store.rotate().kid
    kids = [k["kid"] for k in store.jwks()["keys"]]
    assert kids == [new, old]
    later = store._keys[0].retired + 101
    assert [k["kid"] for k in store.jwks(now=later)["keys"]] == [new]


def test_a_kid_is_never_reused():
    store = KeyStore(None)
    with pytest.raises(ValueError):
        store.rotate(store.current.kid)


def test_keys_persist_across_restarts_with_0600_files(tmp_path):
    first = KeyStore(tmp_path)
    first.rotate()
    second = KeyStore(tmp_path)
    assert [k.kid for k in second.published()] == [k.kid for k in first.published()]
    for pem in tmp_path.glob("key-*.pem"):
        assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    index = json.loads((tmp_path / "keys.json").read_text())
    assert "PRIVATE" not in json.dumps(index)


def test_unreadable_key_state_names_the_folder_not_the_content(tmp_path):
    (tmp_path / "keys.json").write_text('{"keys": [{"kid": "a", "file": "missing.pem"}]}')
    with pytest.raises(ValueError, match="unreadable"):
        KeyStore(tmp_path)


@responses.activate
def test_jwks_cache_honours_max_age_and_refetches_on_unknown_kid():
    store = KeyStore(None)
    url = "https://platform.example/jwks"
    responses.get(url, json=store.jwks(), headers={"Cache-Control": "max-age=300"})
    cache = KeySetCache(url, http_fetcher(LtiHttpClient()))
    assert cache.get(store.current.kid, now=0) is not None
    assert cache.get(store.current.kid, now=10) is not None
    assert len(responses.calls) == 1  # cached
    new = store.rotate().kid
    responses.replace(responses.GET, url, json=store.jwks(),
                      headers={"Cache-Control": "max-age=300"})
    assert cache.get(new, now=20) is not None
    assert len(responses.calls) == 2  # unknown kid → one re-fetch
    assert cache.get("never-published", now=30) is None
    assert cache.get(new, now=400) is not None and len(responses.calls) == 4  # expired


@responses.activate
def test_jwks_fetch_failure_is_a_clear_error():
    responses.get("https://platform.example/jwks", status=500)
    cache = KeySetCache("https://platform.example/jwks", http_fetcher(LtiHttpClient()))
    with pytest.raises(KeySetError, match="HTTP 500"):
        cache.get("k")


def test_a_token_is_the_one_pyjwt_makes():
    import datetime as dt

    import jwt

    key = KeyStore(None).current
    payloads = [
        {"iss": "https://p.example", "aud": ["c"], "sub": "u1", "iat": 1, "exp": 2,
         "https://purl.imsglobal.org/spec/lti/claim/roles": ["Learner"], "name": "山田 太郎",
         "nested": {"a": [1, 2.5, None, True]}},
        {},
        {"iat": dt.datetime(2025, 5, 1, tzinfo=dt.UTC), "sub": "u2"},  # PyJWT's path
    ]
    for payload in payloads:
        want = jwt.encode(payload, key.private_key, algorithm="RS256",
                          headers={"kid": key.kid, "typ": "JWT"})
        assert key.sign(payload) == key.sign(payload) == want
    extra = {"kid": "other", "cty": "x"}
    assert key.sign({"a": 1}, headers=extra) == jwt.encode(
        {"a": 1}, key.private_key, algorithm="RS256", headers={"kid": "other", "typ": "JWT",
                                                                "cty": "x"})
    with pytest.raises(TypeError):
        key.sign({"iss": 5})
