"""``renkei mock list`` and ``renkei mock up`` (a real subprocess on free loopback ports)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

#: runs ``renkei`` with the mock command whether or not main.py registers it yet
SHIM = """
import argparse, sys
from harness.cli import main as m
if "mock" not in m.COMMANDS:
    m.COMMANDS = (*m.COMMANDS, "mock")
sys.exit(m.main(sys.argv[1:]))
"""


def renkei(*args: str, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-c", SHIM, *args], text=True, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    proc = renkei(*args)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen[str], timeout: float = 30,
            verify: str | bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"renkei mock up exited early: {proc.stderr.read()}")
        try:
            if requests.get(url, timeout=1, verify=verify).status_code == 200:
                return
        except OSError:  # refused, slow under load, or the CA file is not made yet
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


@pytest.fixture
def up(tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        proc = renkei("mock", "up", *args)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    return proc.returncode, err


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> object:
    """Run ``renkei`` in this process: returns (exit code, stdout, stderr)."""
    from harness.cli import main as m

    if "mock" not in m.COMMANDS:
        monkeypatch.setattr(m, "COMMANDS", (*m.COMMANDS, "mock"))

    def call(*args: str) -> tuple[int, str, str]:
        try:
            code = m.main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_list_names_titles_and_ports(cli: object) -> None:
    code, out, _ = cli("mock", "list", "--format", "json", "--port-base", "9000")  # type: ignore
    rows = json.loads(out)
    assert code == 0
    assert [(r["name"], r["port"]) for r in rows][:3] == [
        ("c4th", 9000), ("lgate", 9001), ("m365", 9002)]
    assert rows[0]["title_ja"].startswith("校務支援システム")
    text = cli("mock", "list")[1]  # type: ignore[operator]
    assert "m365" in text and "8102" in text


def test_up_serves_and_stops_cleanly_on_sigterm(up: object) -> None:
    ports = {"c4th": free_port(), "m365": free_port()}
    proc = up("c4th", "m365", *(f"--port={n}={p}" for n, p in ports.items()))  # type: ignore
    for port in ports.values():
        wait_up(f"http://127.0.0.1:{port}/", proc)
    state = requests.get(f"http://127.0.0.1:{ports['c4th']}/_admin/state", timeout=5).json()
    assert state["city"] is None
    code, err = stop(proc)
    assert code == 0 and "mocks stopped" in err and "Traceback" not in err
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{ports['c4th']}/", timeout=2)


def test_state_dir_survives_a_restart(up: object, tmp_path: Path) -> None:
    ports = [f"--port=c4th={free_port()}", f"--port=m365={free_port()}"]
    base = {p.split("=")[1]: f"http://127.0.0.1:{p.split('=')[2]}" for p in ports}
    args = ("c4th", "m365", *ports, "--state", str(tmp_path / "state"))
    proc = up(*args)  # type: ignore[operator]
    wait_up(base["c4th"] + "/", proc)
    wait_up(base["m365"] + "/", proc)
    requests.post(base["c4th"] + "/_admin/seed", json={"profile": "small", "seed": 2},
                  timeout=30).raise_for_status()
    requests.post(base["m365"] + "/_admin/seed", json={"users": [{
        "accountEnabled": True, "displayName": "x", "mailNickname": "x",
        "userPrincipalName": "x@example.jp",
        "passwordProfile": {"password": "Abcdefgh1!"}}]}, timeout=5).raise_for_status()
    city = requests.get(base["c4th"] + "/_admin/city", timeout=10).json()
    assert stop(proc)[0] == 0
    assert (tmp_path / "state" / "c4th.sqlite").exists()

    again = up(*args)  # type: ignore[operator]
    wait_up(base["c4th"] + "/", again)
    wait_up(base["m365"] + "/", again)
    assert requests.get(base["c4th"] + "/_admin/city", timeout=10).json() == city
    users = requests.get(base["m365"] + "/_admin/state", timeout=5).json()["users"]
    assert [u["userPrincipalName"] for u in users] == ["x@example.jp"]
    assert stop(again)[0] == 0


def test_port_in_use_is_a_message_and_exit_2() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = run("mock", "up", "c4th", f"--port=c4th={port}")
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    ((), "name the mocks to serve"),
    (("c4th", "--all"), "not both"),
    (("l-gate",), "unknown mock 'l-gate'"),
    (("c4th", "--port", "c4th:9000"), "--port expects PORT or NAME=PORT"),
    (("c4th", "m365", "--port", "9000"), "a bare port needs exactly one mock named"),
    (("c4th", "--port", "nope=9000"), "unknown mock 'nope'"),
    (("c4th", "--config", "/no/such/file.toml"), "cannot read --config"),
])
def test_usage_errors_exit_2_with_a_message(cli: object, args: tuple[str, ...],
                                            message: str) -> None:
    code, _, err = cli("mock", "up", *args)  # type: ignore[operator]
    assert code == 2 and message in err


def test_config_file_sets_per_mock_settings(up: object, tmp_path: Path) -> None:
    conf = tmp_path / "mocks.toml"
    conf.write_text('[m365]\nTHROTTLE = { per_second = 1 }\n'
                    '[c4th]\nFAULTS = [{ kind = "status", status = 418, route = "^/oneroster" }]'
                    '\n', "utf-8")
    ports = {"c4th": free_port(), "m365": free_port()}
    proc = up("c4th", "m365", "--config", str(conf),  # type: ignore[operator]
              *(f"--port={n}={p}" for n, p in ports.items()))
    wait_up(f"http://127.0.0.1:{ports['c4th']}/", proc)
    wait_up(f"http://127.0.0.1:{ports['m365']}/", proc)
    assert requests.get(f"http://127.0.0.1:{ports['c4th']}/oneroster/export",
                        timeout=5).status_code == 418
    throttle = requests.get(f"http://127.0.0.1:{ports['m365']}/_admin/throttle", timeout=5)
    assert throttle.json() == {"throttle": {"per_second": 1}}
    assert stop(proc)[0] == 0


def test_help_teaches_with_examples(cli: object) -> None:
    out = cli("mock", "up", "--help")[1]  # type: ignore[operator]
    assert "examples:" in out and "renkei mock up --all --state" in out


def test_one_mock_on_exactly_the_port_given(up: object) -> None:
    port = free_port()
    proc = up("m365", "--port", str(port))  # type: ignore[operator]
    wait_up(f"http://127.0.0.1:{port}/", proc)
    assert stop(proc)[0] == 0


def test_tls_serves_https_with_a_kept_local_ca(up: object, tmp_path: Path) -> None:
    port, state = free_port(), tmp_path / "state"
    url = f"https://127.0.0.1:{port}"
    proc = up("m365", "--port", str(port), "--tls", "--state", str(state))  # type: ignore
    tls = state / "tls"
    wait_up(url + "/", proc, verify=str(tls / "ca.pem"))
    for name in ("ca.pem", "server.pem", "server.key"):
        assert (tls / name).stat().st_mode & 0o777 == 0o600, name
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url + "/", timeout=5)  # not trusted without the CA
    doc = requests.get(f"https://localhost:{port}/t/v2.0/.well-known/openid-configuration",
                       timeout=5, verify=str(tls / "ca.pem")).json()
    assert doc["token_endpoint"] == f"https://localhost:{port}/t/oauth2/v2.0/token"
    ca = (tls / "ca.pem").read_bytes()
    assert f"REQUESTS_CA_BUNDLE={tls / 'ca.pem'}" in stop_out(proc)
    again = up("m365", "--port", str(port), "--tls", "--state", str(state))  # type: ignore
    wait_up(url + "/", again, verify=str(tls / "ca.pem"))
    assert (tls / "ca.pem").read_bytes() == ca
    stop_out(again)


def stop_out(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    return out
