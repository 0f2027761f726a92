"""``renkei mock``: list the vendor mocks, and serve them on 127.0.0.1 (http or https)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tomllib
from pathlib import Path
from string import Template
from typing import Any

from harness.cli.common import UsageError, add_names_or_all, command_group, names_or_all
from mocks import DEFAULT_PORT_BASE, MOCKS, available, default_port, is_available

LIST_EPILOG = """\
examples:
  renkei mock list
  renkei mock list --format json
"""

# $pN is the default port of the N-th mock (mocks.DEFAULT_PORT_BASE + N, the registry's order).
UP_EPILOG = Template("""\
Each mock is served on 127.0.0.1 (http by waitress; https by cheroot with --tls), at
port base + its place in the list
(c4th $p0, lgate $p1, m365 $p2, interactive_study $p3, tsubasa_book $p4,
mirai_school $p5). Every mock knows the others' live URLs (PEERS), so lgate launches
the tools over loopback. Without --state each mock keeps its state in memory and starts empty;
with --state DIR each keeps an SQLite file DIR/<name>.sqlite and picks up where it left off.
Ctrl-C or SIGTERM stops every server cleanly.

With --tls every mock serves https with a certificate for 127.0.0.1 and localhost from a
local CA made once in DIR/tls/ (with --state DIR; else $$XDG_STATE_HOME/renkei/tls): ca.pem,
server.pem, server.key, mode 0600, kept across restarts. Give clients the CA:
  export REQUESTS_CA_BUNDLE=DIR/tls/ca.pem SSL_CERT_FILE=DIR/tls/ca.pem

Every mock offers GET / (what it is, its endpoints), /openapi.json and the admin API
(/_admin/state, /_admin/reset, /_admin/seed, /_admin/requests, /_admin/faults).

examples:
  renkei mock up --all                              all six on ports $p0-$p5
  renkei mock up c4th lgate --port-base 9000        two mocks on 9000 and 9001
  renkei mock up --all --port m365=9443             m365 on 9443, the rest as usual
  renkei mock up m365 --port 9443 --tls --state st  m365 alone on https://127.0.0.1:9443
  renkei mock up --all --state ./mock-state         state survives a restart
  renkei mock up m365 --config mocks.toml           per-mock settings from a file

  curl -X POST localhost:$p0/_admin/seed -H 'Content-Type: application/json' \\
       -d '{"profile": "small", "seed": 1}'         give c4th a city
  curl -o ro.zip localhost:$p0/oneroster/export    export it
  curl -X POST localhost:$p2/_admin/faults -H 'Content-Type: application/json' \\
       -d '{"kind": "status", "status": 429, "retry_after": 2, "count": 3}'

mocks.toml holds one table per mock, e.g.:
  [m365]
  THROTTLE = { per_second = 20 }
  [c4th]
  DROP_DIR = "./drop"
  FAULTS = [{ kind = "latency", ms = 200, ms_max = 800, probability = 0.5 }]
""").substitute({f"p{i}": default_port(name) for i, name in enumerate(MOCKS)})


SETTINGS_EPILOG = Template("""\
Register lgate in your tool with these values. The issuer is lgate's base URL, so it depends
on the port base: give the same --port-base here, to `renkei mock up` and to
`pytest --renkei-live --renkei-port-base`. Without --state lgate makes new keys each time it
starts: register the JWKS URL (key_set_url), not the key set.

examples:
  renkei mock platform-settings                           lgate on $p1
  renkei mock platform-settings --port-base 9000 --format toml >> our_tool.toml
  renkei mock platform-settings --config mocks.toml --state ./mock-state --format json
