"""``renkei certify oneroster-consumer`` against the lgate mock's bulk import, served for real
by waitress on 127.0.0.1 (issue 10: "test it against the lgate mock's import endpoint")."""

from __future__ import annotations

import json

import pytest

from harness.cli.main import main
from mocks.serve import MockServers

TOKEN = "lgate-certify-token-7f3a"


@pytest.fixture
def lgate_url():
    with MockServers(["lgate"], port_base=0, config={"lgate": {"API_TOKEN": TOKEN}}) as servers:
        yield servers.urls["lgate"]


def _config(tmp_path, url: str, token: str = TOKEN):
    toml = tmp_path / "consumer.toml"
    toml.write_text(
        f'[consumer]\nurl = "{url}/oneroster/bulk"\nfield = "file"\nimports = "bulk"\n'
        f'headers = {{ Authorization = "Bearer {token}" }}\n[acceptance]\nstatus = 200\n',
        encoding="utf-8")
    return toml


def test_lgate_accepts_every_valid_bulk_and_rejects_every_error_bundle(tmp_path, lgate_url):
    out = tmp_path / "report.json"
    code = main(["certify", "oneroster-consumer", "--config", str(_config(tmp_path, lgate_url)),
                 "--format", "json", "-o", str(out)])
    text = out.read_text(encoding="utf-8")
    report = json.loads(text)
    failing = [f for f in report["findings"] if f["severity"] == "ERROR"]
    assert code == 0, failing
    assert not failing
    # no valid bundle rejected (OC700), no invalid one accepted (OC701), none unanswered (OC703)
    outcomes = {f["rule"] for f in report["findings"]}
    assert not outcomes & {"OC700", "OC701", "OC703"}
    assert TOKEN not in text


def test_a_wrong_token_makes_every_valid_bundle_a_wrong_rejection(tmp_path, lgate_url):
    out = tmp_path / "report.json"
    code = main(["certify", "oneroster-consumer", "--config",
                 str(_config(tmp_path, lgate_url, token="wrong")),
                 "--format", "json", "-o", str(out)])
    assert code == 1
    assert "OC700" in {f["rule"] for f in json.loads(out.read_text("utf-8"))["findings"]}
