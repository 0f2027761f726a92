"""The board's 準備状況レポート on a city with every kind of problem (tests/scenarios/prepkit):
every kind of problem lands in its task, once per person, in its school's fix list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import jsonschema
import pytest

from harness.accounts import read_password_file
from harness.oneroster.disability import KINDS, c4th_suffix
from scenarios.preparation import PreparationError, prepare, write_preparation
from scenarios.preparation.fixlists import HEADER
from scenarios.preparation.history import FILE
from scenarios.preparation.schedule import next_april_first, schedule_for
from tests.scenarios.prepkit import NOW, SCHEMA, City, with_m365_secret


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    yield from with_m365_secret(lambda: City(tmp_path_factory.mktemp("prep")))


def test_the_json_follows_the_schema_and_the_headline_is_plain_japanese(city):
    jsonschema.validate(city.data, SCHEMA)
    head = city.data["headline"]
    n, schools = city.data["summary"]["people_to_fix"], city.data["summary"]["schools_to_fix"]
    assert head["ja"] == f"4月までに対応が必要: {n} 名（{schools} 校） ／ 一括反映は可能"
    assert "FAIL" not in json.dumps(head)
    assert city.prepared.exit_code == 1  # people will be held; nothing refused


def test_every_person_is_listed_once_with_every_reason(city):
    umis = [p["umi"] for p in city.data["people"]]
    assert len(umis) == len(set(umis))
    two = [p for p in city.data["people"] if len({r["rule"] for r in p["reasons"]}) > 1
           or len(p["reasons"]) > 1]
    assert two, "someone is held for more than one reason (or two fields) in this city"
    for p in city.data["people"]:
        assert p["reasons"] and all(r["fix_ja"] and r["where_ja"] and r["owner_ja"]
                                    for r in p["reasons"])


def test_a_new_pupil_without_a_password_row_lands_in_giga_and_in_their_schools_list(city):
    missing = city.people("PL252")
    assert missing  # the rollover's entrants have no row in last year's file
    giga = city.task("giga")
    assert giga["status"] == "todo" and set(giga["no_password"]) == {p["umi"] for p in missing}
    assert giga["m365_enabled"] and giga["m365_once_fixed"] >= len(missing)
    per_school = {m["school_code"]: m["once_fixed"] for m in giga["m365_creates"]}
    assert all(per_school[p["school_code"]] >= 1 for p in missing)
    for p in missing:
        assert p["april"] == "held_new" and p["reasons"][0]["owner"] == "board_file"
        rows = [r for r in city.csv_rows(p["school_code"]) if r["userMasterIdentifier"] == p["umi"]]
        assert len(rows) == 1 and "ID・初期パスワードファイル" in rows[0]["問題"]


def test_a_giga_id_that_disagrees_with_the_file_lands_in_giga(city):
    disagree = city.people("PL253")
    assert disagree and set(city.task("giga")["giga_disagree"]) == {p["umi"] for p in disagree}


def test_a_blank_external_name_says_which_field_and_goes_to_the_school(city):
    blank = city.people("PL243")
    assert blank
    for p in blank:
        assert set(p["gaiji_fields"]) <= {"preferredFamilyName", "preferredGivenName"}
        assert p["gaiji_fields"]
        reason = next(r for r in p["reasons"] if r["rule"] == "PL243")
        assert reason["owner"] == "school" and "外部連携用氏名" in reason["where_ja"]
        # held at the first run too, so never delivered: still not delivered in April
        assert p["april"] == "held_new"
        [row] = [r for r in city.csv_rows(p["school_code"])
                 if r["userMasterIdentifier"] == p["umi"]]
        assert "連携されません" in row["4月の扱い（直さない場合）"]


def test_an_unmapped_disability_title_is_a_settings_task_for_the_board(city):
    settings = city.task("settings")
    assert settings["status"] == "todo"
    uncovered = [t for t in settings["special_needs"]["titles"] if not t["covered"]]
    assert uncovered and all(t["term"] for t in uncovered)
    assert settings["special_needs"]["covered"] >= 1  # （知的障害） is mapped
    held = city.people("PL222")
    assert held and all(r["owner"] == "board_config" for p in held for r in p["reasons"]
                        if r["rule"] == "PL222")
    # delivered last year (that config mapped every term): kept in the old class in April
    kept = [p for p in held if p["april"] == "held_kept"]
    assert kept
    [row] = [r for r in city.csv_rows(kept[0]["school_code"])
             if r["userMasterIdentifier"] == kept[0]["umi"]]
    assert "前回の状態のまま" in row["4月の扱い（直さない場合）"]


def test_the_guard_and_grace_are_stated_for_this_rollover(city):
    guard = city.task("settings")["guard"]
    assert guard["rollover_plan"] and not guard["tripped"] and guard["let_through"] == ""
    assert guard["total"] > 400 and guard["max_share"] == 0.05
    assert city.task("settings")["grace"] == {"enabled": False, "days": None}


def test_the_promotion_task_counts_per_school_and_lists_the_pupil_who_left(city):
    promotion = city.task("promotion")
    assert promotion["rollover_plan"]
    totals: dict[str, int] = {}
    for item in promotion["items"]:
        if "count" in item:  # per school, per kind
            assert item["school_code"] and item["count"] > 0
            totals[item["kind"]] = totals.get(item["kind"], 0) + item["count"]
    assert totals["promoted"] > 300 and totals["graduated"] > 0
    assert totals["classes_created"] > 0 and totals["classes_gone"] > 0
    [missing] = [i for i in promotion["items"] if i["kind"] == "PL307"]
    assert missing["umi"] == city.gone["umi"] and "count" not in missing
    [gone] = promotion["missing"]
    assert gone["umi"] == city.gone["umi"] and gone["school_code"] == city.gone["school"]
    assert "猶予の設定なし" in gone["grace_ja"]
    rows = [r for r in city.csv_rows(gone["school_code"])
            if r["userMasterIdentifier"] == gone["umi"]]
    assert len(rows) == 1 and "エクスポートにありません" in rows[0]["問題"]


def test_migration_is_done_once_the_state_holds_a_run(city):
    assert city.task("migration")["status"] == "done"


def test_fix_lists_are_utf8_with_bom_and_crlf_one_row_per_person(city):
    files = sorted((city.out / "schools").glob("*.csv"))
    assert files and [f"schools/{f.name}" for f in files] == sorted(city.data["fix_lists"])
    for path in files:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n" not in \
            raw.replace(b"\r\n", b"")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert tuple(rows[0]) == HEADER
        umis = [r[3] for r in rows[1:]]
        assert len(umis) == len(set(umis)), path.name
        code = path.name.split("_", 1)[0]
        assert all(p["school_code"] == code for p in city.data["people"] if p["umi"] in umis)
        assert all(r[4] == "" for r in rows[1:]), "no name unless several records share an id"


def test_no_password_of_the_boards_file_is_in_any_file_written(city):
    passwords = set()
    for f in (city.tmp / "passwords").glob("*.csv"):
        passwords |= {e.initial_password for e in read_password_file(f).entries.values()}
    assert len(passwords) > 100
    written = [*city.files, *(city.tmp / "history").glob("*")]
    for path in written:
        text = path.read_bytes().decode("utf-8-sig")
        leaked = [pw for pw in passwords if pw in text]
        assert leaked == [], path


def test_the_page_is_japanese_first_with_every_task_and_a_school_per_printed_page(city):
    html = (city.out / "preparation.html").read_text("utf-8")
    assert html.startswith("<!doctype html") and 'lang="ja"' in html
    for task in city.data["tasks"]:
        assert f'id="task-{task["id"]}"' in html and task["ja"] in html
    assert html.count('class="page fixlist"') == len(city.data["fix_lists"])
    index = html.split('id="fix-index"')[1].split("</table>")[0]
    assert all(f'href="{f}"' in index for f in city.data["fix_lists"])
    assert 'id="timeline-chart"' in html
    assert "break-before:page" in html and "http://" not in html.split("<body>")[0]


def test_a_missing_export_or_bad_config_is_a_clear_error(city, tmp_path):
    with pytest.raises(PreparationError, match="no such file"):
        prepare(tmp_path / "nope.zip", city.config)
    bad = tmp_path / "bad.toml"
    bad.write_text("[municipality]\nname = 1\n", "utf-8")
    with pytest.raises(PreparationError, match="configuration"):
        prepare(city.export, bad)


def test_an_unreadable_export_exits_2_with_a_blocked_headline(city, tmp_path):
    broken = tmp_path / "RO_broken.zip"
    broken.write_bytes(b"not a zip")
    prepared = prepare(broken, city.config, now=NOW, history_dir=tmp_path / "h")
    assert prepared.exit_code == 2 and prepared.data["headline"]["status"] == "blocked"
    assert {t["status"] for t in prepared.data["tasks"] if t["id"] != "check"} == {"unknown"}
    jsonschema.validate({**prepared.data, "fix_lists": []}, SCHEMA)


def test_a_guard_that_would_trip_says_how_to_let_that_night_through(city, tmp_path):
    strict = tmp_path / "strict.toml"
    strict.write_text(city.config.read_text("utf-8").replace("max_share = 0.05",
                                                             "max_share = 0.001"), "utf-8")
    prepared = prepare(city.export, strict, now=NOW, history_dir=tmp_path / "h")
    guard = next(t for t in prepared.data["tasks"] if t["id"] == "settings")["guard"]
    assert guard["tripped"] and prepared.exit_code == 2
    assert guard["let_through"] == "renkei pipeline run --config strict.toml --guard-max-share 0.01"
    assert "安全装置で止まります" in prepared.data["headline"]["ja"]


def test_the_schedule_defaults_follow_the_model_schedule_and_the_config_overrides():
    s = schedule_for(dt.date(2026, 12, 6), {})
    assert s.rollover == dt.date(2027, 4, 1) == next_april_first(dt.date(2026, 12, 6))
    assert [m.key for m in s.milestones] == ["c4th_settings", "entrants_roster",
                                             "linkage_settings", "rollover"]
    assert s.deadline("giga") == dt.date(2027, 2, 1)
    moved = schedule_for(dt.date(2026, 12, 6), {"rollover": dt.date(2027, 3, 31),
                                               "linkage_settings": dt.date(2027, 2, 15)})
    assert moved.deadline("promotion") == dt.date(2027, 3, 31)
    assert moved.deadline("settings") == dt.date(2027, 2, 15)
    assert next_april_first(dt.date(2027, 4, 1)) == dt.date(2028, 4, 1)


def test_history_over_three_previews_shows_the_trend_and_what_was_fixed(city, tmp_path):
    """Week 1 as found; week 2 the board adds the entrants' password rows; week 3 it maps
    every disability term. Each preview adds one line of counts; the page draws the trend."""
    import shutil

    pw = tmp_path / "pw"
    pw.mkdir()
    for f in (city.tmp / "passwords").glob("*.csv"):
        shutil.copy(f, pw / f.name)
    base = city.config.read_text("utf-8").replace(f"{city.tmp}/passwords/*.csv", f"{pw}/*.csv")
    config = tmp_path / "city.toml"
    history_dir = tmp_path / "history"

    def preview(week: int, text: str) -> dict:
        config.write_text(text, "utf-8")
        prepared = prepare(city.export, config, now=NOW + dt.timedelta(days=7 * week),
                           history_dir=history_dir)
        write_preparation(prepared, tmp_path / f"out{week}")
        return prepared.data

    first = preview(0, base)
    assert first["history"]["previews"] == 1 and first["history"]["since_last"]["fixed"] == {}
    city.world.save_passwords(pw, 2, only_new=True)
    second = preview(1, base)
    terms = "".join(f'"{c4th_suffix(k.term)}" = ""\n' for k in KINDS[1:])
    third = preview(2, base.replace('"（知的障害）" = ""\n', '"（知的障害）" = ""\n' + terms))

    h = third["history"]
    assert h["previews"] == 3 and h["first_at"] == first["generated_at"]
    pl252 = h["trend"]["series"]["PL252"]
    assert pl252[0] > pl252[1] == pl252[2]
    assert h["trend"]["series"]["PL222"][2] == 0 < h["trend"]["series"]["PL222"][1]
    assert second["history"]["since_last"]["fixed"]["PL252"] == pl252[0] - pl252[1]
    assert "PL222" in h["since_last"]["fixed"] and h["since_last"]["new"] == {}
    assert h["trend"]["people"][0] > h["trend"]["people"][2]
    lines = (history_dir / "preparation-history.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 3
    text = "\n".join(lines)
    assert not any(p["umi"] in text for p in first["people"]), "counts only, no person"
    html = (tmp_path / "out2" / "preparation.html").read_text("utf-8")
    assert 'id="history-chart"' in html and "<polyline" in html and 'id="since-last"' in html


def _config_with(city: City, tmp_path: Path, **urls: str) -> Path:
    """The city's config with a fresh (empty) state and some systems' URLs replaced."""
    text = city.config.read_text("utf-8").replace(f"{city.tmp}/state/", f"{tmp_path}/state/")
    for name, url in urls.items():
        text = text.replace(f'"{city.world.bases[name]}"', f'"{url}"')
    path = tmp_path / "city.toml"
    path.write_text(text, "utf-8")
    return path


def test_probe_reads_every_system_and_the_first_run_link_is_reported(city, tmp_path, serve):
    from scenarios.preparation.probe import Prober
    from tests.pipeline.e2ekit import BASES

    lgate = serve(city.world.apps[BASES["lgate"]])  # the e-portal over real loopback HTTP
    config = _config_with(city, tmp_path, lgate=lgate.url)
    before = city.world.changing_calls()
    prepared = prepare(city.export, config, now=NOW, history_dir=tmp_path / "h",
                       probe=Prober(session_factory=city.world.session))
    systems = prepared.data["probe"]["systems"]
    assert all(s["ok"] for s in systems.values()), systems
    assert "エクスポートを取得できました" in systems["c4th"]["ja"]
    assert "利用者の一覧を読めました" in systems["lgate"]["ja"]
    assert "アクセストークン" in systems["m365"]["ja"]
    migration = next(t for t in prepared.data["tasks"] if t["id"] == "migration")
    by_target = {i["target"]: i for i in migration["targets"]}
    assert set(by_target) == {"lgate", "drill"}
    left_over = {i["target"]: i["count"] for i in migration["items"] if i["kind"] == "PL402"}
    assert left_over == {t: x["left_over"] for t, x in by_target.items() if x["left_over"]}
    assert by_target["lgate"]["adopted"] > 300  # last year's accounts are adopted, not made
    assert city.world.changing_calls() == before, "the probe wrote nothing"
    jsonschema.validate({**prepared.data, "fix_lists": []}, SCHEMA)


def test_probe_of_a_stopped_system_is_a_clear_cannot_tell(city, tmp_path, renkei, capsys):
    from tests.loopback import free_port

    stopped = f"http://127.0.0.1:{free_port()}"
    config = _config_with(city, tmp_path, c4th=stopped, lgate=stopped, m365=stopped,
                          interactive_study=stopped)
    code = renkei("rehearse", "--export", city.export, "--config", config, "--probe",
                  "--history", tmp_path / "h", "-o", tmp_path / "out")
    captured = capsys.readouterr()
    assert code in (1, 2) and "Traceback" not in captured.err + captured.out
    data = json.loads((tmp_path / "out" / "preparation.json").read_text("utf-8"))
    for name in ("c4th", "lgate", "drill", "m365"):
        answer = data["probe"]["systems"][name]
        assert not answer["ok"] and answer["ja"].startswith("確認できず: 応答がありません"), answer
    migration = next(t for t in data["tasks"] if t["id"] == "migration")
    assert migration["status"] == "unknown" and "読めませんでした" in migration["why_ja"]
    html = (tmp_path / "out" / "preparation.html").read_text("utf-8")
    assert 'id="probe"' in html and "確認できず" in html


def test_the_data_check_groups_findings_by_rule_with_counts_and_an_owner(city):
    check = city.task("check")
    rules = [i["rule"] for i in check["items"]]
    assert len(rules) == len(set(rules)) and check["status"] == "todo"
    found = [f.rule for f in city.prepared.planning.validation.findings]
    for item in check["items"]:
        assert item["count"] == found.count(item["rule"]) and item["owner_ja"] and item["fix_ja"]
    by_rule = {i["rule"]: i for i in check["items"]}
    assert by_rule["OR530"]["owner"] == "board_config"  # the mapping renames those titles
    assert by_rule["OR528"]["owner"] == "school" and not by_rule["OR528"]["blocking"]


def test_every_task_to_do_carries_its_entries_as_items(city):
    statuses = {t["id"]: t["status"] for t in city.data["tasks"]}
    assert {k for k, v in statuses.items() if v == "todo"} >= {"check", "cleanse", "settings",
                                                             "giga", "promotion"}
    for task in city.data["tasks"]:
        if task["status"] == "todo":
            assert task["items"], task["id"]
        for item in task["items"]:
            assert item["kind"] and item["message_ja"] and item["fix_ja"]
            assert "count" in item or "umi" in item
    kinds = {t["id"]: {i["kind"] for i in t["items"]} for t in city.data["tasks"]}
    assert {"PL252", "PL253", "m365_create"} <= kinds["giga"]
    assert "PL222" in kinds["settings"] and "hold" in kinds["cleanse"]
    cleanse = city.task("cleanse")["items"]
    assert sorted(i["umi"] for i in cleanse) == sorted(p["umi"] for p in city.data["people"])
    held = city.people("PL252")[0]
    [entry] = [i for i in city.task("giga")["items"] if i.get("umi") == held["umi"]
               and i["kind"] == "PL252"]
    assert entry["school_code"] == held["school_code"]
    assert "ID・初期パスワード" in entry["message_ja"]
    page = (city.out / "preparation.html").read_text("utf-8")
    assert 'id="items-settings"' in page and 'id="items-giga"' in page


def test_history_keeps_each_tasks_item_counts_and_no_person(city):
    [line] = (city.tmp / "history" / FILE).read_text("utf-8").splitlines()
    entry = json.loads(line)
    for task in city.data["tasks"]:
        assert sum(entry["items"][task["id"]].values()) == sum(
            i.get("count", 1) for i in task["items"])
    people = city.data["people"] + city.task("promotion")["missing"]
    personal = {p["umi"] for p in people} | {p["name_kana"] for p in city.data["people"]
                                              if p["name_kana"]}
    assert personal and not any(x in line for x in personal)


@pytest.mark.scale
def test_tsukuba_preview_lists_everyone_once_and_leaks_no_password(tmp_path):
    """The preview of a Tsukuba-size export (every quirk): one row per person, every held
    person in their school's list, no password anywhere (timing: bench/preparation.py)."""
    from fixtures import QUIRKS, export_city, generate_city, load_profile
    from fixtures.passwords import password_entries, write_password_file_for

    city_ = generate_city(load_profile("tsukuba"), 1, as_of=dt.date(2025, 5, 1),
                          quirks=frozenset(QUIRKS))
    export = export_city(city_, tmp_path / "c4th")
    write_password_file_for(city_, tmp_path / "passwords.csv")
    (tmp_path / "city.toml").write_text(
        '[municipality]\nname = "つくば市"\nboard_code = "082201"\n'
        '[source]\nurl = "http://127.0.0.1:9/"\n'
        '[accounts]\npassword_file = "passwords.csv"\n', "utf-8")
    prepared = prepare(export, tmp_path / "city.toml", now=NOW, history_dir=tmp_path / "h")
    files = write_preparation(prepared, tmp_path / "out")
    umis = [p["umi"] for p in prepared.data["people"]]
    assert len(umis) == len(set(umis)) and prepared.exit_code == 1
    listed = set()
    for f in (tmp_path / "out" / "schools").glob("*.csv"):
        listed |= {r["userMasterIdentifier"]
                   for r in csv.DictReader(io.StringIO(f.read_text("utf-8-sig")))}
    assert {p["umi"] for p in prepared.data["people"] if p["held"]} <= listed
    passwords = {e.initial_password for e in password_entries(city_)}
    for path in files:
        text = path.read_text("utf-8-sig")
        assert not [pw for pw in passwords if pw in text], path


def test_probe_against_the_mocks_served_on_loopback(city, tmp_path, renkei, capsys):
    """As `renkei mock up --all` serves them: real HTTP on 127.0.0.1, each system read."""
    import requests

    from mocks.serve import MockServers

    names = ["c4th", "lgate", "m365", "interactive_study"]
    with MockServers(names, port_base=0, state_dir=str(tmp_path / "mocks")) as servers:
        requests.post(servers.urls["c4th"] + "/_admin/seed", timeout=120, json={
            "profile": "small", "seed": 1, "as_of": "2025-05-01"}).raise_for_status()
        config = _config_with(city, tmp_path, **servers.urls)
        code = renkei("rehearse", "--export", city.export, "--config", config, "--probe",
                      "--history", tmp_path / "h", "-o", tmp_path / "out")
    assert code in (1, 2), capsys.readouterr().err
    systems = json.loads((tmp_path / "out" / "preparation.json").read_text("utf-8"))[
        "probe"]["systems"]
    assert {n: s["ok"] for n, s in systems.items()} == {
        "c4th": True, "lgate": True, "drill": True, "m365": True}, systems
