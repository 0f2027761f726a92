"""One municipality's pipeline configuration, read from TOML (``tomllib``).

Secrets never live in the file: a key such as ``client_secret_env = "RENKEI_M365_CLIENT_SECRET"``
names the environment variable that holds it, read only when a client needs it. A secret
written in the file (``client_secret = "…"``, ``token = "…"``, ``password = "…"``) is a config
error. Every error names the key and the line it is on, found by scanning the TOML text.

Relative paths are taken from the folder the config file is in. See
:func:`example_config` (``renkei pipeline init``) for every key with its meaning.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.example import EXAMPLE_CONFIG
from pipeline.http import RetryPolicy

#: Key names that would hold a secret; their value must come from an ``…_env`` key instead.
SECRET_KEY = re.compile(r"(secret|password|passwd|token|api_key|private_key|credential)s?$",
                        re.IGNORECASE)
#: Keys allowed to end like a secret name because they hold something else.
NOT_SECRET = frozenset({"password_file"})
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DEFAULT_PROFILE = "jp-eportal-v4"
#: Delivery's retry policy: the e-portal answers a bulk upload only once it has applied the
#: whole bundle in one transaction, so a delivery call may take longer than a read.
DELIVERY_RETRY = RetryPolicy(timeout=60.0)


class ConfigError(Exception):
    """The configuration is wrong: ``key`` (dotted) and ``line`` say where (line 0: unknown)."""

    def __init__(self, message: str, *, key: str = "", line: int = 0, path: str = "") -> None:
        where = ":".join(x for x in (path, str(line) if line else "") if x)
        prefix = f"{where}: " if where else ""
        detail = f"{key}: " if key else ""
        super().__init__(f"{prefix}{detail}{message}")
        self.key, self.line, self.path, self.reason = key, line, path, message


#: the C4th values ``[targets.m365] employee_id`` may name
EMPLOYEE_ID_SOURCES = ("userMasterIdentifier",)


@dataclass(frozen=True)
class SourceConfig:
    """Where the C4th export comes from: C4th's base URL (``GET <url>/oneroster/export``), or a
    drop folder."""

    url: str | None = None
    drop_dir: Path | None = None
    token_env: str | None = None
    pattern: str = "*.zip"
    #: a CA bundle to trust for https (e.g. ``renkei mock up --tls``'s ca.pem); None: the system's
    ca_file: Path | None = None


@dataclass(frozen=True)
class TargetConfig:
    """A delivery target reached over HTTP (lgate, the drill app): base URL and token variable."""

    name: str
    url: str
    token_env: str | None = None
    ca_file: Path | None = None  # a CA bundle to trust for https; None: the system's


@dataclass(frozen=True)
class M365Config:
    """Microsoft 365 (Graph): the Graph base URL, tenant and app; the secret is in the env."""

    graph_url: str
    tenant: str
    client_id: str
    client_secret_env: str
    token_url: str = ""
    usage_location: str = "JP"
    ca_file: Path | None = None  # a CA bundle to trust for https; None: the system's
    #: the licence every new pupil gets (a skuPartNumber such as STANDARDWOFFPACK_STUDENT, or
    #: a skuId); None: no licence is assigned
    student_sku: str | None = None
    #: the C4th value copied into employeeId (only ``userMasterIdentifier``); None: nothing
    employee_id: str | None = None


@dataclass(frozen=True)
class Config:
    """A municipality's settings. Holds environment-variable names, never secret values.

    :param display_grades: rewrite 1年/2年/3年 to 7年/8年/9年 for J1–J3 classes.
    :param grace_days: disable pupils missing longer than this (None: the policy is off).
    :param guard_max_share: the mass-change guard's limit (share of previous users).
    :param teachers: deliver teachers too (off by default, as in the pilot).
    :param schedule: the ``[schedule]`` dates (key → date): the rollover night and the model
        schedule's milestones, as the board set them; read by the preparation report, which
        supplies the defaults.
    :param retry: how the clients that read (C4th's export, the initial link's account lists)
        retry; not set from the file.
    :param delivery_retry: how the delivery targets' clients retry; not set from the file.
    """

    path: Path
    name: str
    board_code: str
    state_path: Path
    source: SourceConfig
    lgate: TargetConfig | None = None
    m365: M365Config | None = None
    drill: TargetConfig | None = None
    password_file: Path | None = None
    teachers: bool = False
    special_needs_titles: Mapping[str, str] = field(default_factory=dict)
    special_needs_terms: Mapping[str, str] = field(default_factory=dict)
    display_grades: bool = False
    grace_days: int | None = None
    guard_max_share: float = 0.05
    guard_min_users: int = 50
    retention_days: int = 90
    retention_count: int = 100
    profile: str = DEFAULT_PROFILE
    installation_salt: str | None = None
    schedule: Mapping[str, dt.date] = field(default_factory=dict)
    retry: RetryPolicy = RetryPolicy()
    delivery_retry: RetryPolicy = DELIVERY_RETRY

    def env(self, var: str | None, *, key: str) -> str | None:
        """The value of environment variable ``var`` (named by config ``key``), or None."""
        if not var:
            return None
        value = os.environ.get(var)
        if value is None or value == "":
            return None
        return value

    def require_env(self, var: str | None, *, key: str) -> str:
        """Like :meth:`env`, but a missing variable is a :class:`ConfigError` naming ``key``."""
        value = self.env(var, key=key)
        if value is None:
            raise ConfigError(f"environment variable {var or '(none)'} is not set",
                              key=key, line=_line_of(self._text(), key), path=str(self.path))
        return value

    def m365_client_secret(self) -> str:
        """The Graph client secret, from the variable ``targets.m365.client_secret_env`` names."""
        if self.m365 is None:
            raise ConfigError("no [targets.m365] section", key="targets.m365", path=str(self.path))
        return self.require_env(self.m365.client_secret_env, key="targets.m365.client_secret_env")

    def _text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except OSError:
            return ""


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and check the TOML file at ``path``. Raises :class:`ConfigError` with key and line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file ({type(exc).__name__})", path=str(p)) from None
    return parse_config(text, path=p)


def parse_config(text: str, *, path: str | os.PathLike[str] = "renkei.toml") -> Config:
    """Parse configuration ``text``; relative paths are taken from ``path``'s folder."""
    p = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML: {exc}", line=int(m.group(1)) if m else 0,
                          path=str(p)) from None
    return _Reader(data, text, p).config()


