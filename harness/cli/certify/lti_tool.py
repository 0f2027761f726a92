"""``renkei certify lti-tool`` and ``renkei certify lti-platform``: certify someone else's LTI
1.3 system over HTTP on 127.0.0.1, case by case, with a rule-by-rule report."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from harness.cli.certify import (
    acceptance_from,
    check_remote_jwks,
    emit,
    findings_report,
    load_toml,
    need,
    port_for,
    quiet_werkzeug,
    saved,
    serving,
)
from harness.cli.main import UsageError
from harness.report import FORMATS, Report

EPILOG_TOOL = """\
renkei becomes the platform on 127.0.0.1 and drives every certification case through a
browser-like client (redirects, auto-submitted forms, cookies). Exit 1 when a case fails.

tool.toml:
  [tool]
  client_id = "my-tool"
  login_url = "http://127.0.0.1:5001/login"
  redirect_uris = ["http://127.0.0.1:5001/launch"]
  target_link_uri = "http://127.0.0.1:5001/launch"
  deployment_id = "1"
  jwks_url = "http://127.0.0.1:5001/jwks"        # optional
  [acceptance]             # how an accepted launch looks (all given conditions must hold)
  status = 200
  marker = "Welcome"       # text on the final page, or:
  json_field = "accepted"  # a truthy JSON field (dotted path)

examples:
  renkei certify lti-tool --config tool.toml --show-platform --port 8765   settings to register
  renkei certify lti-tool --config tool.toml --port 8765 --format junit -o lti.xml
"""

EPILOG_PLATFORM = """\
renkei becomes a tool on 127.0.0.1, prints the URLs to register, and checks every message the
platform sends until --messages arrived or --timeout passed (works without stdin, in CI).

platform.toml:
  [platform]
  issuer = "https://lms.example"
  client_id = "renkei"
  deployment_ids = ["1"]
  auth_login_url = "https://lms.example/auth"
  auth_token_url = "https://lms.example/token"
  key_set_url = "https://lms.example/jwks"
  [acceptance]             # optional: how the platform answers an accepted Deep Linking
  status = 200             # response (default: any 2xx status); marker / json_field as for
  marker = "saved"         # lti-tool

