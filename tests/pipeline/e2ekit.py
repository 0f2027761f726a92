"""Support for the whole-pipeline tests: the synthetic city in the mocks, a config, invariants.

Mocks run in-process (``World``) or as real servers on loopback (the crash test); either way
the invariants read only their ``/_admin`` endpoints.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests

from pipeline.config import Config
from pipeline.example import special_needs_terms

#: mock name → in-process base URL
BASES = {"c4th": "http://c4th.test", "lgate": "http://lgate.test", "m365": "http://m365.test",
         "interactive_study": "http://interactive-study.test"}
#: the mocks hash every initial password; tests need them fast, not strong
FAST = {"m365": {"PASSWORD_SCRYPT_N": 16}, "lgate": {"PASSWORD_HASH_ITERATIONS": 1}}
SECRET_ENV = "RENKEI_M365_CLIENT_SECRET"
CLIENT_SECRET = "renkei-dev-secret"


def quick_retries(config: Config, backoff: float = 0.001) -> Config:
    """``config`` with the delivery clients' backoff cut short (faults are retried at once)."""
    return replace(config, delivery_retry=replace(config.delivery_retry, backoff=backoff))


def config_text(tmp: Path, bases: dict[str, str], *, guard: float = 0.05,
                grace_days: int | None = None) -> str:
    terms = special_needs_terms()
    grace = (f"[grace]\nenabled = true\ndays = {grace_days}\n" if grace_days is not None
             else "")
    return f'''
[municipality]
name = "さくら市"
board_code = "089901"
[state]
path = "{tmp}/state/renkei.sqlite"
[source]
url = "{bases['c4th']}"
[targets.lgate]
url = "{bases['lgate']}"
[targets.m365]
graph_url = "{bases['m365']}"
tenant = "renkei"
client_id = "renkei-pipeline"
client_secret_env = "{SECRET_ENV}"
[targets.drill]
url = "{bases['interactive_study']}"
[accounts]
password_file = "{tmp}/passwords/*.csv"
[special_needs.terms]
{terms}
[guard]
max_share = {guard}
min_users = 50
{grace}'''


class Admin:
    """The mocks' admin endpoints through one session (in-process or loopback)."""

    def __init__(self, session: requests.Session, bases: dict[str, str]) -> None:
        self.s, self.bases = session, bases

    def get(self, name: str, path: str) -> Any:
        r = self.s.get(self.bases[name] + path, timeout=60)
        r.raise_for_status()
        return r.json()

    def post(self, name: str, path: str, payload: Any = None) -> Any:
        r = self.s.post(self.bases[name] + path, json=payload, timeout=120)
        r.raise_for_status()
        return r.json() if r.content else None

    def state(self, name: str) -> dict[str, Any]:
        return self.get(name, "/_admin/state")

    def city(self) -> dict[str, Any]:
        return self.get("c4th", "/_admin/city")

    def seed_city(self, profile: str = "small", seed: int = 1, as_of: str = "2025-05-01",
                  quirks: str = "all") -> None:
        self.post("c4th", "/_admin/seed", {"profile": profile, "seed": seed, "as_of": as_of,
                                           "quirks": quirks})

    def event(self, event: str, **args: Any) -> Any:
        return self.post("c4th", "/_admin/events", {"event": event, "args": args})

    def save_passwords(self, folder: Path, serial: int, *, only_new: bool = False) -> Path:
        r = self.s.get(self.bases["c4th"] + "/_admin/password-file",
                       params={"only": "new"} if only_new else None, timeout=60)
        r.raise_for_status()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"ID_PW_{serial:03d}.csv"
        path.write_bytes(r.content)
        path.chmod(0o600)
        return path

    def fault(self, name: str, **fault: Any) -> None:
        self.post(name, "/_admin/faults", fault)

    def clear_faults(self, name: str) -> None:
        self.s.delete(self.bases[name] + "/_admin/faults", timeout=30).raise_for_status()

    def changing_calls(self, names: Iterable[str] = ("lgate", "m365",
                                                     "interactive_study")) -> int:
        """Requests outside /_admin that could change something (not GET)."""
        return sum(1 for n in names for r in self.get(n, "/_admin/requests")["requests"]
                   if r["method"] not in ("GET", "HEAD") and not r["path"].startswith("/_admin")
                   and "oauth2" not in r["path"])


