"""Benchmark the vendor mocks, in-process (WSGI adapter) and over loopback (waitress).

Run: ``python bench/mocks.py [--users N] [--launches N] [--profile tsukuba]``

Measures, for each transport:
  - seconds for one bulk import of a whole city into lgate (Tsukuba scale by default);
  - Microsoft Graph user creations per second on m365: single POSTs vs $batch (20 a batch),
    with 1 and with 8 concurrent clients;
  - complete lgate → tool launches per second (GET /launch on lgate, OIDC login, auth, form
    post of the id_token, verified by the textbook tool), one client.

Figures from ``python bench/mocks.py --users 800 --launches 200`` on the development
container (2 cores, Python 3.11, waitress 8 threads a mock, memory databases), measured when the
machine was quiet (load average 1). Tsukuba city: 22,900 pupils, a 4.8 MB bulk zip.

                                              in-process        loopback (waitress)
  lgate bulk import (22,900 pupils)            3.17 s            3.41 s
  m365 creations, single POST, 1 client         395 /s            250 /s
  m365 creations, $batch of 20, 1 client        721 /s            566 /s
  m365 creations, single POST, 8 clients        375 /s            204 /s
  m365 creations, $batch of 20, 8 clients       576 /s            660 /s
  lgate → tool launches, 1 client               120 /s             51 /s

Client and servers share one process, so wall time is CPU time here (the figures in brackets
of a run differ from the wall ones only when other work loads the machine: under a load
average of 5-7 the wall rates fell to a third, the per-CPU-second ones held). Each Graph
creation hashes its password with scrypt (n=2**8, about 1.3 ms); $batch saves the per-request
HTTP and auth work, about half the CPU of a single POST. One process and a memory database per
mock serialise the work, so 8 clients add nothing in-process (GIL) and little over loopback.

Issue 16 (JWT access tokens, verified on every Graph call, cached by token and key id): m365
creations before (main at d38534f) and after, same machine, one after the other, ``--profile
small --users 400`` (``--graph-only`` after), under a load average of 10 on 2 cores, so the
wall rates are noise and the per-CPU-second rates the comparison:

  per CPU second                               before            after
  in-process, single POST, 1 client              533               548
  in-process, $batch of 20, 1 client            1046              1040
  in-process, $batch of 20, 8 clients            918              1118
  loopback, $batch of 20, 1 client              1196              1026
  loopback, $batch of 20, 8 clients             1110               990
  loopback https (cheroot), $batch, 1 client       —               943
  loopback https (cheroot), $batch, 8 clients      —               912

Token validation costs nothing measurable: after the first request a token is a dict hit (the
RSA check runs once per token); the spread between runs is larger than any difference.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from fixtures import build_bundle, generate_city, load_profile  # noqa: E402
from harness.lti.browser import Browser, RequestsTransport, WsgiTransport  # noqa: E402
from harness.oneroster.model import Bundle  # noqa: E402
from harness.oneroster.writer import write_bundle  # noqa: E402
from harness.transport import TrustingSession  # noqa: E402
from mocks import available  # noqa: E402
from mocks.serve import MockServers  # noqa: E402
from mocks.testing import make_mocks, session_for  # noqa: E402
from mocks.tls import ensure_tls  # noqa: E402

SCOPE = "https://graph.microsoft.com/.default"
CREDS = {"grant_type": "client_credentials", "client_id": "renkei-pipeline",
         "client_secret": "renkei-dev-secret", "scope": SCOPE}
NAMES = ["lgate", "m365", "tsubasa_book", "mirai_school"]


class Target:
    """The mocks under one transport: base URLs, a session factory and a browser factory."""

    def __init__(self, label: str, urls: dict[str, str],
                 session: Callable[[], requests.Session], browser: Callable[[], Browser]):
        self.label, self.urls, self.session, self.browser = label, urls, session, browser


@contextlib.contextmanager
def in_process() -> Iterator[Target]:
    apps = make_mocks([n for n in NAMES if n in available()])
    urls = {name: app.config["BASE_URL"] for name, app in apps.items()}
    by_url = {app.config["BASE_URL"]: app for app in apps.values()}
    yield Target("in-process", urls, lambda: session_for(apps),
                 lambda: Browser(WsgiTransport(by_url)))


@contextlib.contextmanager
def loopback() -> Iterator[Target]:
    with MockServers([n for n in NAMES if n in available()], port_base=0,
                     threads=8) as servers:
        yield Target("loopback", servers.urls, requests.Session,
                     lambda: Browser(RequestsTransport(timeout=30)))


@contextlib.contextmanager
def loopback_tls() -> Iterator[Target]:
    """The same servers over https (cheroot) from a throwaway local CA."""
    with tempfile.TemporaryDirectory() as tmp:
        tls = ensure_tls(Path(tmp) / "tls")
        with MockServers([n for n in NAMES if n in available()], port_base=0, threads=8,
                         tls=tls) as servers:
            ca = str(tls.ca)
            yield Target("loopback https (cheroot)", servers.urls,
                         lambda: TrustingSession(ca),
                         lambda: Browser(RequestsTransport(timeout=30, verify=ca)))


# --- lgate bulk ---------------------------------------------------------------------------------

class Clock:
    """Wall time and this process's CPU time (client and servers share the process, so CPU
    time is the figure that survives a busy machine)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def bulk_seconds(target: Target, zip_bytes: bytes) -> Clock:
    session = target.session()
    with Clock() as clock:
        resp = session.post(f"{target.urls['lgate']}/oneroster/bulk", data=zip_bytes,
                            headers={"Content-Type": "application/zip"}, timeout=600)
    if resp.status_code != 200:
        raise SystemExit(f"bulk import failed: {resp.status_code} {resp.text[:300]}")
    return clock


