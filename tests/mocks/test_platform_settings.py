"""``renkei mock platform-settings``: what a tool registers, the same values lgate uses."""

from __future__ import annotations

import json
import tomllib

import requests

from harness.cli.main import main
from mocks.serve import MockServers
from tests.loopback import free_port_block

OUR_TOOL = {"client_id": "our-tool", "login_url": "http://127.0.0.1:9001/init",
            "redirect_uris": ["http://127.0.0.1:9001/launch"],
            "jwks_url": "http://127.0.0.1:9001/jwks"}


def settings(capsys, *args: str) -> dict:
    assert main(["mock", "platform-settings", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_printed_settings_are_those_the_served_lgate_uses(capsys, tmp_path):
    config = tmp_path / "mocks.json"
    config.write_text(json.dumps({"lgate": {"TOOLS": {"our_tool": OUR_TOOL}}}))
    base = free_port_block()
    state = tmp_path / "state"
    printed = settings(capsys, "--port-base", str(base), "--config", str(config),
                       "--state", str(state))
    lgate = f"http://127.0.0.1:{base + 1}"
    assert printed["issuer"] == lgate
    assert printed["tools"]["our_tool"]["client_id"] == "our-tool"
    assert printed["tools"]["our_tool"]["deployment_ids"] == ["renkei-1"]
    with MockServers(["lgate"], port_base=base, state_dir=str(state),
                     config={"lgate": {"TOOLS": {"our_tool": OUR_TOOL}}}) as servers:
        assert servers.urls["lgate"] == lgate
        served = requests.get(lgate + "/_admin/state", timeout=10).json()
        assert served["platform"]["issuer"] == printed["issuer"]
        assert served["tools"]["our_tool"]["client_id"] == "our-tool"
        for url in (printed["key_set_url"], printed["key_set_url_well_known"]):
            assert requests.get(url, timeout=10).json() == printed["key_set"]
        # the auth and token endpoints are there (they refuse an empty request, not 404)
        assert requests.get(printed["auth_login_url"], timeout=10).status_code == 401
        assert requests.post(printed["auth_token_url"], timeout=10).status_code == 400


def test_toml_is_ready_to_paste_and_says_the_same(capsys):
    as_json = settings(capsys, "--port-base", "9000")
    assert main(["mock", "platform-settings", "--port-base", "9000", "--format", "toml"]) == 0
    text = capsys.readouterr().out
    parsed = tomllib.loads(text)
    for key in ("issuer", "auth_login_url", "auth_token_url", "key_set_url"):
        assert parsed["platform"][key] == as_json[key]
    assert parsed["tools"]["tsubasa_book"] == {
        k: v for k, v in as_json["tools"]["tsubasa_book"].items() if v is not None}
    assert parsed["key_set"]["keys"][0]["kty"] == "RSA"
    assert "d" not in parsed["key_set"]["keys"][0]  # never the private part
    assert "register key_set_url" in text  # keys are per start without --state


def test_tls_prints_https_urls(capsys):
    printed = settings(capsys, "--tls")
    assert printed["issuer"] == "https://127.0.0.1:8101"
    assert printed["auth_login_url"] == "https://127.0.0.1:8101/lti/auth"
    assert printed["tools"]["tsubasa_book"]["login_url"].startswith("https://127.0.0.1:8104/")


def test_text_lists_every_tool_and_the_issuer(capsys):
    assert main(["mock", "platform-settings"]) == 0
    out = capsys.readouterr().out
    assert "issuer                  http://127.0.0.1:8101" in out
    assert "tsubasa_book            tsubasa-book  renkei-1" in out


def test_a_bad_tool_in_the_config_is_a_message(capsys, tmp_path):
    config = tmp_path / "mocks.json"
    config.write_text(json.dumps({"lgate": {"TOOLS": {"our_tool": {"client_id": "x"}}}}))
    assert main(["mock", "platform-settings", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "TOOLS['our_tool'].login_url is required" in err
