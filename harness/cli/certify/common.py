"""What the ``renkei certify`` kinds share: TOML loading with located errors, the state
directory and its ports, loopback serving, the report and its output."""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.cli.common import UsageError, baseline_options, write_output
from harness.report import FORMATS, Report, render_cases
from harness.report.model import FAIL, PASS, XFAIL, XPASS


def lti_options(p: argparse.ArgumentParser, *, default_port: int | None = None) -> None:
    """The options ``lti-tool`` and ``lti-platform`` share; ``default_port``: the port used
    when neither --port nor the state dir names one (None: a free one)."""
    p.add_argument("--config", required=True, metavar="TOML", help="the configuration file")
    fallback = str(default_port) if default_port else "a free one"
    p.add_argument("--port", type=int, default=None, metavar="N",
                   help=f"port on 127.0.0.1 (default: the one saved in the state dir, else "
                        f"{fallback})")
    p.add_argument("--state-dir", default=".renkei/lti", metavar="D",
                   help="keys and settings that persist between runs (default: %(default)s)")
    p.add_argument("--profile", choices=("core", "jp-eportal"), default="core",
                   help="rule profile (default: %(default)s)")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="report format (default: %(default)s)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    baseline_options(p)


# -- configuration ---------------------------------------------------------------------------
def load_toml(path: str) -> dict[str, Any]:
    """The parsed TOML file; a missing file or bad syntax is a UsageError naming the line."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already says "(at line N, column M)"
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None


def key_line(path: str, table: str, key: str | None = None) -> str:
    """``path:N`` where ``key`` (or the ``[table]`` header) is written, or just ``path``.

    TOML parsers do not keep positions, so the line is found by reading the text: good enough
    to point a person at the right place in a hand-written config.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return path
    in_table = False
    header = None
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if line.startswith("["):
            in_table = line.strip("[] ").split("]")[0].strip() == table
            if in_table:
                header = n
            continue
        if in_table and key and line.split("=", 1)[0].strip().strip('"') == key:
            return f"{path}:{n}"
    return f"{path}:{header}" if header else path


def need(section: dict[str, Any], name: str, path: str, table: str, kind: type = str) -> Any:
    """``section[name]`` when it has type ``kind`` (non-empty for str), else a UsageError
    naming the key's line (or the table's, when the key is missing)."""
    value = section.get(name)
    if not isinstance(value, kind) or (kind is str and not value):
        raise UsageError(f"{key_line(path, table, name)}: [{table}] '{name}' is required "
                         f"({kind.__name__})")
    return value


def acceptance_from(cfg: dict[str, Any], path: str, *, optional: bool = False) -> Any:
    """The ``[acceptance]`` table as an :class:`harness.lti.runner.Acceptance`.

    :param optional: a missing table gives None (the caller then has its own default).
    """
    from harness.lti.runner import Acceptance, AcceptanceError

    acc = cfg.get("acceptance")
    if acc is None and optional:
        return None
    try:
        return Acceptance.from_mapping(acc)
    except AcceptanceError as exc:
        keys = ("acceptance",) if exc.key is None else ("acceptance", exc.key)
        raise UsageError(f"{key_line(path, *keys)}: {exc}") from None


# -- state directory and ports ---------------------------------------------------------------
def port_for(args: argparse.Namespace, state_dir: Path, *, default: int | None = None) -> int:
    """``--port``, else the port saved in the state dir, else ``default`` or a free one
    (then saved)."""
    saved = state_dir / "run.json"
    if args.port is not None:
        if not 0 < args.port < 65536:
            raise UsageError(f"--port {args.port} is out of range")
        port = args.port
    elif saved.exists():
        port = int(json.loads(saved.read_text(encoding="utf-8")).get("port", 0)) or free_port()
    else:
        port = default or free_port()
    state_dir.mkdir(parents=True, exist_ok=True)
    data = json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else {}
    data["port"] = port
    saved.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return port


