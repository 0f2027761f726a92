"""``renkei certify lti-platform``: renkei is a tool on 127.0.0.1; it checks every message the
platform sends, attacks its authentication endpoint with tampered requests (launch trigger
only), answers a Deep Linking request with one good and thirteen bad responses (a correct
platform takes only the good one), and uses and misuses its token endpoint, NRPS and AGS.

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

DEFAULT_PORT = 8731

EPILOG_PLATFORM = f"""\
renkei becomes a tool on 127.0.0.1 (port {DEFAULT_PORT} unless --port or the state dir says
otherwise, so the URLs can be registered before the first run), prints the URLs to register,
and certifies the platform.

platform.toml:
  [platform]
  issuer = "https://lms.example"
  client_id = "renkei"
  deployment_ids = ["1"]
  auth_login_url = "https://lms.example/auth"
  auth_token_url = "https://lms.example/token"
  key_set_url = "https://lms.example/jwks"
  # the launch trigger (optional): URLs that start a launch when a browser opens them
  launch_url = "https://lms.example/course/1/renkei"          # LtiResourceLinkRequest
  deep_link_url = "https://lms.example/course/1/renkei/select"  # LtiDeepLinkingRequest
  # or: launch_command = "./start-launch.sh"  (run per launch with RENKEI_LAUNCH_KIND=
  #     resource|deep_link; a URL on its last output line is opened by renkei's browser)
  [platform.session]       # optional: a logged-in session for the trigger URLs
  headers = {{ Authorization = "Bearer ..." }}
  cookies = {{ session = "..." }}
  [acceptance]             # optional: how the platform answers an accepted Deep Linking
  status = 200             # response (default: any 2xx status); marker / json_field as for
  marker = "saved"         # lti-tool

With a trigger, renkei drives every case itself, one fresh launch per case through its own
browser-like client: the message checks, the tampered authentication requests (redirect_uri,
lti_message_hint, login_hint, client_id, scope, response_type, response_mode, prompt, nonce,
state), the Deep Linking responses and, when the launch offers NRPS or AGS, the services and
their misuse. Works without stdin, in CI.

