"""pipeline.http: retries, Retry-After, timeouts, dropped connections, give-up, no secrets."""

from __future__ import annotations

import random

import pytest
import requests
import responses

from pipeline.http import (
    RetryingHttpClient,
    RetryPolicy,
    TargetError,
    parse_retry_after,
    safe_url,
)

URL = "http://lgate.test/oneroster/bulk"


def client(**policy) -> tuple[RetryingHttpClient, list[float]]:
    """A client for lgate whose waits are recorded, not slept; ``policy``: RetryPolicy fields."""
    waits: list[float] = []
    policy.setdefault("retries", 3)
    return RetryingHttpClient(requests.Session, target="lgate", sleep=waits.append,
                              rng=random.Random(1), policy=RetryPolicy(**policy)), waits


@responses.activate
def test_retries_5xx_then_succeeds_with_growing_backoff():
    for _ in range(3):
        responses.post(URL, status=503)
    responses.post(URL, json={"ok": True})
    http, waits = client(backoff=0.5)
    assert http.post(URL, data=b"x").json() == {"ok": True}
    assert len(responses.calls) == 4
    assert len(waits) == 3
    # full jitter within [ceiling/2, ceiling] of 0.5, 1, 2
    for wait, ceiling in zip(waits, (0.5, 1.0, 2.0), strict=True):
        assert ceiling / 2 <= wait <= ceiling


@responses.activate
def test_429_honours_retry_after_and_caps_it():
    responses.get(URL, status=429, headers={"Retry-After": "7"})
    responses.get(URL, status=429, headers={"Retry-After": "100000"})
    responses.get(URL, status=200, body="done")
    http, waits = client(max_retry_after=60)
    assert http.get(URL).text == "done"
    assert waits == [7.0, 60.0]


@responses.activate
def test_timeout_is_retried_and_passed_to_requests():
    responses.get(URL, body=requests.ReadTimeout("slow"))
    responses.get(URL, body="ok")
    http, waits = client(timeout=4)
    assert http.get(URL).text == "ok"
    assert len(waits) == 1
    assert responses.calls[1].request.req_kwargs["timeout"] == 4


@responses.activate
def test_dropped_connection_is_retried():
    responses.post(URL, body=requests.ConnectionError("reset by peer"))
    responses.post(URL, json={"created": {}})
    http, _ = client()
    assert http.post(URL).json() == {"created": {}}
    assert len(responses.calls) == 2


@responses.activate
def test_connection_dropped_while_reading_the_body_is_retried():
    responses.get(URL, body=requests.exceptions.ChunkedEncodingError("closed mid-body"))
    responses.get(URL, body="whole")
    http, waits = client()
    assert http.get(URL).text == "whole" and len(waits) == 1


@responses.activate
def test_gives_up_with_a_target_error():
    for _ in range(4):
        responses.get(URL, body=requests.ConnectionError("down"))
    http, waits = client(retries=3)
    with pytest.raises(TargetError) as info:
        http.get(URL)
    assert info.value.target == "lgate"
    assert "gave up after 4 attempts" in str(info.value)
    assert len(waits) == 3 and len(responses.calls) == 4


@responses.activate
def test_other_4xx_is_not_retried():
    responses.post(URL, status=422, json={"error": {"code": "invalidBundle", "message": "bad"}})
    http, waits = client()
    with pytest.raises(TargetError) as info:
        http.post(URL)
    assert info.value.status == 422
    assert "invalidBundle" in str(info.value)
    assert info.value.body["error"]["code"] == "invalidBundle"
    assert waits == [] and len(responses.calls) == 1


@responses.activate
def test_accepted_4xx_is_returned():
    responses.get(URL, status=404)
    http, _ = client()
    assert http.get(URL, ok=(404,)).status_code == 404


@responses.activate
def test_no_secret_in_errors():
    secret_url = "http://lgate.test/x?access_token=TOPSECRET"
    responses.get(secret_url, status=401, body="token TOPSECRET rejected")
    http, _ = client()
    with pytest.raises(TargetError) as info:
        http.get(secret_url, headers={"Authorization": "Bearer TOPSECRET"})
    assert "TOPSECRET" not in str(info.value)
    assert "TOPSECRET" not in repr(info.value)
    assert "TOPSECRET" not in repr(http)


def test_session_factory_used_once():
    made = []

    def factory():
        made.append(1)
        return requests.Session()

    http = RetryingHttpClient(factory, target="m365")
    assert http.session is http.session
    assert made == [1]


def test_retry_after_forms():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("-1") == 0.0
    assert parse_retry_after("nonsense") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert safe_url("http://u:p@h.test:81/a/b?token=x") == "http://h.test:81/a/b"
