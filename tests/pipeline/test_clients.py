"""The target clients against `responses`: multipart uploads, paging, Graph token and $batch."""

from __future__ import annotations

import json
import random

import pytest
import requests
import responses
from responses import matchers

from pipeline.clients import BatchItem, C4thClient, DrillClient, GraphClient, LgateClient
from pipeline.http import RetryingHttpClient, RetryPolicy, TargetError

LG, GR, DR, C4 = "http://lgate.test", "http://m365.test", "http://drill.test", "http://c4th.test"
TOKEN_URL = f"{GR}/tenant1/oauth2/v2.0/token"


def http(target: str, waits: list[float] | None = None, retries: int = 3
         ) -> RetryingHttpClient:
    sink = waits if waits is not None else []
    return RetryingHttpClient(requests.Session, target=target,
                              policy=RetryPolicy(retries=retries), sleep=sink.append,
                              rng=random.Random(0))


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def graph(waits=None, clock=None) -> GraphClient:
    return GraphClient(http("m365", waits), GR, tenant="tenant1", client_id="app",
                       client_secret="S3CRET-VALUE", clock=clock or Clock())


def token(n: int = 1, expires: int = 3599) -> None:
    for i in range(n):
        responses.post(TOKEN_URL, json={"token_type": "Bearer", "expires_in": expires,
                                        "access_token": f"tok{i}"})


@responses.activate
def test_lgate_bulk_is_multipart_file_and_answer_parsed():
    responses.post(f"{LG}/oneroster/bulk", json={"created": {"users": 2}})
    client = LgateClient(http("lgate"), LG + "/", token="lg-token")
    assert client.upload_bulk(b"PK\x03\x04zip", "RO_20250501_082201.zip") == {
        "created": {"users": 2}}
    req = responses.calls[0].request
    assert req.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="RO_20250501_082201.zip"' in req.body
    assert req.headers["Authorization"] == "Bearer lg-token"
    assert "lg-token" not in repr(client)


@responses.activate
def test_lgate_refusal_carries_findings():
    responses.post(f"{LG}/oneroster/bulk", status=422, json={"error": {
        "code": "invalidBundle", "message": "m", "findings": [{"rule": "OR402"}]}})
    with pytest.raises(TargetError) as info:
        LgateClient(http("lgate"), LG).upload_bulk(b"PK", "x.zip")
    assert info.value.status == 422
    assert info.value.body["error"]["findings"][0]["rule"] == "OR402"


@responses.activate
def test_lgate_passwords_upload():
    responses.post(f"{LG}/accounts/initial-passwords",
                   json={"accepted": 1, "replaced": 0, "rejected": []})
    answer = LgateClient(http("lgate"), LG).upload_passwords(b"csv")
    assert answer["accepted"] == 1
    assert b'name="file"' in responses.calls[0].request.body


@responses.activate
def test_read_api_pages_until_total():
    url = f"{LG}/ims/oneroster/rostering/v1p2/users"
    responses.get(url, match=[matchers.query_param_matcher({"limit": "1000", "offset": "0"})],
                  json={"users": [{"sourcedId": str(i)} for i in range(1000)]},
                  headers={"X-Total-Count": "1500"})
    responses.get(url, match=[matchers.query_param_matcher({"limit": "1000",
                                                            "offset": "1000"})],
                  json={"users": [{"sourcedId": str(i)} for i in range(1000, 1500)]},
                  headers={"X-Total-Count": "1500"})
    users = LgateClient(http("lgate"), LG).list_users()
    assert [u["sourcedId"] for u in users] == [str(i) for i in range(1500)]
    assert len(responses.calls) == 2


@responses.activate
def test_read_api_rejects_a_non_oneroster_answer():
    responses.get(f"{DR}/ims/oneroster/rostering/v1p2/users", json={"items": []})
    with pytest.raises(TargetError, match="not a OneRoster users page"):
        DrillClient(http("drill"), DR).list_users()


@responses.activate
def test_drill_delta_upload():
    responses.post(f"{DR}/oneroster/delta", json={"applied": {"users": {"created": 1}}})
    assert DrillClient(http("drill"), DR).upload_delta(b"PK", "d.zip")["applied"]
    assert b'name="file"; filename="d.zip"' in responses.calls[0].request.body


@responses.activate
def test_c4th_export_name_and_zip_check():
    responses.get(f"{C4}/oneroster/export", body=b"PK\x03\x04data", headers={
        "Content-Disposition": 'attachment; filename="RO_20250501_082201.zip"'})
    responses.get(f"{C4}/oneroster/export", body=b"<html>login</html>")
    client = C4thClient(http("c4th"), C4)
    export = client.fetch_export()
    assert export.filename == "RO_20250501_082201.zip" and export.content.startswith(b"PK")
    with pytest.raises(TargetError, match="not a zip"):
        client.fetch_export()