class _Reader:
    """Typed access to the parsed TOML; every error carries the dotted key and its line."""

    def __init__(self, data: dict[str, Any], text: str, path: Path) -> None:
        self.data, self.text, self.path = data, text, path
        self.base = path.parent

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, key=key, line=_line_of(self.text, key), path=str(self.path))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, *,
            required: bool = False) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if required:
                    raise self.fail(key, "is required")
                return default
            node = node[part]
        if kind is int and isinstance(node, bool) or not isinstance(node, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(
                k.__name__ for k in kind)
            raise self.fail(key, f"expected {_toml_type(names)}, found {type(node).__name__}")
        return node

    def env_name(self, key: str, *, required: bool = False) -> str | None:
        value: str | None = self.get(key, str, required=required)
        if value is not None and not ENV_NAME.fullmatch(value):
            raise self.fail(key, "must name an environment variable (letters, digits, _)")
        return value

    def path_of(self, key: str, default: str | None = None) -> Path | None:
        value = self.get(key, str, default)
        if value is None or value == "":
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base / p)

    def ca_file(self, key: str) -> Path | None:
        """An optional CA bundle (PEM) to verify a system's https certificate with."""
        path = self.path_of(key)
        if path is not None and not path.is_file():
            raise self.fail(key, f"CA file {path} does not exist (a PEM bundle, e.g. the "
                            "ca.pem that `renkei mock up --tls` prints)")
        return path

    def url(self, key: str, *, required: bool = False) -> str | None:
        value: str | None = self.get(key, str, required=required)
        if value is not None and not re.match(r"https?://[^/\s]+", value):
            raise self.fail(key, f"expected an http(s) URL, found {value!r}")
        return value.rstrip("/") if value else value

    def check_secrets(self) -> None:
        for key, value in _walk(self.data):
            last = key.rsplit(".", 1)[-1]
            if last in NOT_SECRET or last.endswith("_env"):
                continue
            if SECRET_KEY.search(last) and value not in ("", None):
                # The value is never repeated: it is the secret we refuse to keep.
                raise self.fail(key, f"secrets must not be written in the file; put it in an "
                                f"environment variable and name it with {last}_env = \"…\"")

    def config(self) -> Config:
        self.check_secrets()
        known = {"municipality", "state", "source", "targets", "accounts", "special_needs",
                 "display_grades", "grace", "guard", "profile", "schedule"}
        for top in self.data:
            if top not in known:
                raise self.fail(top, f"unknown section; known: {', '.join(sorted(known))}")
        name = self.get("municipality.name", str, required=True)
        board = self.get("municipality.board_code", str, required=True)
        if not re.fullmatch(r"\d{6}", board):
            raise self.fail("municipality.board_code", "expected six digits (教育委員会コード)")
        state_path = self.path_of("state.path", "state/renkei.sqlite")
        assert state_path is not None
        source = self._source()
        lgate = self._target("lgate")
        drill = self._target("drill")
        m365 = self._m365()
        retention_days = self._positive("state.keep_days", 90)
        retention_count = self._positive("state.keep_count", 100)
        grace_on = self.get("grace.enabled", bool, False)
        grace_days = self._positive("grace.days", 90) if grace_on else None
        share = self.get("guard.max_share", (float, int), 0.05)
        if not 0 < share <= 1:
            raise self.fail("guard.max_share", "expected a share between 0 and 1 (0.05 = 5%)")
        salt = self.get("state.installation_salt", str)
        if salt is not None and len(salt) < 16:
            raise self.fail("state.installation_salt", "expected at least 16 characters")
        return Config(
            path=self.path, name=name, board_code=board, state_path=state_path, source=source,
            lgate=lgate, m365=m365, drill=drill,
            password_file=self.path_of("accounts.password_file"),
            teachers=self.get("accounts.teachers", bool, False),
            special_needs_titles=self._table("special_needs.titles"),
            special_needs_terms=self._table("special_needs.terms"),
            display_grades=self.get("display_grades.enabled", bool, False),
            grace_days=grace_days, guard_max_share=float(share),
            guard_min_users=self._positive("guard.min_users", 50, zero=True),
            retention_days=retention_days, retention_count=retention_count,
            profile=self.get("profile.oneroster", str, DEFAULT_PROFILE),
            installation_salt=salt, schedule=self._dates("schedule"),
        )

    def _positive(self, key: str, default: int, *, zero: bool = False) -> int:
        value: int = self.get(key, int, default)
        if value < (0 if zero else 1):
            raise self.fail(key, f"expected a {'non-negative' if zero else 'positive'} number")
        return value

    def _dates(self, key: str) -> dict[str, dt.date]:
        """A table of dates: TOML dates (``rollover = 2027-04-01``) or ISO strings."""
        out: dict[str, dt.date] = {}
        for k, v in self.get(key, dict, {}).items():
            if isinstance(v, dt.datetime):
                v = v.date()
            elif isinstance(v, str):
                try:
                    v = dt.date.fromisoformat(v)
                except ValueError:
                    raise self.fail(f"{key}.{k}", f"expected a date like 2027-04-01, "
                                    f"found {v!r}") from None
            if not isinstance(v, dt.date):
                raise self.fail(f"{key}.{k}", f"expected a date, found {type(v).__name__}")
            out[k] = v
        return out

    def _table(self, key: str) -> dict[str, str]:
        table = self.get(key, dict, {})
        for k, v in table.items():
            if not isinstance(v, str):
                raise self.fail(f"{key}.{k}", f"expected a string, found {type(v).__name__}")
        return dict(table)

    def _source(self) -> SourceConfig:
        url = self.url("source.url")
        if url and url.endswith("/oneroster/export"):
            url = url[: -len("/oneroster/export")]  # the base URL; the client adds the path
        drop = self.path_of("source.drop_dir")
        if not url and drop is None:
            raise self.fail("source", "set source.url (C4th's export endpoint) or "
                            "source.drop_dir (a folder C4th writes exports to)")
        return SourceConfig(url=url, drop_dir=drop, token_env=self.env_name("source.token_env"),
                            pattern=self.get("source.pattern", str, "*.zip"),
                            ca_file=self.ca_file("source.ca_file"))

    def _target(self, name: str) -> TargetConfig | None:
        key = f"targets.{name}"
        if self.get(key, dict) is None or not self.get(f"{key}.enabled", bool, True):
            return None
        return TargetConfig(name, self.url(f"{key}.url", required=True) or "",
                            self.env_name(f"{key}.token_env"),
                            ca_file=self.ca_file(f"{key}.ca_file"))

    def _m365(self) -> M365Config | None:
        key = "targets.m365"
        if self.get(key, dict) is None or not self.get(f"{key}.enabled", bool, True):
            return None
        graph = self.url(f"{key}.graph_url", required=True) or ""
        tenant = self.get(f"{key}.tenant", str, required=True)
        token_url = self.url(f"{key}.token_url") or f"{graph}/{tenant}/oauth2/v2.0/token"
        return M365Config(
            graph_url=graph, tenant=tenant, client_id=self.get(f"{key}.client_id", str,
                                                              required=True),
            client_secret_env=self.env_name(f"{key}.client_secret_env", required=True) or "",
            token_url=token_url, usage_location=self.get(f"{key}.usage_location", str, "JP"),
            ca_file=self.ca_file(f"{key}.ca_file"),
            student_sku=self.get(f"{key}.student_sku", str) or None,
            employee_id=self._employee_id(f"{key}.employee_id"))

    def _employee_id(self, key: str) -> str | None:
        value = self.get(key, str) or None
        if value not in (None, *EMPLOYEE_ID_SOURCES):
            raise self.fail(key, f"expected one of {', '.join(EMPLOYEE_ID_SOURCES)} or nothing")
        return value


