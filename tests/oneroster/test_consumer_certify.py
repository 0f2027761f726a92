"""``renkei certify oneroster-consumer`` against small importers served on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask, jsonify, request

from harness.cli.main import main
from harness.oneroster import check_bundle
from tests.loopback import free_port

TOKEN = "Bearer s3cret-token-value-42"


def lenient_importer(seen: list[dict]) -> Flask:
    """Accepts everything, and (carelessly) echoes the Authorization header back."""
    app = Flask("lenient")

    @app.post("/import")
    def imp():
        upload = request.files.get("file")
        body = upload.read() if upload else request.get_data()
        seen.append({"name": upload.filename if upload else None, "size": len(body),
                     "auth": request.headers.get("Authorization")})
        return jsonify({"imported": True, "echo": request.headers.get("Authorization")})

    return app


def strict_importer(profile: str = "jp-eportal-v4") -> Flask:
    """Runs renkei's checker on the upload: 422 on any ERROR finding, else 200."""
    app = Flask("strict")

    @app.post("/import")
    def imp():
        upload = request.files["file"]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(upload.filename or "upload.zip").name
            upload.save(path)
            result = check_bundle(path, profile=profile)
        errors = [f.rule for f in result.findings if f.severity.name == "ERROR"]
        if errors:
            return jsonify({"imported": False, "errors": errors}), 422
        return jsonify({"imported": True})

    return app


def write_config(tmp_path: Path, url: str, *, field: str | None = "file",
                 acceptance: str = "[acceptance]\nstatus = 200\n") -> Path:
    toml = tmp_path / "consumer.toml"
    field_line = f'field = "{field}"\n' if field else ""
    toml.write_text(f'[consumer]\nurl = "{url}"\n{field_line}'
                    f'headers = {{ Authorization = "{TOKEN}" }}\n{acceptance}',
                    encoding="utf-8")
    return toml


def run(tmp_path: Path, toml: Path, fmt: str = "json", *extra: str) -> tuple[int, str]:
    out = tmp_path / f"report.{fmt}"
    code = main(["certify", "oneroster-consumer", "--config", str(toml), "--format", fmt,
                 "-o", str(out), *extra])
    return code, out.read_text(encoding="utf-8") if out.exists() else ""


def certify_all(tmp_path: Path, url: str) -> tuple[int, dict, list[dict]]:
    """Certify the importer at ``url`` on the whole test set: (exit code, report, cases)."""
    code, text = run(tmp_path, write_config(tmp_path, url + "/import"))
    doc = json.loads(text)
    return code, doc, doc["extra"]["cases"]


def test_lenient_importer_gets_every_error_bundle_wrong(tmp_path, serve):
    seen: list[dict] = []
    code, doc, cases = certify_all(tmp_path, serve(lenient_importer(seen)).url)
    assert code == 1 and not doc["summary"]["passed"]
    assert len(seen) == len(cases) > 80  # every bundle was posted
    assert all(s["auth"] == TOKEN for s in seen)  # the header was sent
    wrong = {c["case"] for c in cases if c["verdict"] == "fail"}
    must_reject = {c["case"] for c in cases if c["expected"] == "reject"}
    assert wrong == must_reject and must_reject
    # valid and WARN/INFO-only bundles accepted: right
    assert all(c["verdict"] == "pass" for c in cases if c["expected"] == "accept")
    assert {f["file"] for f in doc["findings"] if f["rule"] == "OC701"} == must_reject


def test_strict_importer_passes(tmp_path, serve):
    srv = serve(strict_importer())
    code, text = run(tmp_path, write_config(tmp_path, srv.url + "/import"))
    doc = json.loads(text)
    cases = doc["extra"]["cases"]
    assert code == 0, [c for c in cases if c["verdict"] == "fail"]
    assert all(c["observed"] == "reject" for c in cases if c["expected"] == "reject")
    assert any(c["observed"] == "accept" for c in cases)