Without a trigger, renkei waits until --messages launches arrived or --timeout passed and
checks what came; the authentication-request cases need a trigger and are reported as not
run. Launch renkei once as a Deep Linking tool to certify Deep Linking: renkei answers with
its Deep Linking responses (the bad ones first, then the good one, then the good one again);
a correct platform takes only the good one.
"""


def register(kinds: argparse._SubParsersAction) -> None:
    """Add ``lti-platform`` to the ``certify`` group."""
    p = kinds.add_parser("lti-platform", help="renkei acts as a tool your platform launches",
                         epilog=EPILOG_PLATFORM,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    common.lti_options(p, default_port=DEFAULT_PORT)
    p.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="seconds to wait for messages without a trigger (default: %(default)s)")
    p.add_argument("--messages", type=int, default=1, metavar="N",
                   help="without a trigger: stop after N launches have arrived "
                        "(default: %(default)s)")
    p.add_argument("--no-services", action="store_true",
                   help="do not call the platform's token endpoint, NRPS and AGS")
    p.set_defaults(func=run_platform)


def run_platform(args: argparse.Namespace) -> int:
    from harness.lti.auth_cases import AUTH_CASES
    from harness.lti.deep_linking import DL_CASES
    from harness.lti.driver import Trigger, TriggerError
    from harness.lti.rules import REGISTRY as LTI_REGISTRY
    from harness.lti.service_cases import MISUSE

    cfg = common.load_toml(args.config)
    known_cases = {*(c.id for c in AUTH_CASES), *DL_CASES, *(m[0] for m in MISUSE),
                   "services", "svc_token", "svc_nrps", "svc_ags"}
    baseline = read_baseline(args, command="certify lti-platform", known_cases=known_cases,
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
    try:
        trigger = Trigger.from_config(plat)
    except TriggerError as exc:
        raise UsageError(f"{args.config}: {exc}") from None
    if args.timeout <= 0 or args.messages < 1:
        raise UsageError("--timeout must be positive and --messages at least 1")
    state_dir = Path(args.state_dir)
    port = common.port_for(args, state_dir, default=DEFAULT_PORT)
    report = certify_platform(reg, state_dir, port, timeout=args.timeout,
                              messages=args.messages, services=not args.no_services,
                              profile=args.profile, trigger=trigger,
                              acceptance=common.acceptance_from(cfg, args.config, optional=True))
    code = settle_baseline(report, args, baseline, command="certify lti-platform")
    common.emit(report, args, "certify lti-platform", case_table)
    return code


def certify_platform(reg: dict[str, Any], state_dir: Path, port: int, *, timeout: float,
                     messages: int, services: bool, profile: str, acceptance: Any = None,
                     trigger: Any = None) -> Report:
    """Be a tool on 127.0.0.1 and certify the platform ``reg``.

    With ``trigger`` (a :class:`harness.lti.driver.Trigger`) renkei starts every launch
    itself; without one it waits until ``messages`` launches arrived or ``timeout`` passed.
    Every message is checked rule by rule; the authentication request is attacked (trigger
    only); the Deep Linking responses are posted; the services are used and misused.

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
    cert = FindingCollector(REGISTRY, profile=profile)
    with common.serving(app, port):
        sys.stderr.write(
            "renkei is now an LTI tool. Register it on the platform with:\n"
            f"  OIDC login URL (initiate_login_uri): {base}/login\n"
            f"  redirect URI / target link URI:      {base}/launch\n"
            f"  Deep Linking URL:                    {base}/launch\n"
            f"  public key set (JWKS) URL:           {base}/jwks\n")
        if trigger is None:
            sys.stderr.write(f"Waiting for {messages} launch(es), at most {timeout:.0f} s "
                             "(Ctrl-C to stop)...\n")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and \
                    sum(1 for e in log if e.get("step") == "launch") < messages:
                time.sleep(0.2)
            launches = [e for e in log if e.get("step") == "launch"]
            auth_rows = _not_run_auth("no launch trigger in platform.toml")
            dl_rows = post_deep_linking_cases(tool, launches, base + "/launch", acceptance)
        else:
            sys.stderr.write("Starting the launches itself (launch trigger)...\n")
            launches, auth_rows, dl_rows = _drive(reg, app, base, trigger, acceptance, cert)
        # services run while renkei's JWKS is still served: the platform fetches it to check
        # the client assertion
        svc_rows = _service_rows(reg, tool, launches, services)
    findings: list[Finding] = list(out.findings)
    counts = out.counts.copy()
    for i, entry in enumerate(launches):
        for f in entry.get("findings", []):
            rule = REGISTRY[f["rule"]]
            findings.append(Finding(rule.id, rule.severity, f"message-{i + 1}", None, None,
                                    f["value"], f["message_ja"], f["message_en"], rule.spec))
            counts[rule.id] += 1
    if not launches and trigger is None:
        cert.add("LT702", file="platform", value=int(timeout))
    cases = _message_cases(launches) + auth_rows + _judge_dl(dl_rows, launches, cert,
                                                             trigger) + svc_rows
    _judge_services(svc_rows, cert)
    not_run = [r for r in cases if r.get("verdict") == "not run"]
    for row in not_run:  # untested is never a pass, in any format
        row.update(ok=False, log_status="Not run")
    if not_run:
        reasons = sorted({str(r.get("detail")) for r in not_run})
        cert.add("LT708", file="cases", value=len(not_run), reason="; ".join(reasons)[:300])
    findings += cert.findings
    counts.update(cert.counts)
    rules = [r.id for r in REGISTRY.active(profile) if r.id[:3] in ("LT1", "LT2", "LT6")]
    rules += sorted({rid for row in cases if row.get("verdict") in ("pass", "fail")
                     for rid in row.get("rules", [])})
    return common.lti_report(reg["issuer"], profile, findings, counts, rules,
                             {"messages": len(launches), "cases": cases,
                              "families": families(cases, trigger is not None)})


