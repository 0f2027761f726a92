"""Mocks served by waitress over loopback: drops really cut the socket, trickle, peers."""

from __future__ import annotations

import time

import pytest
import requests

from mocks.serve import MockServers, ServeError, plan_ports


@pytest.fixture(scope="module")
def live() -> MockServers:
    with MockServers(["c4th", "m365"], port_base=0, threads=4) as servers:
        yield servers


def test_served_on_loopback_with_live_peers(live: MockServers) -> None:
    for name, url in live.urls.items():
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(f"{url}/", timeout=5).status_code == 200
        peers = live.served[name].app.config["PEERS"]
        assert peers["c4th"] == live.urls["c4th"] and peers["m365"] == live.urls["m365"]
        assert peers["lgate"] == "http://127.0.0.1:8101"


def test_drop_mid_body_closes_the_socket_under_waitress(live: MockServers) -> None:
    url = live.urls["m365"]
    requests.post(f"{url}/_admin/faults", json={"kind": "drop", "count": 1}, timeout=5)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        requests.get(f"{url}/openapi.json", timeout=5)
    assert requests.get(f"{url}/openapi.json", timeout=5).status_code == 200


def test_drop_at_start_closes_before_any_response_byte(live: MockServers) -> None:
    url = live.urls["m365"]
    requests.post(f"{url}/_admin/faults", json={"kind": "drop", "at": "start", "count": 1},
                  timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/openapi.json", timeout=5)
    log = requests.get(f"{url}/_admin/requests?faulted=1", timeout=5).json()["requests"]
    assert log[-1]["fault"]["kind"] == "drop" and log[-1]["status"] is None


def test_trickle_under_waitress_delivers_everything_slowly(live: MockServers) -> None:
    url = live.urls["m365"]
    expected = requests.get(f"{url}/openapi.json", timeout=5).content
    requests.post(f"{url}/_admin/faults", json={"kind": "trickle", "count": 1,
                                                 "bytes_per_s": len(expected) * 3}, timeout=5)
    start = time.perf_counter()
    assert requests.get(f"{url}/openapi.json", timeout=10).content == expected
    assert time.perf_counter() - start >= 0.25


def test_port_in_use_is_a_serve_error(live: MockServers) -> None:
    taken = live.served["c4th"].port
    with pytest.raises(ServeError, match=f"port {taken} .* already in use"):
        MockServers(["c4th"], ports={"c4th": taken}).start()


def test_plan_ports() -> None:
    assert plan_ports(["c4th", "m365"], port_base=9000) == {"c4th": 9000, "m365": 9002}
    assert plan_ports(["m365"], port_base=9000, ports={"m365": 1234}) == {"m365": 1234}
    assert plan_ports(["m365"], port_base=0) == {"m365": 0}
    with pytest.raises(ServeError):
        plan_ports(["m365"], ports={"m365": 70000})
