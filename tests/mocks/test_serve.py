"""Mocks served over loopback (waitress; cheroot with TLS): drops really cut the socket,
trickle, peers, https from a local CA."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from harness.transport import TrustingSession
from mocks.serve import MockServers, ServeError, plan_ports
from mocks.tls import ensure_tls


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


def test_tls_serves_https_from_the_local_ca_with_https_peers(tmp_path: Path) -> None:
    tls = ensure_tls(tmp_path / "tls")
    with MockServers(["c4th", "m365"], port_base=0, threads=2, tls=tls) as servers:
        for name, url in servers.urls.items():
            assert url.startswith("https://127.0.0.1:")
            assert requests.get(f"{url}/", timeout=5, verify=str(tls.ca)).status_code == 200
            app = servers.served[name].app
            assert app.config["PEERS"]["lgate"] == "https://127.0.0.1:8101"
            # the mocks' own calls to each other trust the local CA, whatever the environment
            assert isinstance(app.config["HTTP_SESSION"], TrustingSession)
        other = servers.served["c4th"].app.config["HTTP_SESSION"]
        assert other.get(servers.urls["m365"] + "/", timeout=5).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(servers.urls["m365"] + "/", timeout=5, verify=True)


def test_tls_files_are_kept_and_private(tmp_path: Path) -> None:
    first = ensure_tls(tmp_path / "tls")
    ca = first.ca.read_bytes()
    again = ensure_tls(tmp_path / "tls")
    assert again.ca.read_bytes() == ca and again.key.read_bytes() == first.key.read_bytes()
    for path in (again.ca, again.cert, again.key, tmp_path / "tls" / "ca.key"):
        assert path.stat().st_mode & 0o777 == 0o600
    (tmp_path / "tls" / "server.pem").unlink()  # a lost certificate is issued again, same CA
    assert ensure_tls(tmp_path / "tls").ca.read_bytes() == ca