def _drive(reg: dict[str, Any], app: Any, base: str, trigger: Any, acceptance: Any,
           cert: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Every case with a fresh launch of its own: the control launch, the tampered
    authentication requests, then the Deep Linking cases. Rules: LT703, LT707, LT4xx."""
    from urllib.parse import urlsplit

    from harness.lti.auth_cases import cases_needing, judge_auth
    from harness.lti.driver import DEEP_LINK, RESOURCE, Driver
    from harness.lti.http import HttpError

    tool = app.extensions["renkei_lti_tool"]
    hosts = {urlsplit(reg["auth_login_url"]).netloc} | trigger.hosts()
    driver = Driver(trigger, app, base, hosts)
    launches: list[dict[str, Any]] = []
    try:
        control = driver.launch(RESOURCE) if trigger.can(RESOURCE) else None
        if control is None and trigger.can(RESOURCE):
            cert.add("LT703", file="message-1", reason="the launch stopped: "
                     + driver.stopped_at)
    except HttpError as exc:
        control = None
        cert.add("LT703", file="message-1", reason=str(exc))
    if control is not None:
        launches.append(control)
    auth_rows: list[dict[str, Any]] = []
    if control is None or not control.get("accepted"):
        why = ("the resource launch did not reach renkei" if control is None
               else "the untampered launch was rejected")
        auth_rows = _not_run_auth(why if trigger.can(RESOURCE) else "no launch_url")
    else:
        last = tool.auth_requests[-1] if tool.auth_requests else {}
        memory = {"hint": last.get("lti_message_hint", ""), "nonce": last.get("nonce", "")}
        for case, why in cases_needing(memory):
            if why:
                auth_rows.append(_auth_row(case, "not run", why))
                continue
            answer, sent = driver.attack(case, memory)
            if not answer.reached:
                cert.add("LT703", file=case.id, reason=answer.detail)
                auth_rows.append(_auth_row(case, "not reached", answer.detail))
                continue
            v = judge_auth(case, answer, sent)
            for rule, fields in v.findings:
                cert.add(rule, **fields)
            auth_rows.append(_auth_row(case, "pass" if v.ok else "fail", v.detail,
                                       observed=v.observed))
    dl_rows: list[dict[str, Any]] = []
    if trigger.can(DEEP_LINK):
        dl_rows = _drive_deep_linking(driver, tool, launches, base + "/launch", acceptance)
    return launches, auth_rows, dl_rows


def _drive_deep_linking(driver: Any, tool: Any, launches: list[dict[str, Any]],
                        launch_url: str, acceptance: Any) -> list[dict[str, Any]]:
    """One fresh Deep Linking launch per Deep Linking case."""
    from harness.lti import constants as c
    from harness.lti.deep_linking import DL_CASES, deep_linking_cases
    from harness.lti.driver import DEEP_LINK
    from harness.lti.http import HttpError, LtiHttpClient

    http = LtiHttpClient(timeout=10)
    rows: list[dict[str, Any]] = []
    for case_id in DL_CASES:
        try:
            entry = driver.launch(DEEP_LINK)
        except HttpError:
            entry = None
        if entry is not None:
            launches.append(entry)
        if entry is None or not entry.get("accepted") or \
                entry.get("message_type") != c.DEEP_LINKING_REQUEST:
            rows.append({"case": case_id, "title": case_id, "group": "deep_linking",
                         "expected": "", "observed": "not reached", "ok": False,
                         "verdict": "not reached", "status": None, "rules": [],
                         "detail": "no Deep Linking request was accepted for this case"})
            continue
        case = next(k for k in deep_linking_cases(tool, entry["claims"], launch_url=launch_url)
                    if k.id == case_id)
        if case_id == "dl_replayed":
            http.post(case.url, data={"JWT": case.jwt}, allow_redirects=False)
        rows.append(_post_dl_case(http, case, acceptance))
    return rows


def _auth_row(case: Any, verdict: str, detail: str, *, observed: str | None = None
              ) -> dict[str, Any]:
    return {"case": case.id, "title": case.title, "group": "auth_request",
            "expected": "refused", "observed": observed or verdict, "ok": verdict != "fail",
            "verdict": verdict, "detail": detail, "rules": [case.rule]}


def _not_run_auth(why: str) -> list[dict[str, Any]]:
    from harness.lti.auth_cases import AUTH_CASES

    return [_auth_row(k, "not run", why) for k in AUTH_CASES]


def _service_rows(reg: dict[str, Any], tool: Any, launches: list[dict[str, Any]],
                  services: bool) -> list[dict[str, Any]]:
    """The service cases on the first accepted launch that offers NRPS or AGS; one
    ``not run`` row saying why when none can run."""
    from harness.lti.http import LtiHttpClient
    from harness.lti.service_cases import granted_scopes, run_service_cases
    from harness.lti.service_client import ServiceClient
    from harness.lti.tool import PlatformRegistration

    why = None
    if not services:
        why = "--no-services"
    elif not reg.get("auth_token_url"):
        why = "no auth_token_url in platform.toml"
    offered = [e for e in launches if e.get("accepted") and granted_scopes(e.get("claims") or {})]
    if why is None and not offered:
        why = "no services offered in the launch (no NRPS or AGS claim)"
    if why is not None:
        return [{"case": "services", "title": "token endpoint, NRPS, AGS", "group": "services",
                 "expected": "tested", "observed": "not run", "ok": True,
                 "verdict": "not run", "detail": why, "rules": []}]
    client = ServiceClient(tool, PlatformRegistration(**reg), LtiHttpClient(timeout=10))
    return run_service_cases(client, offered[0]["claims"])


def _judge_services(rows: list[dict[str, Any]], out: Any) -> None:
    """Rules: LT314 (a call within the scopes failed), LT709 (a misuse accepted)."""
    for row in rows:
        if row.get("verdict") not in ("fail", "not reached"):
            continue
        if row.get("expected") == "refused":
            out.add("LT709", file=row["case"], value=row["title"])
        else:
            out.add("LT314", file=row["case"], claim=row["case"], reason=row["detail"])


def post_deep_linking_cases(tool: Any, launches: list[dict[str, Any]], launch_url: str,
                            acceptance: Any) -> list[dict[str, Any]]:
    """Post the Deep Linking cases answering the first accepted Deep Linking request."""
    from harness.lti import constants as c
    from harness.lti.deep_linking import deep_linking_cases
    from harness.lti.http import LtiHttpClient

    request = next((e["claims"] for e in launches
                    if e.get("message_type") == c.DEEP_LINKING_REQUEST and e.get("claims")
                    and e.get("accepted")), None)
    if request is None:
        return []
    http = LtiHttpClient(timeout=10)
    return [_post_dl_case(http, case, acceptance)
            for case in deep_linking_cases(tool, request, launch_url=launch_url)]


def _post_dl_case(http: Any, case: Any, acceptance: Any) -> dict[str, Any]:
    from harness.lti.browser import Page
    from harness.lti.http import HttpError

    row: dict[str, Any] = {"case": case.id, "title": case.title, "group": "deep_linking",
                           "expected": "accept" if case.accept else "reject",
                           "rules": list(case.rules) or ["LT705"]}
    try:
        resp = http.post(case.url, data={"JWT": case.jwt}, allow_redirects=False)
    except HttpError as exc:
        row.update(observed="not reached", ok=False, verdict="not reached",
                   status=None, detail=str(exc))
        return row
    text = resp.body.decode("utf-8", "replace")
    if acceptance is None:
        accepted = 200 <= resp.status < 300
    else:
        accepted = acceptance.accepted(Page("POST", case.url, resp.status, {}, text))
    ok = accepted == case.accept
    row.update(observed="accept" if accepted else "reject", ok=ok,
               verdict="pass" if ok else "fail", status=resp.status,
               detail=f"HTTP {resp.status}: " + " ".join(_strip_tags(text).split())[:140])
    return row


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
                    "rules": sorted({f["rule"] for f in entry.get("findings", [])}),
                    "ok": not errors, "verdict": "fail" if errors else "pass",
                    "detail": ", ".join(sorted({f["rule"] for f in entry.get("findings", [])}))})
    return out


def _judge_dl(cases: list[dict[str, Any]], launches: list[dict[str, Any]], out: Any,
              trigger: Any = None) -> list[dict[str, Any]]:
    """Findings LT704/LT705/LT703 for the Deep Linking cases; LT706 ("Deep Linking not
    tested") whenever no Deep Linking request was accepted."""
    from harness.lti import constants as c

    accepted = any(e.get("message_type") == c.DEEP_LINKING_REQUEST and e.get("accepted")
                   for e in launches)
    if not cases or not accepted:
        out.add("LT706", file="deep_linking")
        why = ("no Deep Linking request received" if not any(
            e.get("message_type") == c.DEEP_LINKING_REQUEST for e in launches)
            else "no Deep Linking request accepted")
        if trigger is not None and not trigger.can("deep_link"):
            why = "no deep_link_url in platform.toml; " + why
        return cases or _not_run_dl(why)
    for row in cases:
        if row["verdict"] == "not reached":
            out.add("LT703", file=row["case"], reason=row["detail"])
        elif row["verdict"] == "fail" and row["expected"] == "accept":
            out.add("LT705", file=row["case"], reason=row["detail"][:120])
        elif row["verdict"] == "fail":
            out.add("LT704", file=row["case"], value=row["title"])
    return cases


def _not_run_dl(why: str) -> list[dict[str, Any]]:
    from harness.lti.deep_linking import DL_CASES

    return [{"case": k, "title": k, "group": "deep_linking", "expected": "", "ok": True,
             "observed": "not run", "verdict": "not run", "detail": why, "rules": []}
            for k in DL_CASES]


#: the rule families of the report, each with the case groups that test it
FAMILIES = (
    ("messages", "LT1xx/LT2xx message checks", ("messages",)),
    ("auth_request", "LT4xx authentication request", ("auth_request",)),
    ("deep_linking", "LT23x/LT70x Deep Linking responses", ("deep_linking",)),
    ("services", "LT3xx services (token endpoint, NRPS, AGS)", ("services",)),
)


def families(cases: list[dict[str, Any]], triggered: bool) -> list[dict[str, Any]]:
    """Each rule family: ``tested, passed``, ``tested, failed`` or ``not tested`` with why."""
    out = []
    for fid, title, groups in FAMILIES:
        rows = [r for r in cases if r.get("group") in groups]
        ran = [r for r in rows if r.get("verdict") in ("pass", "fail")]
        if ran:
            failed = [r for r in ran if r["verdict"] == "fail"]
            status = "tested, failed" if failed else "tested, passed"
            why = f"{len(ran)} case(s) run, {len(failed)} failed"
            skipped = len(rows) - len(ran)
            if skipped:
                why += f", {skipped} not run or not reached"
        else:
            status = "not tested"
            reasons = sorted({str(r.get("detail")) for r in rows}) if rows else \
                ["no message received" if not triggered else "no launch reached renkei"]
            why = "; ".join(reasons)
        out.append({"family": fid, "title": title, "status": status, "why": why})
    return out


def case_table(report: Report) -> str:
    """The per-case lines leading the text report (messages, authentication request, Deep
    Linking, services), then the rule families and whether each was tested."""
    cases = report.extra.get("cases") or []
    if not isinstance(cases, list) or not cases:
        return ""
    lines = [f"renkei certify lti-platform: {report.subject} ({len(cases)} cases)"]
    for c in cases:
        rule = ",".join(c.get("rules", [])[:2])
        lines.append(f"  {common.CASE_MARKS.get(c['verdict'], '?   ')} {c['case']:<27} {rule:<11} "
                     f"{c['observed']:<16} {str(c.get('detail', ''))[:60]}")
    fams = report.extra.get("families") or []
    if isinstance(fams, list) and fams:
        lines.append("rule families:")
        for f in fams:
            lines.append(f"  {f['title']:<45} {f['status']:<15} {f['why'][:70]}")
    return "\n".join(lines) + "\n\n"