def test_rejecting_a_warn_only_bundle_is_a_warn_note_not_a_failure(tmp_path, serve):
    app = Flask("too-strict")

    @app.post("/import")
    def imp():  # refuses everything: valid ones wrongly, WARN-only ones as a note
        return "no", 422

    srv = serve(app)
    code, text = run(tmp_path, write_config(tmp_path, srv.url + "/import"), "json", "--cases",
                     "valid-bulk,valid-folder,no-manifest,mode-disagrees,unknown-file")
    doc = json.loads(text)
    by_sev = {}
    for c in doc["extra"]["cases"]:
        by_sev.setdefault(c["defect_severity"], set()).add(c["verdict"])
    assert by_sev["WARN"] == {"note"} and by_sev["ERROR"] == {"pass"}
    assert by_sev["none"] == {"fail"}
    assert code == 1
    notes = [f for f in doc["findings"] if f["rule"] == "OC702"]
    assert notes and all(f["severity"] == "WARN" for f in notes)


def test_raw_body_mode_and_every_format_hide_the_token(tmp_path, serve):
    seen: list[dict] = []
    srv = serve(lenient_importer(seen))
    toml = write_config(tmp_path, srv.url + "/import", field=None, acceptance="")
    for fmt in ("text", "json", "junit", "html", "1edtech-log"):
        code, text = run(tmp_path, toml, fmt, "--cases", "valid-bulk,no-manifest")
        assert code == 1 and text
        assert "s3cret-token-value-42" not in text, fmt
    assert seen[0]["name"] is None and seen[0]["size"] > 100  # the zip as the raw body


def test_junit_has_one_case_per_bundle_and_log_one_row_per_bundle(tmp_path, serve):
    srv = serve(strict_importer())
    toml = write_config(tmp_path, srv.url + "/import")
    ids = "valid-bulk,no-manifest,valid-folder"
    code, xml = run(tmp_path, toml, "junit", "--cases", ids)
    suite = ET.fromstring(xml)
    assert code == 0
    names = [tc.get("name").split()[0] for tc in suite.iter("testcase")]
    assert sorted(names) == sorted(ids.split(",")) and suite.get("failures") == "0"
    code, log = run(tmp_path, toml, "1edtech-log", "--cases", ids)
    rows = list(csv.reader(io.StringIO(log)))
    assert rows[0][0] == "Test Identifier" and len(rows) == 4
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["valid-bulk"][2] == "Success" and "users.csv" in by_id["valid-bulk"][3]
    assert by_id["no-manifest"][2] == "Fail" and "right" not in by_id["no-manifest"][5]
    assert "expected reject" in by_id["no-manifest"][5]
    code, html = run(tmp_path, toml, "html", "--cases", ids)
    assert html.count('<tr class="pass">') == 3 and ">no-manifest<" in html


def test_with_an_output_file_the_terminal_gets_one_line_not_the_table(tmp_path, serve, capsys):
    srv = serve(lenient_importer([]))
    toml = write_config(tmp_path, srv.url + "/import")
    code, text = run(tmp_path, toml, "json", "--cases", "valid-bulk,no-manifest")
    out, err = capsys.readouterr()
    assert code == 1 and json.loads(text)["extra"]["cases"]  # the file holds the report
    assert out == ""
    assert err.splitlines() == [
        "renkei certify oneroster-consumer: failed (1 right, 1 wrong); json report written "
        f"to {tmp_path / 'report.json'}"]
    # -o - is stdout: the report there, nothing else on the terminal
    assert main(["certify", "oneroster-consumer", "--config", str(toml), "--format", "text",
                 "-o", "-", "--cases", "valid-bulk"]) == 0
    out, err = capsys.readouterr()
    assert out.count("  ok   valid-bulk") == 1 and err == ""


def test_unreachable_endpoint_exits_2_with_a_clear_message(tmp_path, capsys):
    toml = write_config(tmp_path, f"http://127.0.0.1:{free_port()}/import")
    code, _ = run(tmp_path, toml)
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the importer" in err and "Traceback" not in err
    assert "s3cret" not in err