# --- m365 ---------------------------------------------------------------------------------------

def _user(prefix: str, n: int) -> dict[str, Any]:
    return {"accountEnabled": True, "displayName": f"bench {n}", "mailNickname": f"{prefix}{n}",
            "userPrincipalName": f"{prefix}{n}@bench.example.ed.jp",
            "passwordProfile": {"password": f"Bench-Pass-{n:06d}",
                                "forceChangePasswordNextSignIn": True}}


def graph_rate(target: Target, *, users: int, clients: int, batch: bool, run: str
               ) -> tuple[float, float]:
    """User creations per wall second and per CPU second: ``users`` split over ``clients``."""
    base = target.urls["m365"]
    token = target.session().post(f"{base}/bench/oauth2/v2.0/token", data=CREDS,
                                  timeout=30).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    share = users // clients
    errors: list[str] = []

    def work(k: int) -> None:
        session = target.session()
        prefix = f"{run}c{k}n"
        numbers = list(range(share))
        if not batch:
            for n in numbers:
                r = session.post(f"{base}/v1.0/users", json=_user(prefix, n), headers=headers,
                                 timeout=60)
                if r.status_code != 201:
                    errors.append(f"{r.status_code} {r.text[:200]}")
            return
        for i in range(0, len(numbers), 20):
            body = {"requests": [{"id": str(n), "method": "POST", "url": "/users",
                                  "body": _user(prefix, n),
                                  "headers": {"Content-Type": "application/json"}}
                                 for n in numbers[i:i + 20]]}
            r = session.post(f"{base}/v1.0/$batch", json=body, headers=headers, timeout=60)
            bad = [x for x in r.json()["responses"] if x["status"] != 201]
            errors.extend(f"{x['status']}" for x in bad)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    with Clock() as clock:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        raise SystemExit(f"user creation failed: {errors[:3]}")
    return share * clients / clock.wall, share * clients / clock.cpu


# --- launches -----------------------------------------------------------------------------------

def launch_rate(target: Target, bundle: Bundle, count: int) -> tuple[float, float]:
    pupils = [u for u in bundle.rows("users") if u["grades"]]
    elementary = [u for u in pupils if u["grades"][0].startswith("P")]
    junior = [u for u in pupils if u["grades"][0].startswith("J")]
    plan = [(elementary[i % len(elementary)], "tsubasa_book") if i % 2 == 0 else
            (junior[i % len(junior)], "mirai_school") for i in range(count)]
    with Clock() as clock:
        for user, tool in plan:
            page = target.browser().go(
                "GET", f"{target.urls['lgate']}/launch?user={user['userMasterIdentifier']}"
                f"&tool={tool}")
            if page.status != 200 or "renkei-launch-accepted" not in page.text:
                raise SystemExit(f"launch into {tool} failed: {page.status} {page.text[:300]}")
    return count / clock.wall, count / clock.cpu


def main(argv: list[str] | None = None) -> int:
    import logging

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" chatter
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="tsukuba", help="city profile for the bulk")
    parser.add_argument("--users", type=int, default=400, help="Graph users per measurement")
    parser.add_argument("--launches", type=int, default=100, help="launches per transport")
    parser.add_argument("--graph-only", action="store_true",
                        help="only the Graph creations (no bulk import, no launches)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    city = generate_city(load_profile(args.profile), 1, as_of=dt.date(2025, 5, 1))
    bundle = build_bundle(city, quirks=frozenset())
    with tempfile.TemporaryDirectory() as tmp:
        zip_bytes = write_bundle(bundle, Path(tmp) / "RO_20250501.zip").read_bytes()
    pupils = sum(1 for r in bundle.rows("roles") if r["role"] == "student")
    print(f"city {args.profile}: {pupils} pupils, bulk zip {len(zip_bytes) / 1e6:.1f} MB "
          f"(built in {time.perf_counter() - t0:.1f} s)")

    for make in (in_process, loopback, loopback_tls):
        with make() as target:
            print(f"\n== {target.label} ==")
            if "lgate" in target.urls and not args.graph_only:
                clock = bulk_seconds(target, zip_bytes)
                print(f"  lgate bulk import ({pupils} pupils): {clock.wall:8.2f} s "
                      f"(CPU {clock.cpu:.2f} s)")
            for clients in (1, 8):
                for batch in (False, True):
                    wall, cpu = graph_rate(target, users=args.users, clients=clients,
                                           batch=batch, run=f"{'b' if batch else 's'}{clients}")
                    kind = "$batch of 20" if batch else "single POST "
                    print(f"  m365 user creations, {kind}, {clients} client(s): "
                          f"{wall:8.0f} /s (per CPU second {cpu:.0f})")
            if args.graph_only:
                continue
            if {"lgate", "tsubasa_book", "mirai_school"} <= set(target.urls):
                wall, cpu = launch_rate(target, bundle, args.launches)
                print(f"  lgate → tool launches (1 client, {args.launches}): {wall:8.1f} /s "
                      f"(per CPU second {cpu:.1f})")
            else:
                print("  lgate → tool launches: skipped (lgate or a tool mock is missing)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