Launch renkei once as a Deep Linking tool (content selection) to certify Deep Linking: renkei
answers with four responses, posted by itself to deep_link_return_url in this order: a bad
signature, a wrong aud, a good one, the good one replayed. A correct platform takes only the
good one. (The bad ones go first so a platform that closes the Deep Linking session after one
answer cannot pass them by refusing everything.)
"""


def register(kinds: argparse._SubParsersAction) -> None:
    """Add ``lti-tool`` and ``lti-platform`` to the ``certify`` group."""
    t = kinds.add_parser("lti-tool", help="renkei acts as the platform and launches your tool",
                         epilog=EPILOG_TOOL, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(t)
    t.add_argument("--show-platform", action="store_true",
                   help="print renkei's platform settings for this run as JSON and exit")
    t.add_argument("--cases", metavar="IDS", help="comma-separated case ids (default: all)")
    t.set_defaults(func=run_tool)
    p = kinds.add_parser("lti-platform", help="renkei acts as a tool your platform launches",
                         epilog=EPILOG_PLATFORM,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(p)
    p.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="seconds to wait for messages (default: %(default)s)")
    p.add_argument("--messages", type=int, default=1, metavar="N",
                   help="stop after N launches have arrived (default: %(default)s)")
    p.add_argument("--no-services", action="store_true",
                   help="do not call the platform's NRPS and AGS endpoints")
    p.set_defaults(func=run_platform)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, metavar="TOML", help="the configuration file")
    p.add_argument("--port", type=int, default=None, metavar="N",
                   help="port on 127.0.0.1 (default: the one saved in the state dir, or free)")
    p.add_argument("--state-dir", default=".renkei/lti", metavar="D",
                   help="keys and settings that persist between runs (default: %(default)s)")
    p.add_argument("--profile", choices=("core", "jp-eportal"), default="core",
                   help="rule profile (default: %(default)s)")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="report format (default: %(default)s)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")


# -- lti-tool --------------------------------------------------------------------------------
def _tool_config(cfg: dict[str, Any], path: str) -> tuple[dict[str, Any], Any]:
    tool = cfg.get("tool")
    if not isinstance(tool, dict):
        raise UsageError(f"{path}: a [tool] table is required")
    reg = {
        "client_id": need(tool, "client_id", path, "tool"),
        "login_url": need(tool, "login_url", path, "tool"),
        "redirect_uris": need(tool, "redirect_uris", path, "tool", list),
        "target_link_uri": need(tool, "target_link_uri", path, "tool"),
        "deployment_ids": [str(tool.get("deployment_id", "1"))],
        "jwks_url": tool.get("jwks_url") or None,
        "deep_link_url": tool.get("deep_link_url") or None,
    }
    return reg, acceptance_from(cfg, path)


def platform_settings(state_dir: Path, port: int, client_id: str, deployment_id: str
                      ) -> dict[str, Any]:
    from harness.lti.keys import KeyStore

    base = f"http://127.0.0.1:{port}"
    keys = KeyStore(state_dir / "platform-keys")
    return {
        "issuer": saved(state_dir, "issuer", "https://platform.renkei.example"),
        "client_id": client_id, "deployment_id": deployment_id,
        "auth_login_url": base + "/auth", "auth_token_url": base + "/token",
        "key_set_url": base + "/.well-known/jwks.json",
        "public_jwk": keys.current.public_jwk(),
    }


def run_tool(args: argparse.Namespace) -> int:
    from harness.lti.cases import all_cases

    cfg = load_toml(args.config)
    reg, acceptance = _tool_config(cfg, args.config)
    state_dir = Path(args.state_dir)
    port = port_for(args, state_dir)
    settings = platform_settings(state_dir, port, reg["client_id"], reg["deployment_ids"][0])
    if args.show_platform:
        sys.stdout.write(json.dumps(settings, indent=2, ensure_ascii=False) + "\n")
        return 0
    cases = all_cases()
    if args.cases:
        wanted = set(args.cases.split(","))
        unknown = wanted - {k.id for k in cases}
        if unknown:
            raise UsageError(f"unknown case id(s): {', '.join(sorted(unknown))}")
        cases = [k for k in cases if k.id in wanted]
    report, preface = certify_tool(reg, acceptance, cases, settings, state_dir, port,
                                   profile=args.profile)
    emit(report, args, preface)
    return 0 if report.passed else 1


# -- lti-platform ----------------------------------------------------------------------------
def run_platform(args: argparse.Namespace) -> int:
    cfg = load_toml(args.config)
    plat = cfg.get("platform")
    if not isinstance(plat, dict):
        raise UsageError(f"{args.config}: a [platform] table is required")
    reg = {
        "issuer": need(plat, "issuer", args.config, "platform"),
        "client_id": need(plat, "client_id", args.config, "platform"),
        "auth_login_url": need(plat, "auth_login_url", args.config, "platform"),
        "auth_token_url": plat.get("auth_token_url", ""),
        "key_set_url": need(plat, "key_set_url", args.config, "platform"),
        "deployment_ids": [str(d) for d in plat.get("deployment_ids", [])],
    }
    if args.timeout <= 0 or args.messages < 1:
        raise UsageError("--timeout must be positive and --messages at least 1")
    state_dir = Path(args.state_dir)
    port = port_for(args, state_dir)
    from harness.cli.certify_lti_platform import case_table, certify_platform

    report = certify_platform(reg, state_dir, port, timeout=args.timeout,
                              messages=args.messages, services=not args.no_services,
                              profile=args.profile,
                              acceptance=acceptance_from(cfg, args.config, optional=True))
    emit(report, args, case_table(report))
    return 0 if report.passed else 1


def lti_report(subject: str, profile: str, findings: list[Any], counts: Any,
               rules_run: list[str], extra: dict[str, Any]) -> Any:
    """A Report of the LTI kit over ``findings``."""
    from harness.lti.rules import REGISTRY

    return findings_report("lti", REGISTRY, subject, profile, findings, counts, rules_run,
                           extra)


def certify_tool(reg: dict[str, Any], acceptance: Any, cases: list[Any],
                 settings: dict[str, Any], state_dir: Path, port: int, *, profile: str
                 ) -> tuple[Report, str]:
    """Run ``cases`` against the tool; (report, per-case table for the text format)."""
    from harness.core import FindingCollector
    from harness.lti.browser import RequestsTransport
    from harness.lti.platform_app import create_platform_app, register_tool, state
    from harness.lti.rules import REGISTRY
    from harness.lti.runner import judge, run_cases

    quiet_werkzeug()
    guid = saved(state_dir, "guid", str(uuid.uuid4()))
    app = create_platform_app({"ISSUER": settings["issuer"], "STATE_DIR": state_dir /
                               "platform-keys", "GUID": guid,
                               "BASE_URL": f"http://127.0.0.1:{port}"})
    register_tool(app, reg)
    platform = state(app).platform
    with serving(app, port):
        results = run_cases(cases, platform, reg["client_id"], RequestsTransport, acceptance)
        jwks_out = FindingCollector(REGISTRY, profile=profile)
        if reg.get("jwks_url"):
            check_remote_jwks(reg["jwks_url"], jwks_out, "tool_jwks")
    out = judge(results, profile=profile)
    findings = out.findings + jwks_out.findings
    counts = out.counts + jwks_out.counts
    if results and all(r.connection_failed for r in results):
        raise UsageError(f"the tool did not answer at {reg['login_url']}: {results[0].detail}")
    lines = [f"renkei certify lti-tool: {reg['login_url']} ({len(results)} cases)"]
    for r in results:
        mark = "ok  " if r.ok else ("SKIP" if r.observed == "not reached" else "FAIL")
        exp = "accept" if r.case.accept else "reject"
        got = {"accept": "accepted", "reject": "rejected"}.get(r.observed, r.observed)
        lines.append(f"  {mark} {r.case.id:<34} expected {exp:<6}  {got:<11} {r.detail[:70]}")
    passed = sum(r.ok for r in results)
    unreached = sum(not r.reached for r in results)
    lines.append(f"{passed}/{len(results)} cases as the certification guide requires"
                 + (f"; {unreached} never reached the tool (not tested)" if unreached else "")
                 + "\n")
    passed_pages = sorted({k for r in results for k in r.interstitials})
    if passed_pages:
        lines.append("interstitial pages understood: " + ", ".join(passed_pages) + "\n")
    extra = {"cases": [r.as_dict() for r in results],
             "platform": {k: v for k, v in settings.items() if k != "public_jwk"}}
    rules = ["LT700", "LT701", "LT703"] + (
        ["LT600", "LT601", "LT603", "LT604"] if reg.get("jwks_url") else [])
    return lti_report(reg["login_url"], profile, findings, counts, rules, extra), \
        "\n".join(lines) + "\n"
