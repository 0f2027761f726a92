"""``renkei certify lti-platform``: renkei is a tool on 127.0.0.1; it checks every message the
platform sends, calls its NRPS and AGS services, and answers a Deep Linking request with one
good and three bad responses (a correct platform takes only the good one).

``harness.lti`` is imported inside the functions that run a certification: every ``renkei``
command module is imported to build the parser, and --help should not wait for PyJWT,
cryptography, Flask and requests."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from harness.cli.certify import common
from harness.cli.common import UsageError, read_baseline, settle_baseline
from harness.report import Report

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
    """Add ``lti-platform`` to the ``certify`` group."""
    p = kinds.add_parser("lti-platform", help="renkei acts as a tool your platform launches",
                         epilog=EPILOG_PLATFORM,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    common.lti_options(p)
    p.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="seconds to wait for messages (default: %(default)s)")
    p.add_argument("--messages", type=int, default=1, metavar="N",
                   help="stop after N launches have arrived (default: %(default)s)")
    p.add_argument("--no-services", action="store_true",
                   help="do not call the platform's NRPS and AGS endpoints")
    p.set_defaults(func=run_platform)


def run_platform(args: argparse.Namespace) -> int:
    from harness.lti.deep_linking import DL_CASES
    from harness.lti.rules import REGISTRY as LTI_REGISTRY

    cfg = common.load_toml(args.config)
    baseline = read_baseline(args, command="certify lti-platform", known_cases=DL_CASES,
                                    case_pattern=r"message-\d+",
                                    known_rules={r.id for r in LTI_REGISTRY})
    plat = cfg.get("platform")
    if not isinstance(plat, dict):
        raise UsageError(f"{args.config}: a [platform] table is required")
    reg = {
        "issuer": common.need(plat, "issuer", args.config, "platform"),
        "client_id": common.need(plat, "client_id", args.config, "platform"),
        "auth_login_url": common.need(plat, "auth_login_url", args.config, "platform"),
        "auth_token_url": plat.get("auth_token_url", ""),
        "key_set_url": common.need(plat, "key_set_url", args.config, "platform"),
        "deployment_ids": [str(d) for d in plat.get("deployment_ids", [])],
    }
    if args.timeout <= 0 or args.messages < 1:
        raise UsageError("--timeout must be positive and --messages at least 1")
    state_dir = Path(args.state_dir)
    port = common.port_for(args, state_dir)
    report = certify_platform(reg, state_dir, port, timeout=args.timeout,
                              messages=args.messages, services=not args.no_services,
                              profile=args.profile,
                              acceptance=common.acceptance_from(cfg, args.config, optional=True))
    code = settle_baseline(report, args, baseline, command="certify lti-platform")
    common.emit(report, args, case_table(report))
    return code


def certify_platform(reg: dict[str, Any], state_dir: Path, port: int, *, timeout: float,
                     messages: int, services: bool, profile: str, acceptance: Any = None
                     ) -> Report:
    """Be a tool on 127.0.0.1 until ``messages`` launches arrived or ``timeout`` passed.

    Every message is checked rule by rule; NRPS and AGS are called; when a Deep Linking
    request arrived, the four Deep Linking cases are posted back to the platform.

    :param acceptance: how the platform's answer to an accepted Deep Linking response looks
        (:class:`harness.lti.runner.Acceptance`); None means any 2xx status.
    """
    from harness.core import Finding, FindingCollector
    from harness.lti.rules import REGISTRY
    from harness.lti.tool_app import create_tool_app

    common.quiet_werkzeug()
    base = f"http://127.0.0.1:{port}"
    app = create_tool_app({"BASE_URL": base, "PLATFORMS": [reg], "PROFILE": profile,
                           "STATE_DIR": state_dir / "tool-keys", "PLATFORM_SIDE": True,
                           "DEEP_LINK_CERTIFY": True})
    log = app.extensions["renkei_lti_tool_log"]
    tool = app.extensions["renkei_lti_tool"]
    out = FindingCollector(REGISTRY, profile=profile)
    common.check_remote_jwks(reg["key_set_url"], out, "platform_jwks")
    with common.serving(app, port):
        sys.stderr.write(
            "renkei is now an LTI tool. Register it on the platform with:\n"
            f"  OIDC login URL (initiate_login_uri): {base}/login\n"
            f"  redirect URI / target link URI:      {base}/launch\n"
            f"  Deep Linking URL:                    {base}/launch\n"
            f"  public key set (JWKS) URL:           {base}/jwks\n"
            f"Waiting for {messages} launch(es), at most {timeout:.0f} s "
            "(Ctrl-C to stop)...\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and \
                sum(1 for e in log if e.get("step") == "launch") < messages:
            time.sleep(0.2)
        launches = [e for e in log if e.get("step") == "launch"]
        # services run while renkei's JWKS is still served: the platform fetches it to check
        # the client assertion
        svc_findings, svc_counts = _call_services(reg, tool, launches, services, profile)
        dl_cases = post_deep_linking_cases(tool, launches, base + "/launch", acceptance)
    findings: list[Finding] = list(out.findings)
    counts = out.counts.copy()
    for i, entry in enumerate(launches):
        for f in entry.get("findings", []):
            rule = REGISTRY[f["rule"]]
            findings.append(Finding(rule.id, rule.severity, f"message-{i + 1}", None, None,
                                    f["value"], f["message_ja"], f["message_en"], rule.spec))
            counts[rule.id] += 1
    if not launches:
        out2 = FindingCollector(REGISTRY, profile=profile)
        out2.add("LT702", file="platform", value=int(timeout))
        findings += out2.findings
        counts.update(out2.counts)
    findings += svc_findings
    counts.update(svc_counts)
    cert = FindingCollector(REGISTRY, profile=profile)
    cases = _message_cases(launches) + _judge_dl(dl_cases, launches, cert)
    findings += cert.findings
    counts.update(cert.counts)
    rules = [r.id for r in REGISTRY.active(profile) if r.id[:3] in ("LT1", "LT2", "LT6")]
    rules += ["LT704", "LT705"] if dl_cases else []
    return common.lti_report(reg["issuer"], profile, findings, counts, rules,
                             {"messages": len(launches), "cases": cases})


def _call_services(reg: dict[str, Any], tool: Any, launches: list[dict[str, Any]],
                   services: bool, profile: str) -> tuple[list[Any], Any]:
    """Call NRPS and AGS once, each with its own scoped token. Rules: LT314."""
    from collections import Counter

    from harness.core import FindingCollector
    from harness.lti import constants as c
    from harness.lti.http import LtiHttpClient
    from harness.lti.rules import REGISTRY
    from harness.lti.service_client import ServiceClient, ServiceError
    from harness.lti.tool import PlatformRegistration

    svc = FindingCollector(REGISTRY, profile=profile)
    if not services or not reg.get("auth_token_url"):
        return [], Counter()
    client = ServiceClient(tool, PlatformRegistration(**reg), LtiHttpClient(timeout=10))
    for entry in launches:
        claims = entry.get("claims") or {}
        nrps = claims.get(c.NRPS_CLAIM) or {}
        if nrps.get("context_memberships_url"):
            try:
                client.members(nrps["context_memberships_url"])
            except ServiceError as exc:
                svc.add("LT314", file="nrps", claim="NRPS", reason=str(exc))
        ags = claims.get(c.AGS_CLAIM) or {}
        if ags.get("lineitems") and c.SCOPE_LINEITEM in ags.get("scope", []):
            try:
                item = client.create_lineitem(ags["lineitems"], {
                    "label": "renkei certification", "scoreMaximum": 10})
                client.post_score(item["id"], {
                    "userId": claims.get("sub"), "scoreGiven": 7, "scoreMaximum": 10,
                    "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())})
            except (ServiceError, KeyError, TypeError) as exc:
                svc.add("LT314", file="ags", claim="AGS", reason=str(exc))
        if nrps or ags:
            break  # one round of service calls is enough for a certification
    return svc.findings, svc.counts


def post_deep_linking_cases(tool: Any, launches: list[dict[str, Any]], launch_url: str,
                            acceptance: Any) -> list[dict[str, Any]]:
    """Post the Deep Linking cases answering the first Deep Linking request, in order."""
    from harness.lti import constants as c
    from harness.lti.browser import Page
    from harness.lti.deep_linking import deep_linking_cases
    from harness.lti.http import HttpError, LtiHttpClient

    request = next((e["claims"] for e in launches
                    if e.get("message_type") == c.DEEP_LINKING_REQUEST and e.get("claims")
                    and e.get("accepted")), None)
    if request is None:
        return []
    http = LtiHttpClient(timeout=10)
    results = []
    for case in deep_linking_cases(tool, request, launch_url=launch_url):
        row: dict[str, Any] = {"case": case.id, "title": case.title, "group": "deep_linking",
                               "expected": "accept" if case.accept else "reject",
                               "rules": list(case.rules)}
        try:
            resp = http.post(case.url, data={"JWT": case.jwt}, allow_redirects=False)
        except HttpError as exc:
            row.update(observed="not reached", ok=False, verdict="not reached",
                       status=None, detail=str(exc))
            results.append(row)
            continue
        text = resp.body.decode("utf-8", "replace")
        if acceptance is None:
            accepted = 200 <= resp.status < 300
        else:
            accepted = acceptance.accepted(Page("POST", case.url, resp.status, {}, text))
        ok = accepted == case.accept
        row.update(observed="accept" if accepted else "reject", ok=ok,
                   verdict="pass" if ok else "fail", status=resp.status,
                   detail=f"HTTP {resp.status}: " + " ".join(_strip_tags(text).split())[:140])
        results.append(row)
    return results


def _strip_tags(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", text)


def _message_cases(launches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One case per message received: it passes when it raised no ERROR finding."""
    out = []
    for i, entry in enumerate(launches):
        errors = [f["rule"] for f in entry.get("findings", []) if f["severity"] == "ERROR"]
        out.append({"case": f"message-{i + 1}", "title": str(entry.get("message_type")),
                    "group": "messages", "expected": "conformant message",
                    "observed": "errors " + ", ".join(errors) if errors else "conformant",
                    "ok": not errors, "verdict": "fail" if errors else "pass",
                    "detail": ", ".join(sorted({f["rule"] for f in entry.get("findings", [])}))})
    return out


