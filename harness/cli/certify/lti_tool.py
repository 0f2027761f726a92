"""``renkei certify lti-tool``: renkei is the platform on 127.0.0.1 and launches someone
else's LTI 1.3 tool case by case, with a rule-by-rule report.

``harness.lti`` is imported inside the functions that run a certification: every ``renkei``
command module is imported to build the parser, and --help should not wait for PyJWT,
cryptography, Flask and requests."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from harness.cli.certify import common
from harness.cli.common import UsageError, read_baseline, settle_baseline
from harness.report import Report
from harness.report.model import PASS, XFAIL, XPASS

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

def register(kinds: argparse._SubParsersAction) -> None:
    """Add ``lti-tool`` to the ``certify`` group."""
    t = kinds.add_parser("lti-tool", help="renkei acts as the platform and launches your tool",
                         epilog=EPILOG_TOOL, formatter_class=argparse.RawDescriptionHelpFormatter)
    common.lti_options(t)
    t.add_argument("--show-platform", action="store_true",
                   help="print renkei's platform settings for this run as JSON and exit")
    t.add_argument("--cases", metavar="IDS", help="comma-separated case ids (default: all)")
    t.set_defaults(func=run_tool)


# -- lti-tool --------------------------------------------------------------------------------
def _tool_config(cfg: dict[str, Any], path: str) -> tuple[dict[str, Any], Any]:
    tool = cfg.get("tool")
    if not isinstance(tool, dict):
        raise UsageError(f"{path}: a [tool] table is required")
    reg = {
        "client_id": common.need(tool, "client_id", path, "tool"),
        "login_url": common.need(tool, "login_url", path, "tool"),
        "redirect_uris": common.need(tool, "redirect_uris", path, "tool", list),
        "target_link_uri": common.need(tool, "target_link_uri", path, "tool"),
        "deployment_ids": [str(tool.get("deployment_id", "1"))],
        "jwks_url": tool.get("jwks_url") or None,
        "deep_link_url": tool.get("deep_link_url") or None,
    }
    return reg, common.acceptance_from(cfg, path)


def platform_settings(state_dir: Path, port: int, client_id: str, deployment_id: str
                      ) -> dict[str, Any]:
    from harness.lti.keys import KeyStore

    base = f"http://127.0.0.1:{port}"
    keys = KeyStore(state_dir / "platform-keys")
    return {
        "issuer": common.saved(state_dir, "issuer", "https://platform.renkei.example"),
        "client_id": client_id, "deployment_id": deployment_id,
        "auth_login_url": base + "/auth", "auth_token_url": base + "/token",
        "key_set_url": base + "/.well-known/jwks.json",
        "public_jwk": keys.current.public_jwk(),
    }


def run_tool(args: argparse.Namespace) -> int:
    from harness.lti.cases import all_cases
    from harness.lti.rules import REGISTRY as LTI_REGISTRY

    cfg = common.load_toml(args.config)
    reg, acceptance = _tool_config(cfg, args.config)
    state_dir = Path(args.state_dir)
    port = common.port_for(args, state_dir)
    settings = platform_settings(state_dir, port, reg["client_id"], reg["deployment_ids"][0])
    if args.show_platform:
        sys.stdout.write(json.dumps(settings, indent=2, ensure_ascii=False) + "\n")
        return 0
    cases = all_cases()
    baseline = read_baseline(args, command="certify lti-tool",
                                    known_cases={k.id for k in cases},
                                    known_rules={r.id for r in LTI_REGISTRY})
    if args.cases:
        wanted = set(args.cases.split(","))
        unknown = wanted - {k.id for k in cases}
        if unknown:
            raise UsageError(f"unknown case id(s): {', '.join(sorted(unknown))}")
        cases = [k for k in cases if k.id in wanted]
    report = certify_tool(reg, acceptance, cases, settings, state_dir, port,
                          profile=args.profile)
    code = settle_baseline(report, args, baseline, command="certify lti-tool")
    common.emit(report, args, "certify lti-tool", tool_table)
    return code


def certify_tool(reg: dict[str, Any], acceptance: Any, cases: list[Any],
                 settings: dict[str, Any], state_dir: Path, port: int, *, profile: str
                 ) -> Report:
    """Run ``cases`` against the tool; the report holds one row per case
    (``extra['cases']``, :meth:`harness.lti.runner.CaseResult.as_dict`)."""
    from harness.core import FindingCollector
    from harness.lti.browser import RequestsTransport
    from harness.lti.platform_app import create_platform_app, register_tool, state
    from harness.lti.rules import REGISTRY
    from harness.lti.runner import judge, run_cases

    common.quiet_werkzeug()
    guid = common.saved(state_dir, "guid", str(uuid.uuid4()))
    app = create_platform_app({"ISSUER": settings["issuer"], "STATE_DIR": state_dir /
                               "platform-keys", "GUID": guid,
                               "BASE_URL": f"http://127.0.0.1:{port}",
                               # a tool that repeats its nonce still gets its launches: its
                               # own checks are what this certification judges
                               "SINGLE_USE_NONCES": False})
    register_tool(app, reg)
    platform = state(app).platform
    with common.serving(app, port):
        results = run_cases(cases, platform, reg["client_id"], RequestsTransport, acceptance)
        jwks_out = FindingCollector(REGISTRY, profile=profile)
        if reg.get("jwks_url"):
            common.check_remote_jwks(reg["jwks_url"], jwks_out, "tool_jwks")
    out = judge(results, profile=profile)
    findings = out.findings + jwks_out.findings
    counts = out.counts + jwks_out.counts
    if results and all(r.connection_failed for r in results):
        raise UsageError(f"the tool did not answer at {reg['login_url']}: {results[0].detail}")
    extra = {"cases": [r.as_dict() for r in results],
             "platform": {k: v for k, v in settings.items() if k != "public_jwk"}}
    rules = ["LT700", "LT701", "LT703"] + (
        ["LT600", "LT601", "LT603", "LT604"] if reg.get("jwks_url") else [])
    return common.lti_report(reg["login_url"], profile, findings, counts, rules, extra)


def tool_table(report: Report) -> str:
    """The per-case lines leading the text report, from the case rows as the baseline left
    them: mark, case, what the guide expects and what the tool did; how many cases met the
    guide; the interstitial pages renkei got through."""
    rows = report.case_rows()
    lines = [f"renkei certify lti-tool: {report.subject} ({len(rows)} cases)"]
    for r in rows:
        got = {"accept": "accepted", "reject": "rejected"}.get(str(r["observed"]),
                                                              str(r["observed"]))
        lines.append(f"  {common.CASE_MARKS[str(r['verdict'])]} {r['case']:<34} "
                     f"expected {r['expected']:<6}  {got:<11} {str(r['detail'])[:70]}")
    n = Counter(str(r["verdict"]) for r in rows)
    unreached = sum(r["observed"] == "not reached" for r in rows)
    lines.append(f"{n[PASS] + n[XPASS]}/{len(rows)} cases as the certification guide requires"
                 + (f"; {n[XFAIL]} failing as the baseline expects (XFAIL)" if n[XFAIL] else "")
                 + (f"; {unreached} never reached the tool (not tested)" if unreached else "")
                 + "\n")
    pages = sorted({str(p) for r in rows for p in r.get("interstitials") or []})
    if pages:
        lines.append("interstitial pages understood: " + ", ".join(pages) + "\n")
    return "\n".join(lines) + "\n"
