"""The TOML configuration: errors name the key and the line; secrets come only from env."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.apply.targets import targets_from_config
from pipeline.config import ConfigError, example_config, load_config, parse_config

BASE = """\
[municipality]
name = "みらい市"
board_code = "089901"

[source]
url = "http://127.0.0.1:8100/oneroster/export"
"""


def test_example_config_parses_and_targets_the_default_mock_ports(tmp_path: Path) -> None:
    path = tmp_path / "renkei.toml"
    path.write_text(example_config(), encoding="utf-8")
    config = load_config(path)
    assert config.source.url == "http://127.0.0.1:8100"
    assert config.lgate is not None and config.lgate.url == "http://127.0.0.1:8101"
    assert config.m365 is not None and config.m365.graph_url == "http://127.0.0.1:8102"
    assert config.m365.client_secret_env == "RENKEI_M365_CLIENT_SECRET"
    assert config.drill is not None and config.drill.url == "http://127.0.0.1:8103"
    assert config.state_path == tmp_path / "state" / "renkei.sqlite"
    assert config.teachers is False and config.grace_days is None
    assert "（知的障害）" in config.special_needs_terms


def test_every_example_line_is_commented_or_toml(tmp_path: Path) -> None:
    # a commented example: every section and most keys carry an explanation
    text = example_config()
    assert text.count("#") > 40


@pytest.mark.parametrize(("extra", "key", "line"), [
    ('\n[targets.m365]\ngraph_url = "http://x"\ntenant = "t"\nclient_id = "c"\n'
     'client_secret = "hunter2-very-secret"\n', "targets.m365.client_secret", 12),
    ('\n[targets.lgate]\nurl = "http://x"\ntoken = "abc123"\n', "targets.lgate.token", 10),
    ('\n[accounts]\npassword = "Init-Pass-1!"\n', "accounts.password", 9),
])
def test_a_secret_written_in_the_file_is_an_error_naming_key_and_line(
        extra: str, key: str, line: int) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(BASE + extra)
    assert err.value.key == key
    assert err.value.line == line
    assert f":{line}:" in str(err.value) or f"{line}: " in str(err.value)
    for secret in ("hunter2-very-secret", "abc123", "Init-Pass-1!"):
        assert secret not in str(err.value)


@pytest.mark.parametrize(("text", "key", "line", "words"), [
    (BASE.replace('"089901"', '"8990"'), "municipality.board_code", 3, "six digits"),
    (BASE.replace('name = "みらい市"\n', ""), "municipality.name", 1, "required"),
    (BASE + '\n[guard]\nmax_share = 5\n', "guard.max_share", 9, "between 0 and 1"),
    (BASE + '\n[grace]\nenabled = true\ndays = -3\n', "grace.days", 10, "positive"),
    (BASE + '\n[grace]\nenabled = "yes"\n', "grace.enabled", 9, "true or false"),
    (BASE.replace('url = "http', 'url = "ftp'), "source.url", 6, "http(s) URL"),
    (BASE + '\n[targets.m365]\ngraph_url = "http://g"\ntenant = "t"\n',
     "targets.m365.client_id", 8, "required"),
    (BASE + '\n[targets.m365]\ngraph_url = "http://g"\ntenant = "t"\nclient_id = "c"\n'
     'client_secret_env = "not a name"\n', "targets.m365.client_secret_env", 12,
     "environment variable"),
    (BASE + '\n[special_needs.titles]\n"ひまわり（知的障害）" = 3\n',
     'special_needs.titles.ひまわり（知的障害）', 9, "string"),
    (BASE + '\n[colour]\nx = 1\n', "colour", 8, "unknown section"),
])
def test_config_errors_name_key_and_line(text: str, key: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text)
    assert (err.value.key, err.value.line) == (key, line)
    assert words in str(err.value)


def test_the_export_path_may_be_written_out() -> None:
    assert parse_config(BASE).source.url == "http://127.0.0.1:8100"


def test_no_source_is_an_error() -> None:
    with pytest.raises(ConfigError, match="source.url .* or source.drop_dir"):
        parse_config(BASE.replace('url = "http://127.0.0.1:8100/oneroster/export"\n', ""))


def test_invalid_toml_reports_its_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(BASE + "\n[guard\n")
    assert err.value.line == 8


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_the_client_secret_comes_from_the_environment_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "renkei.toml"
    path.write_text(example_config(), encoding="utf-8")
    config = load_config(path)
    monkeypatch.delenv("RENKEI_M365_CLIENT_SECRET", raising=False)
    with pytest.raises(ConfigError) as err:
        config.m365_client_secret()
    assert err.value.key == "targets.m365.client_secret_env"
    assert err.value.line == example_config().splitlines().index(
        next(x for x in example_config().splitlines() if x.startswith("client_secret_env"))) + 1
    monkeypatch.setenv("RENKEI_M365_CLIENT_SECRET", "s3cr3t-from-env")
    assert config.m365_client_secret() == "s3cr3t-from-env"
    assert "s3cr3t-from-env" not in repr(config)


def test_relative_paths_are_taken_from_the_config_folder(tmp_path: Path) -> None:
    text = BASE + '\n[accounts]\npassword_file = "city/exports/*/ID_PW_*.csv"\n'
    config = parse_config(text, path=tmp_path / "conf" / "renkei.toml")
    assert config.password_file == tmp_path / "conf" / "city/exports/*/ID_PW_*.csv"


def test_a_target_can_be_switched_off() -> None:
    config = parse_config(BASE + '\n[targets.drill]\nurl = "http://d"\nenabled = false\n')
    assert config.drill is None


def test_ca_file_per_source_and_target_reaches_the_http_clients(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    text = BASE + 'ca_file = "ca.pem"\n' + (
        '\n[targets.m365]\ngraph_url = "https://127.0.0.1:9443"\ntenant = "t"\n'
        'client_id = "c"\nclient_secret_env = "RENKEI_TEST_SECRET"\nca_file = "ca.pem"\n'
        '\n[targets.lgate]\nurl = "https://127.0.0.1:9444"\n')
    config = parse_config(text, path=tmp_path / "renkei.toml")
    assert config.source.ca_file == tmp_path / "ca.pem"
    assert config.m365 is not None and config.m365.ca_file == tmp_path / "ca.pem"
    assert config.lgate is not None and config.lgate.ca_file is None
    monkeypatch.setenv("RENKEI_TEST_SECRET", "x")
    targets = targets_from_config(config, None)
    assert targets.m365 is not None and targets.m365.http.verify == str(tmp_path / "ca.pem")
    assert targets.lgate is not None and targets.lgate.http.verify is True


def test_a_missing_ca_file_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CA file .* does not exist") as err:
        parse_config(BASE + 'ca_file = "nope.pem"\n', path=tmp_path / "renkei.toml")
    assert err.value.key == "source.ca_file"


def test_student_sku_and_employee_id_are_read_and_checked(tmp_path: Path) -> None:
    m365 = ('\n[targets.m365]\ngraph_url = "https://g"\ntenant = "t"\nclient_id = "c"\n'
            'client_secret_env = "RENKEI_TEST_SECRET"\n')
    config = parse_config(BASE + m365 + 'student_sku = "STANDARDWOFFPACK_STUDENT"\n'
                          'employee_id = "userMasterIdentifier"\n')
    assert config.m365 is not None
    assert config.m365.student_sku == "STANDARDWOFFPACK_STUDENT"
    assert config.m365.employee_id == "userMasterIdentifier"
    plain = parse_config(BASE + m365)
    assert plain.m365 is not None and plain.m365.employee_id is None
    assert plain.m365.student_sku is None
    with pytest.raises(ConfigError) as err:
        parse_config(BASE + m365 + 'employee_id = "familyName"\n')
    assert err.value.key == "targets.m365.employee_id"
