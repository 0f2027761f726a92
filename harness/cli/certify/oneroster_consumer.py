"""``renkei certify oneroster-consumer``: post every bundle of the conformance test set to a
vendor's import endpoint and judge each answer.

A consumer (the importing system, e.g. a 学習eポータル's bulk import) must accept every valid
bundle and reject every bundle with an ERROR-level defect. A bundle whose only defects are
WARN or INFO may be imported (accepting it is right); rejecting it is stricter than the
profile asks, so it is reported as a WARN-level note (rule OC702). Crashing on it (a 5xx
answer) is a failure (OC700): the importer must answer a spec-valid bundle, and the
importer-practice cases (gradebook files, a free bundle name) are spec-valid.

Header values (bearer tokens, API keys) are sent but never written to a report: they are
scrubbed from every response text renkei keeps.

``requests`` and ``harness.lti`` (for the acceptance check) are imported inside the functions
that run a certification: every ``renkei`` command module is imported to build the parser,
and --help should not wait for them.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.cli.certify import common
from harness.cli.common import UsageError, baseline_options, read_baseline, settle_baseline
from harness.core import FindingCollector, Severity
from harness.oneroster.consumer_rules import REGISTRY
from harness.report import FORMATS, Report
from harness.report.model import FAIL, PASS, XFAIL, XPASS

EPILOG = """\
renkei writes its OneRoster conformance test set (valid bundles and bundles with one known
defect each) to a temporary folder and posts every bundle to your import endpoint. A valid
bundle must be accepted and one with an ERROR-level defect rejected; a bundle whose defects are
only WARN/INFO may be imported, and rejecting it is reported as a WARN note (OC702), not a
failure, unless the importer crashed on it (HTTP 5xx: OC700). Exit 1 when the importer got a
case wrong, 2 when the endpoint is unreachable or the config is bad. Header values are sent but
never written to the report.

consumer.toml:
  [consumer]
  url = "http://127.0.0.1:9000/import"
  method = "POST"              # default; PUT also works
  field = "file"               # multipart field; leave out to send the zip as the raw body
  headers = { Authorization = "Bearer ..." }   # sent, never reported
  timeout = 30                 # seconds per bundle (default 30)
  imports = "both"             # "bulk" or "delta" when the importer takes only one kind
  [acceptance]                 # how an accepted import looks; default: any 2xx status
  status = 200
  marker = "imported"          # text in the answer, and/or
  json_field = "result.ok"     # a truthy JSON field (dotted path)

examples:
  renkei certify oneroster-consumer --config consumer.toml
  renkei certify oneroster-consumer --config consumer.toml --format 1edtech-log -o log.csv
  # the lgate mock's bulk import (multipart field "file", 422 on ERROR findings):
  #   [consumer] url = "http://127.0.0.1:8002/oneroster/bulk"  field = "file"