@pytest.mark.parametrize("content, message", [
    ("[consumer\nurl=", "not valid TOML"),
    ("[other]\n", "a [consumer] table is required"),
    ('[consumer]\n\nurl = "ftp://x"\n', "consumer.toml:3: [consumer] 'url' must be an http"),
    ('[consumer]\nurl = "http://127.0.0.1:9/i"\nmethod = "GET"\n', ":3: [consumer] 'method'"),
    ('[consumer]\nurl = "http://127.0.0.1:9/i"\nheaders = { A = 1 }\n', ":3: [consumer] 'headers'"),
    ('[consumer]\nurl = "http://127.0.0.1:9/i"\nfeild = "file"\n', ":3: [consumer] 'feild'"),
    ('[consumer]\nurl = "http://127.0.0.1:9/i"\n[acceptance]\nstatus = "200"\n',
     ":4: [acceptance] 'status' must be an integer"),
])
def test_bad_config_names_key_and_line(tmp_path, capsys, content, message):
    toml = tmp_path / "consumer.toml"
    toml.write_text(content, encoding="utf-8")
    code = main(["certify", "oneroster-consumer", "--config", str(toml)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize("imports", ["bulk", "delta"])
def test_a_bulk_only_or_delta_only_importer_gets_only_its_bundles(tmp_path, serve, imports):
    from harness.oneroster.testset import cases_for

    seen: list[dict] = []
    srv = serve(lenient_importer(seen))
    toml = write_config(tmp_path, srv.url + "/import")
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'field = "file"\n', f'field = "file"\nimports = "{imports}"\n'), encoding="utf-8")
    _, text = run(tmp_path, toml)
    got = {c["case"] for c in json.loads(text)["extra"]["cases"]}
    delta = {c.id for c in cases_for("jp-eportal-v4") if c.delta}
    assert got and len(seen) == len(got)
    assert got <= delta if imports == "delta" else not got & delta


def test_a_token_in_the_url_query_is_not_reported_either(tmp_path, serve):
    from harness.cli.certify.oneroster_consumer import consumer_config

    seen: list[dict] = []
    srv = serve(lenient_importer(seen))
    toml = write_config(tmp_path, srv.url + "/import?api_key=qk-9f8e7d6c5b4a")
    for fmt in ("text", "json", "junit", "html", "1edtech-log"):
        code, text = run(tmp_path, toml, fmt, "--cases", "valid-bulk")
        assert code == 0 and "qk-9f8e7d6c5b4a" not in text and TOKEN not in text, fmt
    consumer = consumer_config({"consumer": {"url": srv.url + "/i?api_key=qk-9f8e7d6c5b4a",
                                             "headers": {"X-Key": "hk-123456789"}}}, "c.toml")
    assert "qk-9f8e" not in repr(consumer) and "hk-1234" not in repr(consumer)
    assert consumer.shown_url.endswith("/i?api_key=***")


# --- issue 17: an importer that behaves as the 2022 pilot's do ----------------------------------
def field_importer(seen: list[dict], profile: str = "jp-eportal-v4") -> Flask:
    """As the pilot's importers behave (1EdTechJapan/DA2022): refuses a bundle whose name is
    not RO_YYYYMMDD_<code>.zip (Y社: 400 before unpacking), crashes on gradebook or resource
    files (K社's KeyError, Q社's TypeError: HTTP 500), and otherwise runs renkei's checker:
    422 naming the ERROR rules, or 200. ``seen`` records what each upload reached."""
    import re
    import zipfile

    from harness.oneroster.rules_practice import NOT_ROSTERING

    app = Flask("field")
    name_rule = re.compile(r"RO_[0-9]{8}_[A-Za-z0-9]+\.zip")

    @app.post("/import")
    def imp():
        upload = request.files["file"]
        name = upload.filename or ""
        if not name_rule.fullmatch(name):
            seen.append({"reached": "name"})
            return jsonify({"imported": False, "error": "file name"}), 400
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            upload.save(path)
            try:
                with zipfile.ZipFile(path) as zf:
                    members = zf.namelist()
            except zipfile.BadZipFile:
                members = []
            extra = [m for m in members if m.removesuffix(".csv") in NOT_ROSTERING]
            if extra:
                seen.append({"reached": "crash"})
                raise KeyError(extra[0])  # what the schema lookup does: Flask answers 500
            result = check_bundle(path, profile=profile)
        errors = sorted({f.rule for f in result.findings if f.severity.name == "ERROR"})
        seen.append({"reached": "checker", "errors": errors})
        if errors:
            return jsonify({"imported": False, "errors": errors}), 422
        return jsonify({"imported": True})

    return app