def saved(state_dir: Path, key: str, default: Any) -> Any:
    """A value kept in ``state_dir/run.json`` across runs (written with ``default`` once)."""
    path = state_dir / "run.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if key not in data:
        data[key] = default
        state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return data[key]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app: Any, port: int) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:port in a thread; stop it on exit."""
    from werkzeug.serving import make_server

    try:
        httpd = make_server("127.0.0.1", port, app, threaded=True)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def check_remote_jwks(url: str, sink: Any, case: str) -> None:
    """Fetch the key set at ``url`` and check it into ``sink``; unreachable → LT118."""
    from harness.lti.http import HttpError, LtiHttpClient
    from harness.lti.jwks import check_jwks

    try:
        resp = LtiHttpClient(timeout=5).get(url)
        check_jwks(resp.json(), sink, case=case, cache_control=resp.headers.get("Cache-Control"))
    except HttpError as exc:
        sink.add("LT118", file=case, reason=str(exc))


def quiet_werkzeug() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)


# -- output ----------------------------------------------------------------------------------
#: each case's mark in the per-case text tables, by its verdict after the baseline is settled
CASE_MARKS = {PASS: "ok  ", FAIL: "FAIL", "note": "note", "not reached": "SKIP",
              "not run": "----", XFAIL: "XFAIL", XPASS: "XPASS"}
#: how the one-line outcome names the cases of each verdict (after the baseline is settled)
VERDICT_WORDS = ((PASS, "right"), ("note", "stricter than required"), (FAIL, "wrong"),
                 ("not reached", "not reached"), ("not run", "not run"), (XFAIL, "XFAIL"),
                 (XPASS, "XPASS"))


def emit(report: Report, args: argparse.Namespace, command: str,
         table: Callable[[Report], str] | None = None) -> None:
    """Write ``report`` in ``--format`` to ``--output``; the per-case table leads the text.

    ``table`` builds that table from the report's case rows: call this after the baseline
    is settled (:func:`harness.cli.common.settle_baseline`), so its marks (XFAIL, XPASS) and
    its counts are the rows' final verdicts. A certification report (one with
    ``extra['cases']``) gets the per-case 1EdTech log and a table of its cases in HTML. With
    ``--output FILE`` the terminal gets one line (stderr, as ``renkei check`` does): the
    outcome and where the report is, not the table.
    """
    text = render_cases(report, args.format)
    if args.format == "text" and table is not None:
        text = table(report) + text
    write_output(text, args.output)
    if args.output and args.output != "-":
        sys.stderr.write(outcome_line(report, command, args.format, args.output))


def outcome_line(report: Report, command: str, fmt: str, output: str) -> str:
    """``renkei certify KIND: passed|failed (N right, N wrong, …); FMT report written to
    FILE``, and the baseline to update when a listed case passes now (XPASS)."""
    verdicts = Counter(str(c.get("verdict")) for c in report.case_rows())
    cases = ", ".join(f"{verdicts[v]} {word}" for v, word in VERDICT_WORDS if verdicts[v])
    line = (f"renkei {command}: {'passed' if report.passed else 'failed'} "
            f"({cases or 'no cases'}); {fmt} report written to {output}")
    if verdicts[XPASS]:
        line += f"; update {report.baseline_file}: its XPASS entries pass now"
    return line + "\n"


def findings_report(kit: str, registry: Any, subject: str, profile: str, findings: list[Any],
                    counts: Any, rules_run: list[str], extra: dict[str, Any]) -> Report:
    """A :class:`Report` over ``findings`` with the usual summary."""
    by_severity = {"ERROR": 0, "WARN": 0, "INFO": 0}
    for f in findings:
        by_severity[f.severity.name] += 1
    summary = {"total": len(findings), "by_severity": by_severity,
               "by_rule": dict(sorted(counts.items())), "suppressed": {}}
    return Report(kit=kit, subject=subject, profile=profile, registry=registry,
                  findings=findings, summary=summary,
                  rules_run=sorted(set(rules_run) | {f.rule for f in findings}), extra=extra)


def lti_report(subject: str, profile: str, findings: list[Any], counts: Any,
               rules_run: list[str], extra: dict[str, Any]) -> Report:
    """A Report of the LTI kit over ``findings``."""
    # harness.lti loads PyJWT and cryptography: imported when a certification runs, so that
    # every other ``renkei`` command (and --help) starts without them
    from harness.lti.rules import REGISTRY as LTI_REGISTRY

    return findings_report("lti", LTI_REGISTRY, subject, profile, findings, counts, rules_run,
                           extra)