@responses.activate
def test_graph_token_cached_and_refreshed_near_expiry():
    token(2, expires=3599)
    responses.get(f"{GR}/v1.0/users", json={"value": []})
    clock = Clock()
    g = graph(clock=clock)
    g.find_user("a@x.jp")
    g.find_user("b@x.jp")
    assert g.token_fetches == 1
    clock.t += 3599 - 30  # inside the refresh margin
    g.find_user("c@x.jp")
    assert g.token_fetches == 2
    sent = responses.calls[0].request.body
    assert "grant_type=client_credentials" in sent and "client_id=app" in sent
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer tok1"


@responses.activate
def test_graph_refreshes_token_on_401_once():
    token(2)
    responses.get(f"{GR}/v1.0/users", status=401, json={"error": {"code": "InvalidAuth"}})
    responses.get(f"{GR}/v1.0/users", json={"value": [{"id": "1", "userPrincipalName": "A@x.jp"}]})
    g = graph()
    assert g.find_user("a@x.jp")["id"] == "1"
    assert g.token_fetches == 2


@responses.activate
def test_graph_gives_up_when_still_unauthorised():
    token(3)
    responses.get(f"{GR}/v1.0/users", status=401, json={})
    with pytest.raises(TargetError, match="unauthorised") as info:
        graph().find_user("a@x.jp")
    assert "S3CRET" not in str(info.value) and "tok0" not in str(info.value)


@responses.activate
def test_graph_filter_quotes_and_matches_exactly():
    token()
    responses.get(f"{GR}/v1.0/users", json={"value": [
        {"id": "1", "userPrincipalName": "o'neil@x.jp"}]})
    g = graph()
    assert g.find_user("O'Neil@x.jp")["id"] == "1"
    assert "o%27%27neil" in responses.calls[1].request.url.lower()


@responses.activate
def test_graph_list_users_follows_next_link():
    token()
    responses.get(f"{GR}/v1.0/users", match=[matchers.query_param_matcher({"$top": "999"})],
                  json={"value": [{"id": "1"}], "@odata.nextLink": f"{GR}/v1.0/users?$skiptoken=2"})
    responses.get(f"{GR}/v1.0/users", match=[matchers.query_param_matcher({"$skiptoken": "2"})],
                  json={"value": [{"id": "2"}]})
    assert [u["id"] for u in graph().list_users()] == ["1", "2"]


def _batch_answer(statuses: dict[str, int], retry_after: str | None = None):
    def callback(request):
        reqs = json.loads(request.body)["requests"]
        out = []
        for r in reqs:
            status = statuses.get(r["id"], 200)
            headers = {"Retry-After": retry_after} if status == 429 and retry_after else {}
            out.append({"id": r["id"], "status": status, "headers": headers,
                        "body": {"id": f"u{r['id']}"} if status < 300 else
                        {"error": {"code": "TooManyRequests"}}})
        return 200, {}, json.dumps({"responses": out})
    return callback


@responses.activate
def test_batch_chunks_of_twenty():
    token()
    responses.add_callback(responses.POST, f"{GR}/v1.0/$batch", callback=_batch_answer({}))
    items = [BatchItem(str(i), "GET", f"/users/u{i}") for i in range(45)]
    results = graph().batch(items)
    assert len(results) == 45 and all(r.ok for r in results.values())
    sizes = [len(json.loads(c.request.body)["requests"]) for c in responses.calls[1:]]
    assert sizes == [20, 20, 5]


@responses.activate
def test_batch_retries_only_throttled_items_after_retry_after():
    token()
    responses.add_callback(responses.POST, f"{GR}/v1.0/$batch",
                           callback=_batch_answer({"1": 429, "3": 429}, retry_after="4"))
    responses.add_callback(responses.POST, f"{GR}/v1.0/$batch", callback=_batch_answer({}))
    waits: list[float] = []
    items = [BatchItem(str(i), "POST", "/users", {"passwordProfile": {"password": "pw"}})
             for i in range(5)]
    results = graph(waits).batch(items)
    assert all(r.ok for r in results.values())
    assert waits == [4.0]
    second = json.loads(responses.calls[2].request.body)["requests"]
    assert [r["id"] for r in second] == ["1", "3"]
    assert "pw" not in repr(items[0]) and "pw" not in repr(results["1"])


@responses.activate
def test_batch_gives_back_the_last_error_when_throttling_persists():
    token()
    for _ in range(4):
        responses.add_callback(responses.POST, f"{GR}/v1.0/$batch",
                               callback=_batch_answer({"0": 429}))
    results = graph().batch([BatchItem("0", "GET", "/users/a")])
    assert results["0"].status == 429 and results["0"].error_code == "TooManyRequests"
    assert len(responses.calls) == 1 + 4  # the token, then 1 + 3 retries


@responses.activate
def test_batch_malformed_answer_is_a_target_error():
    token()
    responses.post(f"{GR}/v1.0/$batch", body="not json")
    with pytest.raises(TargetError, match="malformed"):
        graph().batch([BatchItem("0", "GET", "/users/a")])


def test_no_secret_in_reprs():
    g = graph()
    assert "S3CRET" not in repr(g) and "S3CRET" not in repr(g.__dict__.get("http"))