def test_field_importer_is_told_the_truth_case_by_case(tmp_path, serve):
    from harness.oneroster import REGISTRY as OR

    seen: list[dict] = []
    srv = serve(field_importer(seen))
    code, doc, cases = certify_all(tmp_path, srv.url)
    assert code == 1 and len(seen) == len(cases) > 80
    verdicts = {c["case"]: c["verdict"] for c in cases}
    # the practice cases it fails, named: a crash on gradebook files, a refusal of the name
    assert {k: v for k, v in verdicts.items() if v != "pass"} == {
        "gradebook-and-resources": "fail", "bundle-name": "note"}
    by_case = {c["case"]: c for c in cases}
    assert by_case["gradebook-and-resources"]["status"] == 500
    assert by_case["gradebook-and-resources"]["exercises"].endswith("K社 and Q社 crash on them")
    assert by_case["bundle-name"]["status"] == 400
    findings = {(f["rule"], f["file"]) for f in doc["findings"]}
    assert findings == {("OC700", "gradebook-and-resources"), ("OC702", "bundle-name")}
    # every defect case reached the checks it was written for: the importer's own checker saw
    # the case's ERROR rules, not a crash or a name refusal first
    for case, answer in zip(cases, seen, strict=True):
        own = {r for r in case["expected_rules"] if OR[r].severity.name == "ERROR"}
        if own:
            assert answer["reached"] == "checker", case["case"]
            assert own <= set(answer["errors"]), case["case"]
            assert case["verdict"] == "pass", case["case"]
    assert "FAIL gradebook-and-resources" in _text_table(tmp_path, srv.url)


def _text_table(tmp_path: Path, url: str) -> str:
    code, text = run(tmp_path, write_config(tmp_path, url + "/import"), "text", "--cases",
                     "gradebook-and-resources,valid-bulk")
    assert code == 1
    return text


def test_a_baseline_accepts_known_wrong_rejections_and_reports_new_passes(tmp_path, serve,
                                                                          capsys):
    app = Flask("refuses-everything")

    @app.post("/import")
    def imp():
        return "no", 422

    srv = serve(app)
    toml = write_config(tmp_path, srv.url + "/import")
    known = tmp_path / "known.toml"
    ids = ["--cases", "valid-bulk,valid-folder,id-not-uuid"]
    code, _ = run(tmp_path, toml, "json", *ids, "--write-baseline", str(known))
    assert code == 1
    assert known.read_text(encoding="utf-8").count("[[expected]]") == 2  # the two valid cases
    code, text = run(tmp_path, toml, "junit", *ids, "--baseline", str(known))
    assert code == 0
    suite = ET.fromstring(text)
    skipped = {tc.get("name").split()[0] for tc in suite.iter("testcase")
               if tc.find("skipped") is not None}
    assert skipped == {"valid-bulk", "valid-folder"}
    # the text table marks and counts the rows as the baseline left them: none is wrong
    code, text = run(tmp_path, toml, "text", *ids, "--baseline", str(known))
    assert code == 0 and "  XFAIL valid-bulk " in text and "  XFAIL valid-folder " in text
    assert ("0 right, 1 stricter than required (WARN), 0 wrong; 2 failing as the baseline "
            "expects (XFAIL), 0 listed in it but right now (XPASS)\n") in text
    # the importer is fixed: both listed cases pass now (XPASS), still exit 0
    seen: list[dict] = []
    fixed = serve(lenient_importer(seen))
    code, text = run(tmp_path, write_config(tmp_path, fixed.url + "/import"), "text", *ids,
                     "--baseline", str(known))
    assert code == 0
    assert "XPASS case valid-bulk" in text and "update the baseline" in text
    assert "  XPASS valid-bulk " in text and ("1 right, 0 stricter than required (WARN), "
                                             "0 wrong; 0 failing as the baseline expects "
                                             "(XFAIL), 2 listed in it but right now (XPASS)"
                                             ) in text
    assert capsys.readouterr().err.splitlines()[-1] == (
        "renkei certify oneroster-consumer: passed (1 right, 2 XPASS); text report written to "
        f"{tmp_path / 'report.text'}; update {known}: its XPASS entries pass now")