def _walk(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict):
                out += _walk(v, key)
            else:
                out.append((key, v))
    return out


def _toml_type(name: str) -> str:
    return {"str": "a string", "int": "a whole number", "bool": "true or false",
            "dict": "a table", "float or int": "a number"}.get(name, name)


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_PART = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)"""
_ASSIGN = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def _line_of(text: str, key: str) -> int:
    """The 1-based line where dotted ``key`` is set or its table opens; 0 when not found."""
    table = ""
    best = 0
    for n, line in enumerate(text.splitlines(), 1):
        m = _HEADER.match(line)
        if m:
            table = _norm(m.group(1))
            if table == key:
                best = best or n
            continue
        m = _ASSIGN.match(line)
        if m:
            full = f"{table}.{_norm(m.group(1))}" if table else _norm(m.group(1))
            if full == key:
                return n
            if key.startswith(full + ".") and not best:
                best = n  # an inline table holding the key
    if best:
        return best
    parent = key.rsplit(".", 1)[0] if "." in key else ""
    return _line_of(text, parent) if parent else 0


def _norm(dotted: str) -> str:
    return ".".join(p.strip().strip("\"'") for p in dotted.split("."))


def example_config() -> str:
    """A commented example configuration that works against ``renkei mock up --all``."""
    return EXAMPLE_CONFIG