""").substitute({f"p{i}": default_port(name) for i, name in enumerate(MOCKS)})


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = command_group(
        subparsers, "mock", help="list and serve the vendor mocks (c4th, lgate, m365, tools)",
        description="Flask mocks of every vendor system of the Tsukuba pilot: the same apps "
        "the tests run in-process, served as real HTTP servers on 127.0.0.1.")
    lst = sub.add_parser("list", help="the mocks, their titles and default ports",
                         description="List every registered mock.", epilog=LIST_EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    lst.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE, metavar="PORT",
                     help="port of the first mock (default: %(default)s)")
    lst.add_argument("--format", choices=("text", "json"), default="text",
                     help="output format (default: %(default)s)")
    lst.set_defaults(func=run_list)

    up = sub.add_parser("up", help="serve mocks on 127.0.0.1 until Ctrl-C or SIGTERM",
                        description="Serve the named mocks (or --all) over http, or https "
                        "with --tls.",
                        epilog=UP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_names_or_all(up, names_help="mocks to serve (see mock list)",
                     all_help="serve every mock in this checkout")
    up.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE, metavar="PORT",
                    help="port of the first mock in the list (default: %(default)s)")
    up.add_argument("--port", action="append", default=[], metavar="[NAME=]PORT",
                    help="serve one mock on its own port (repeatable); a bare PORT when one "
                    "mock is named")
    up.add_argument("--tls", action="store_true",
                    help="serve https with a local CA kept in <state>/tls/ (see below)")
    up.add_argument("--state", metavar="DIR",
                    help="keep each mock's SQLite state in DIR/<name>.sqlite")
    up.add_argument("--host", default="127.0.0.1",
                    help="address to bind (default: %(default)s; keep it on loopback)")
    up.add_argument("--config", metavar="FILE",
                    help="TOML or JSON file with one table of settings per mock")
    up.add_argument("--threads", type=int, default=8, metavar="N",
                    help="worker threads per mock (default: %(default)s)")
    up.set_defaults(func=run_up)

    ps = sub.add_parser("platform-settings", help="what your LTI tool registers for lgate",
                        description="Print what an LTI 1.3 tool must register to be launched "
                        "by lgate: issuer, auth, token and JWKS URLs, the client id and "
                        "deployment id of every registered tool and lgate's public key set. "
                        "The values are read from an lgate built as `renkei mock up` and the "
                        "pytest plugin (--renkei-live) build it.",
                        epilog=SETTINGS_EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    ps.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE, metavar="PORT",
                    help="the port base lgate will run under (default: %(default)s; lgate is "
                    "base + 1)")
    ps.add_argument("--tls", action="store_true", help="print https URLs (lgate served "
                    "over TLS)")
    ps.add_argument("--config", metavar="FILE", help="the same TOML or JSON mock settings "
                    "file as `mock up --config` (your tool in [lgate] TOOLS)")
    ps.add_argument("--state", metavar="DIR", help="the same state folder as `mock up --state`:"
                    " its keys are kept there, so the key set printed is the one served")
    ps.add_argument("--format", choices=("text", "json", "toml"), default="text",
                    help="output format (default: %(default)s; toml is ready to paste)")
    ps.set_defaults(func=run_platform_settings)


def run_list(args: argparse.Namespace) -> int:
    rows = [{"name": m.name, "title_ja": m.title_ja, "title_en": m.title_en,
             "port": default_port(m.name, args.port_base), "available": is_available(m.name)}
            for m in MOCKS.values()]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="renkei mocks")
    # names and ports never wrap (they are what you type); the titles may
    table.add_column("name", no_wrap=True)
    table.add_column("名称", overflow="fold")
    table.add_column("system", overflow="fold")
    table.add_column("port", no_wrap=True, justify="right")
    missing = any(not r["available"] for r in rows)
    if missing:
        table.add_column("")
    for r in rows:
        cells = [r["name"], r["title_ja"], r["title_en"], str(r["port"])]
        if missing:
            cells.append("" if r["available"] else "(not in this checkout)")
        table.add_row(*cells)
    Console().print(table)
    return 0


def _parse_ports(items: list[str], names: list[str]) -> dict[str, int]:
    ports: dict[str, int] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep and item.isdigit():
            if len(names) != 1:
                raise UsageError(f"--port {item}: a bare port needs exactly one mock named; "
                                 "use NAME=PORT (e.g. m365=9443)")
            name, value = names[0], item
        elif not sep or not value.isdigit():
            raise UsageError(f"--port expects PORT or NAME=PORT (e.g. m365=9443), got {item!r}")
        if name not in MOCKS:
            raise UsageError(f"--port names unknown mock {name!r}; known: {', '.join(MOCKS)}")
        if not 1 <= int(value) <= 65535:
            raise UsageError(f"--port {item}: the port must be 1-65535")
        ports[name] = int(value)
    return ports


def _load_config(path: str | None) -> dict[str, dict[str, Any]]:
    if not path:
        return {}
    file = Path(path)
    try:
        text = file.read_text("utf-8")
        data = json.loads(text) if file.suffix == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"cannot read --config {path}: {exc}") from None
    for name, table in data.items():
        if name not in MOCKS or not isinstance(table, dict):
            raise UsageError(f"--config {path}: {name!r} is not a mock table; tables must be "
                             f"named after mocks: {', '.join(MOCKS)}")
    return data


def _choose(args: argparse.Namespace) -> list[str]:
    names = names_or_all(args, "mock", available())
    if args.all:
        if not names:
            raise UsageError("no mock is present in this checkout")
        return names
    if not names:
        raise UsageError("name the mocks to serve (see `renkei mock list`) or give --all")
    for name in args.names:
        if name not in MOCKS:
            raise UsageError(f"unknown mock {name!r}; known: {', '.join(MOCKS)}")
        if not is_available(name):
            raise UsageError(f"mock {name!r} is not in this checkout yet")
    return list(dict.fromkeys(args.names))


def run_up(args: argparse.Namespace) -> int:
    from mocks.serve import MockServers, ServeError

    names = _choose(args)
    ports = _parse_ports(args.port, names)
    config = _load_config(args.config)
    if not 1 <= args.port_base <= 65535 - len(MOCKS):
        raise UsageError(f"--port-base must be 1-{65535 - len(MOCKS)}, got {args.port_base}")
    if args.threads < 1:
        raise UsageError("--threads must be at least 1")
    state_dir = None
    if args.state:
        state_dir = str(Path(args.state).resolve())
        try:
            Path(state_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot use --state {args.state}: {exc.strerror}") from None
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        print(f"renkei: warning: serving on {args.host}, not loopback: anyone who can reach "
              "it can change the mocks' state", file=sys.stderr)
    tls = None
    if args.tls:
        tls = _tls_files(state_dir)
    servers = MockServers(names, port_base=args.port_base, ports=ports, state_dir=state_dir,
                          host=args.host, config=config, threads=args.threads, tls=tls)
    try:
        servers.start()
    except ServeError as exc:
        raise UsageError(str(exc)) from None
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: servers.stop(timeout=0))
    try:
        _print_table(servers, state_dir)
        if tls is not None:
            print(f"renkei: https with a local CA; give clients\n  export "
                  f"REQUESTS_CA_BUNDLE={tls.ca} SSL_CERT_FILE={tls.ca}", flush=True)
        servers.wait()
    except KeyboardInterrupt:
        pass
    finally:
        servers.stop()
        signal.signal(signal.SIGTERM, previous)
    print("renkei: mocks stopped", file=sys.stderr, flush=True)
    return 0


def _tls_files(state_dir: str | None) -> Any:
    """The CA and server certificate in ``<state>/tls`` (or the user's state folder)."""
    from mocks.tls import TlsError, ensure_tls

    if state_dir:
        folder = Path(state_dir) / "tls"
    else:
        root = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        folder = Path(root) / "renkei" / "tls"
    try:
        return ensure_tls(folder)
    except TlsError as exc:
        raise UsageError(str(exc)) from None


def _print_table(servers: Any, state_dir: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="renkei mocks (Ctrl-C to stop)")
    # the URL and the name are what you copy: never cut them, let the title and path wrap
    table.add_column("name", no_wrap=True)
    table.add_column("名称", overflow="fold")
    table.add_column("URL", no_wrap=True)
    table.add_column("state", overflow="fold")
    for name, served in servers.served.items():
        state = f"{state_dir}/{name}.sqlite" if state_dir else "memory"
        table.add_row(name, MOCKS[name].title_ja, served.url, state)
    Console(soft_wrap=True).print(table)
    sys.stdout.flush()


def run_platform_settings(args: argparse.Namespace) -> int:
    from mocks import create_app, default_peers
    from mocks.base import close_app_db
    from mocks.lgate.lti import ToolConfigError, platform_settings

    if not 1 <= args.port_base <= 65535 - len(MOCKS):
        raise UsageError(f"--port-base must be 1-{65535 - len(MOCKS)}, got {args.port_base}")
    config = _load_config(args.config)
    peers = default_peers(live=True, port_base=args.port_base)
    if args.tls:
        peers = {name: "https" + url.removeprefix("http") for name, url in peers.items()}
    database = ":memory:"
    if args.state:
        try:
            Path(args.state).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot use --state {args.state}: {exc.strerror}") from None
        database = str(Path(args.state).resolve() / "lgate.sqlite")
    # the lgate app `mock up` builds for these ports: the settings are read from it
    try:
        app = create_app("lgate", {"BASE_URL": peers["lgate"], "PEERS": peers,
                                   "DATABASE": database, **config.get("lgate", {})})
    except ToolConfigError as exc:
        raise UsageError(f"--config {args.config}: {exc}") from None
    try:
        settings = platform_settings(app)
    finally:
        close_app_db(app)
    settings["keys_kept"] = bool(args.state)
    if args.format == "json":
        print(json.dumps(settings, ensure_ascii=False, indent=2))
    elif args.format == "toml":
        sys.stdout.write(settings_toml(settings))
    else:
        sys.stdout.write(settings_text(settings))
    return 0


_PLATFORM_KEYS = ("issuer", "auth_login_url", "auth_token_url", "key_set_url",
                  "key_set_url_well_known", "launch_url")
_KEYS_NOTE = ("without --state lgate makes a new key set each time it starts: register "
              "key_set_url, not these keys")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()
                                if v is not None) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def settings_toml(settings: dict[str, Any]) -> str:
    """The settings as TOML a tool's config can take as it is."""
    lines = ["# lgate (renkei mock) as your LTI 1.3 platform: `renkei mock platform-settings`",
             "[platform]"]
    lines += [f"{k} = {_toml_value(settings[k])}" for k in _PLATFORM_KEYS]
    for name, tool in settings["tools"].items():
        lines += ["", f"[tools.{json.dumps(name)}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in tool.items() if v is not None]
    lines += ["", "[key_set]"]
    if not settings["keys_kept"]:
        lines.append(f"# {_KEYS_NOTE}")
    lines.append("keys = [")
    lines += [f"  {_toml_value(key)}," for key in settings["key_set"]["keys"]]
    lines.append("]")
    return "\n".join(lines) + "\n"


def settings_text(settings: dict[str, Any]) -> str:
    """The settings as a short list to read."""
    width = max(len(k) for k in _PLATFORM_KEYS)
    lines = ["lgate (renkei mock) as your LTI 1.3 platform"]
    lines += [f"  {k:<{width}}  {settings[k]}" for k in _PLATFORM_KEYS]
    lines.append("tools (client_id, deployment_ids):")
    for name, tool in settings["tools"].items():
        lines.append(f"  {name:<{width}}  {tool['client_id']}  "
                     f"{', '.join(tool['deployment_ids'])}")
    lines.append("key set (public; --format json or toml for the keys):")
    lines += [f"  kid {key['kid']}" for key in settings["key_set"]["keys"]]
    if not settings["keys_kept"]:
        lines.append(f"  ({_KEYS_NOTE})")
    return "\n".join(lines) + "\n"