"""

def register(kinds: argparse._SubParsersAction) -> None:
    """Add ``oneroster-consumer`` to the ``certify`` group."""
    from harness.oneroster import profile_ids
    from harness.oneroster.schema import default_profile_id

    p = kinds.add_parser("oneroster-consumer",
                         help="post the conformance test set to your OneRoster importer",
                         description="Certify a OneRoster 1.2 CSV consumer (importer) over HTTP.",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, metavar="TOML", help="the configuration file")
    p.add_argument("--profile", choices=profile_ids(), default=default_profile_id(),
                   help="profile of the test set (default: %(default)s)")
    p.add_argument("--cases", metavar="IDS", help="comma-separated case ids (default: all)")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="report format (default: %(default)s)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    baseline_options(p)
    p.set_defaults(func=run_consumer)


@dataclass(frozen=True)
class Consumer:
    """Where and how to post a bundle. ``headers`` are secret: never shown."""

    url: str
    method: str = "POST"
    field: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    timeout: float = 30.0
    #: which bundles the importer takes: ``bulk``, ``delta`` or ``both``
    imports: str = "both"

    def __repr__(self) -> str:  # the headers hold tokens
        return (f"Consumer(url={self.shown_url!r}, method={self.method!r}, "
                f"field={self.field!r})")

    @property
    def shown_url(self) -> str:
        """The URL as reports show it: query values (``?api_key=…``) are replaced by ***."""
        parts = urlsplit(self.url)
        if not parts.query:
            return self.url
        query = "&".join(p.split("=", 1)[0] + "=***" for p in parts.query.split("&"))
        return parts._replace(query=query).geturl()

    def scrub(self, text: str) -> str:
        """``text`` with every header value (and URL query value) replaced, so no token
        reaches a report."""
        secrets = [v for _, v in self.headers]
        secrets += [p.split("=", 1)[1] for p in urlsplit(self.url).query.split("&") if "=" in p]
        for value in secrets:
            if len(value) >= 4:
                text = text.replace(value, "***")
                for part in value.split():
                    if len(part) >= 8:
                        text = text.replace(part, "***")
        return text


def consumer_config(cfg: dict[str, Any], path: str) -> Consumer:
    """The ``[consumer]`` table, checked; every error names the key and its line."""
    table = cfg.get("consumer")
    if not isinstance(table, dict):
        raise UsageError(f"{path}: a [consumer] table is required")

    def bad(key: str, what: str) -> UsageError:
        return UsageError(f"{common.key_line(path, 'consumer', key)}: [consumer] '{key}' {what}")

    url = table.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") \
            or not urlsplit(url).netloc:
        raise bad("url", "must be an http(s) URL")
    method = table.get("method", "POST")
    if not isinstance(method, str) or method.upper() not in ("POST", "PUT"):
        raise bad("method", "must be POST or PUT")
    field = table.get("field")
    if field is not None and (not isinstance(field, str) or not field):
        raise bad("field", "must be a non-empty string (or left out for a raw body)")
    headers = table.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise bad("headers", "must be a table of strings")
    timeout = table.get("timeout", 30)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        raise bad("timeout", "must be a positive number of seconds")
    imports = table.get("imports", "both")
    if imports not in ("bulk", "delta", "both"):
        raise bad("imports", "must be \"bulk\", \"delta\" or \"both\"")
    unknown = set(table) - {"url", "method", "field", "headers", "timeout", "imports"}
    if unknown:
        raise bad(sorted(unknown)[0], "is not a known key (url, method, field, headers, "
                                      "timeout, imports)")
    return Consumer(url, method.upper(), field, tuple(headers.items()), float(timeout),
                    imports)


def run_consumer(args: argparse.Namespace) -> int:
    from harness.oneroster.schema import load_profile
    from harness.oneroster.testset import cases_for

    cfg = common.load_toml(args.config)
    consumer = consumer_config(cfg, args.config)
    acceptance = common.acceptance_from(cfg, args.config, optional=True)
    baseline = read_baseline(args, command=COMMAND,
                             known_cases={c.id for c in cases_for(load_profile(args.profile).id)},
                             known_rules={r.id for r in REGISTRY})
    report = certify_consumer(consumer, acceptance, profile=args.profile,
                              case_ids=args.cases.split(",") if args.cases else None)
    code = settle_baseline(report, args, baseline, command=COMMAND)
    common.emit(report, args, COMMAND, consumer_table)
    return code


COMMAND = "certify oneroster-consumer"


def _expected(rules: list[str]) -> tuple[str, str]:
    """(worst severity of the expected rules or ``none``, what a consumer must do)."""
    from harness.oneroster import REGISTRY as OR

    worst = max((OR[r].severity for r in rules if r in OR), default=None)
    if worst is Severity.ERROR:
        return "ERROR", "reject"
    return (worst.name if worst else "none"), "accept"


def bundle_payload(path: Path) -> tuple[str, bytes]:
    """(file name, bytes) to upload; a folder bundle is zipped as it would be exported."""
    if path.is_dir():
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for member in sorted(path.rglob("*")):
                if member.is_file():
                    zf.write(member, member.relative_to(path).as_posix())
        return path.name + ".zip", buf.getvalue()
    return path.name, path.read_bytes()


def post_bundle(consumer: Consumer, session: Any, name: str, data: bytes) -> Any:
    """Send one bundle; returns the ``requests`` response (exceptions propagate)."""
    headers = dict(consumer.headers)
    if consumer.field:
        return session.request(consumer.method, consumer.url, headers=headers,
                               files={consumer.field: (name, data, "application/zip")},
                               timeout=consumer.timeout, allow_redirects=False)
    headers.setdefault("Content-Type", "application/zip")
    headers.setdefault("Content-Disposition", f'attachment; filename="{name}"')
    return session.request(consumer.method, consumer.url, headers=headers, data=data,
                           timeout=consumer.timeout, allow_redirects=False)


def _accepted(acceptance: Any, status: int, text: str) -> bool:
    from harness.lti.browser import Page

    if acceptance is None:  # no [acceptance] table: any 2xx
        return 200 <= status < 300
    return bool(acceptance.accepted(Page("POST", "", status, {}, text)))


def _summary(consumer: Consumer, status: int | None, text: str) -> str:
    import re

    flat = " ".join(re.sub(r"<[^>]+>", " ", consumer.scrub(text)).split())
    return (f"HTTP {status}: " if status is not None else "") + flat[:160]


def certify_consumer(consumer: Consumer, acceptance: Any, *, profile: str,
                     case_ids: list[str] | None = None) -> Report:
    """Post every test-set bundle to ``consumer``; the report holds one row per bundle
    (``extra['cases']``)."""
    import requests

    out = FindingCollector(REGISTRY)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="renkei-testset-") as tmp:
        cases = _write_cases(Path(tmp), profile, consumer.imports, case_ids)
        session = requests.Session()
        answered = 0
        for case in cases:
            name, data = bundle_payload(Path(tmp) / case["bundle"])
            severity, expect = _expected(case["expected_rules"])
            row = {"case": case["id"], "title": case["title"], "family": case["family"],
                   "exercises": case["exercises"],
                   "bundle": case["bundle"], "expected_rules": case["expected_rules"],
                   "defect_severity": severity, "expected": expect,
                   "files": _csv_members(name, data)}
            try:
                resp = post_bundle(consumer, session, name, data)
            except requests.RequestException as exc:
                if not answered:
                    raise UsageError(f"cannot reach the importer at {consumer.shown_url} "
                                     f"({type(exc).__name__}); is it running?") from None
                row.update(observed="no answer", status=None, verdict="fail",
                           detail=type(exc).__name__)
                out.add("OC703", file=case["id"], reason=type(exc).__name__)
                results.append(_finish(row))
                continue
            answered += 1
            text = resp.text
            got = "accept" if _accepted(acceptance, resp.status_code, text) else "reject"
            row.update(observed=got, status=resp.status_code,
                       detail=_summary(consumer, resp.status_code, text))
            row["verdict"] = _verdict(out, row, got)
            results.append(_finish(row))
    return _report(consumer, profile, out, results)


def _verdict(out: FindingCollector, row: dict[str, Any], got: str) -> str:
    """pass, note or fail for what the importer did with one bundle (adds the finding)."""
    rules = "/".join(row["expected_rules"])
    if got == row["expected"]:
        return "pass"
    crashed = (row.get("status") or 0) >= 500  # a crash is not a refusal
    if row["expected"] == "accept" and row["defect_severity"] in ("WARN", "INFO") \
            and not crashed:
        out.add("OC702", file=row["case"], expected=rules)  # stricter than required
        return "note"
    if row["expected"] == "accept":
        out.add("OC700", file=row["case"], reason=row["detail"][:120])
        return "fail"
    out.add("OC701", file=row["case"], expected=rules)
    return "fail"


def _write_cases(root: Path, profile: str, imports: str, case_ids: list[str] | None
                 ) -> list[dict[str, Any]]:
    """Write the test-set bundles to post (all, or the ones asked for) under ``root``; one
    entry per bundle as in the test set's ``expected.json``."""
    from harness.oneroster.schema import load_profile
    from harness.oneroster.testset import cases_for, write_case

    prof = load_profile(profile).id
    cases = cases_for(prof)
    if imports != "both":
        # a bulk-only importer is certified on the bulk bundles (1EdTech certifies bulk and
        # delta consumers separately)
        cases = [c for c in cases if c.delta == (imports == "delta")]
    if case_ids:
        unknown = set(case_ids) - {c.id for c in cases}
        if unknown:
            raise UsageError(f"unknown case id(s): {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c.id in set(case_ids)]
    return [{"id": c.id, "family": c.family, "title": c.title, "valid": c.valid,
             "bundle": write_case(c, prof, root).relative_to(root).as_posix(),
             "exercises": c.exercises,
             "expected_rules": list(c.expected_for(prof))} for c in cases]


def _csv_members(name: str, data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [n for n in zf.namelist() if n.lower().endswith(".csv")]
    except (zipfile.BadZipFile, OSError, ValueError):
        return [name]


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    """Add the fields every per-case formatter reads (ok, log status, files)."""
    files = row.pop("files")
    imported = row.get("observed") == "accept"
    row["ok"] = row["verdict"] != "fail"
    row["log_status"] = "Success" if imported else "Fail"
    row["files_imported"] = files if imported else []
    row["files_rejected"] = [] if imported else files
    row["explanation"] = (f"expected {row['expected']}, importer "
                          f"{row['observed']}: {row['verdict']}"
                          + (f" ({'/'.join(row['expected_rules'])})"
                             if row["expected_rules"] else "")
                          + (f"; {row['detail']}" if row.get("detail") else ""))
    return row


def _report(consumer: Consumer, profile: str, out: FindingCollector,
            results: list[dict[str, Any]]) -> Report:
    verdicts = {v: sum(1 for r in results if r["verdict"] == v) for v in ("pass", "note", "fail")}
    extra = {"cases": results, "consumer": {"url": consumer.shown_url,
                                            "method": consumer.method,
                                            "field": consumer.field,
                                            "imports": consumer.imports},
             "verdicts": verdicts, "test_identifier": f"oneroster-consumer-{profile}"}
    return common.findings_report("oneroster", REGISTRY, consumer.shown_url, profile,
                                  out.findings, out.counts,
                                  ["OC700", "OC701", "OC702", "OC703"], extra)


def consumer_table(report: Report) -> str:
    """The per-bundle lines leading the text report, from the case rows as the baseline left
    them, and the count of each verdict (XFAIL and XPASS apart from right and wrong)."""
    rows = report.case_rows()
    lines = [f"renkei {COMMAND}: {report.subject} ({len(rows)} bundles)"]
    for r in rows:
        lines.append(f"  {common.CASE_MARKS[str(r['verdict'])]} {r['case']:<36} "
                     f"expected {r['expected']:<6} {r['observed']:<9} "
                     f"{str(r.get('detail', ''))[:60]}")
    n = Counter(str(r["verdict"]) for r in rows)
    baseline = (f"; {n[XFAIL]} failing as the baseline expects (XFAIL), {n[XPASS]} listed in "
                "it but right now (XPASS)") if n[XFAIL] or n[XPASS] else ""
    lines.append(f"{n[PASS]} right, {n['note']} stricter than required (WARN), "
                 f"{n[FAIL]} wrong{baseline}\n")
    return "\n".join(lines) + "\n"