def _judge_dl(cases: list[dict[str, Any]], launches: list[dict[str, Any]], out: Any
              ) -> list[dict[str, Any]]:
    """Findings LT704/LT705/LT703 for the Deep Linking cases; LT706 when none could run."""
    from harness.lti import constants as c

    if not cases:
        if launches and not any(e.get("message_type") == c.DEEP_LINKING_REQUEST
                                for e in launches):
            out.add("LT706", file="deep_linking")
        return []
    for row in cases:
        if row["verdict"] == "not reached":
            out.add("LT703", file=row["case"], reason=row["detail"])
        elif row["verdict"] == "fail" and row["expected"] == "accept":
            out.add("LT705", file=row["case"], reason=row["detail"][:120])
        elif row["verdict"] == "fail":
            out.add("LT704", file=row["case"], value=row["title"])
    return cases


def case_table(report: Report) -> str:
    """The per-case lines leading the text report (messages, then Deep Linking cases)."""
    cases = report.extra.get("cases") or []
    if not isinstance(cases, list) or not cases:
        return ""
    marks = {"pass": "ok  ", "fail": "FAIL", "not reached": "SKIP"}
    lines = [f"renkei certify lti-platform: {report.subject} ({len(cases)} cases)"]
    for c in cases:
        lines.append(f"  {marks.get(c['verdict'], '?   ')} {c['case']:<18} expected "
                     f"{c['expected']:<18} {c['observed']:<14} {str(c.get('detail', ''))[:50]}")
    return "\n".join(lines) + "\n\n"