class World(Admin):
    """c4th, lgate, m365 and the drill app in-process, each on its own in-memory database."""

    def __init__(self) -> None:
        from harness.transport import mount_wsgi
        from mocks import create_app
        self.apps = {BASES[n]: create_app(n, {"DATABASE": ":memory:", **FAST.get(n, {})})
                     for n in BASES}
        self._mount = mount_wsgi
        super().__init__(self.session(), BASES)

    def session(self) -> requests.Session:
        s = requests.Session()
        self._mount(s, self.apps)
        return s

    @classmethod
    def seeded(cls, tmp: Path) -> World:
        """The small city on its first day, with the board's password file under ``tmp``."""
        world = cls()
        world.seed_city("small", 1, "2025-05-01")
        world.save_passwords(tmp / "passwords", 1)
        world.tmp = tmp
        return world


def check_invariants(admin: Admin, holds: Iterable[str] = ()) -> dict[str, int]:
    """DESIGN.md's invariants over the mocks' state; raises AssertionError naming the breach.

    Every current pupil of C4th who is not held is in lgate exactly once at the right school
    and grade, has exactly one Microsoft 365 account (by the UPN lgate holds), enabled, and is
    active in the drill app at the right school. Nobody appears twice anywhere. A departed
    pupil is never deleted from lgate and is disabled (or removed after grace) in the drill app.
    """
    held = set(holds)
    city = admin.city()
    lg, m3, dr = check_unique(admin)
    code_of = {s["key"]: s["school_code"] for s in _values(city["schools"])}
    org_code = {o["sourcedId"]: o.get("identifier") for o in lg["orgs"]}
    lg_users = [u for u in lg["users"] if not u.get("manual")]
    lg_by = {u["userMasterIdentifier"]: u for u in lg_users}
    m3_by = {u["userPrincipalName"].lower(): u for u in m3["users"]}
    dr_by = {u["userMasterIdentifier"]: u for u in dr["users"]}
    checked = 0
    for s in _values(city["students"]):
        if s["umi"] in held:
            continue
        where = f"pupil {s['umi']} ({s['grade']} {s['homeroom']})"
        u = lg_by.get(s["umi"])
        assert u is not None, f"{where} is not in lgate"
        assert org_code.get(u["primaryOrgSourcedId"]) == code_of[s["school"]], \
            f"{where}: lgate has school {org_code.get(u['primaryOrgSourcedId'])}"
        assert u["grades"] == [s["grade"]], f"{where}: lgate grade {u['grades']}"
        account = m3_by.get(u["username"].lower())
        assert account is not None, f"{where} has no m365 account {u['username']}"
        assert account["accountEnabled"] is True, f"{where}: m365 account disabled"
        d = dr_by.get(s["umi"])
        assert d is not None, f"{where} is not in the drill app"
        assert d["enabledUser"] is True and d["status"] == "active", f"{where}: drill {d}"
        assert d["school"]["school_code"] == code_of[s["school"]], f"{where}: drill school"
        checked += 1
    delivered_before = set(lg_by)
    for gone in city.get("departed", []):
        if gone["umi"] in held or gone["umi"] not in delivered_before | set(dr_by):
            continue
        assert gone["umi"] in lg_by, f"departed {gone['umi']} was deleted from lgate"
        d = dr_by.get(gone["umi"])
        assert d is None or d["enabledUser"] is False, f"departed {gone['umi']} active in drill"
    return {"checked": checked, "lgate": len(lg_users), "m365": len(m3["users"]),
            "drill": len(dr["users"])}


def check_unique(admin: Admin) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Nobody twice anywhere: one lgate user per person and per UPN, one m365 account per UPN,
    one drill user per person. Holds whatever state the run left (even an interrupted one)."""
    lg, m3, dr = admin.state("lgate"), admin.state("m365"), admin.state("interactive_study")
    lg_users = [u for u in lg["users"] if not u.get("manual")]
    _unique("lgate userMasterIdentifier", (u["userMasterIdentifier"] for u in lg_users))
    _unique("lgate username", (u["username"].lower() for u in lg_users))
    _unique("m365 userPrincipalName", (u["userPrincipalName"].lower() for u in m3["users"]))
    _unique("drill userMasterIdentifier", (u["userMasterIdentifier"] for u in dr["users"]))
    return lg, m3, dr


def _values(x: Any) -> list[Any]:
    return list(x.values()) if isinstance(x, dict) else list(x)


def _unique(what: str, values: Iterable[str]) -> None:
    repeated = [v for v, n in collections.Counter(values).items() if n > 1]
    assert not repeated, f"{what} repeated: {repeated[:5]}"


def state_holds(state_path: Path) -> set[str]:
    from pipeline.state import State
    if not state_path.exists():
        return set()
    with State(state_path) as state:
        return set(state.holds())

