"""The scenario suites, as data: each story from the Tsukuba pilot report, step by step, with
the outcome expected in every system. Read a scenario top to bottom as the board would tell it.

After every step with ``invariants`` the runner checks DESIGN.md's invariants in every system
(scenarios.invariants); with ``launch`` it launches the affected pupils into every tool that
applies (scenarios.launches).
"""

from __future__ import annotations

from scenarios.model import Scenario, Step

OK = {"exit": (0,)}
OK_OR_HOLDS = {"exit": (0, 1)}

FIRST_RUN = (
    Step("seed", "seed_city", "c4th に市の名簿を登録する", "The city's roster is in c4th",
         "c4th に全児童生徒。他のシステムは空。", "c4th holds every pupil; the others are empty.",
         invariants=False),
    Step("passwords", "passwords", "教育委員会が ID・初期パスワード登録用ファイルを渡す",
         "The board hands over its ID and initial-password file",
         "全員分の初期パスワードが揃う。", "Every pupil has an initial password.",
         args={"only_new": True}, invariants=False),
    Step("first-run", "run", "最初の連携処理を実行する", "The first pipeline run",
         "全員が学習eポータル・Microsoft 365・ドリルに 1 件ずつ。",
         "Everyone is in lgate, Microsoft 365 and the drill app exactly once.",
         expect=OK_OR_HOLDS),
)


def _scene(step_id: str, action: str, title_ja: str, title_en: str, **args: object) -> Step:
    """A step that only sets the scene (a pick, an event, a fault, time passing): no outcome of
    its own to check, and no invariants until the run that follows."""
    return Step(step_id, action, title_ja, title_en, "—", "—", args=args, invariants=False)


def _nightly(step_id: str = "nightly", expect: dict | None = None, launch: str | None =
             "affected", **args: object) -> tuple[Step, Step]:
    return (
        Step(f"{step_id}-passwords", "passwords", "新しい児童生徒の初期パスワードを渡す",
             "The board's file for new pupils", "新規の児童生徒に初期パスワード。",
             "New pupils have an initial password.", args={"only_new": True},
             invariants=False),
        Step(step_id, "run", "夜間の日次連携を実行する", "The nightly run",
             "変更がすべてのシステムに反映される。", "The change reaches every system.",
             args=args, expect=expect or OK_OR_HOLDS, launch=launch),
    )


ENROLMENT = Scenario(
    "enrolment", "新入生登録", "Enrolment of new pupils", "§4.2.1",
    "4月: 新1年生（小1・中1）を c4th に登録し、ID・初期パスワード登録用ファイルと合わせて"
    "取り込む。",
    "April: new P1 and J1 pupils are registered in c4th and loaded with the board's file.",
    FIRST_RUN + (
        Step("register", "event", "新入生（小1を3名、中1を2名）を c4th に登録する",
             "Five new pupils (three P1, two J1) are registered in c4th",
             "c4th にだけ登録されている。", "Only c4th knows them yet.",
             args={"name": "enrol", "count": 3, "grade": "P1"}, invariants=False),
        Step("register-j1", "event", "中1の新入生を登録する", "The J1 entrants are registered",
             "c4th にだけ登録されている。", "Only c4th knows them yet.",
             args={"name": "enrol", "count": 2, "grade": "J1"}, invariants=False),
    ) + _nightly(),
)

TRANSFER_IN = Scenario(
    "transfer-in", "市外からの転入", "Transfer in from another city", "§4.2.2",
    "転入生を c4th に先に登録し、夜間の日次連携で各システムに連携する。",
    "The pupil is registered in c4th first; the nightly run links them everywhere.",
    FIRST_RUN + (
        Step("arrive", "event", "市外から 2 名が転入し c4th に登録される",
             "Two pupils arrive from another city and are registered in c4th",
             "c4th にだけ登録されている。", "Only c4th knows them yet.",
             args={"name": "transfer_in", "count": 2}, invariants=False),
    ) + _nightly(),
)

TRANSFER = Scenario(
    "transfer", "市内転出入", "Transfer between two schools of the city", "§4.2.3, §3.3.3",
    "同じ人・同じアカウントのまま、所属校と学級がすべてのシステムで変わる。指導要録用の旧所属"
    "レコード（同じ GIGA アカウント）はクレンジングで除外される。",
    "Same person, same accounts; new school and class everywhere. The stale record c4th keeps "
    "for 指導要録 (same GIGA id) is cleansed.",
    FIRST_RUN + (
        _scene("pick", "pick", "転校する児童を決め、各システムのアカウントを控える",
               "Note the accounts of the pupil who will move", grade="P4", count=1),
        Step("move", "event", "市内の別の学校へ転校する（c4th で転出・転入処理）",
             "The pupil moves to another school of the city (c4th transfer)",
             "c4th に新しい所属と旧所属レコード。", "c4th holds the new and the stale record.",
             args={"name": "transfer", "student_from": "picked", "remember": "moved"},
             invariants=False),
        Step("nightly", "run", "夜間の日次連携を実行する", "The nightly run",
             "同じアカウントで新しい学校・学級。旧所属は除外され報告される。",
             "Same accounts, new school and class; the stale record dropped and reported.",
             expect={**OK_OR_HOLDS, "same_accounts": {"memory": "picked"},
                     "stale_dropped": {}}, launch="affected"),
    ),
    quirks="stale-duplicates,regenerate-ids,split-compulsory,disability-titles",
)

TRANSFER_OUT = Scenario(
    "transfer-out", "市外転出", "Transfer out of the city", "§4.2.4",
    "学習eポータルでは自動削除せず報告する。ドリルは差分連携で無効化。猶予期間（約3か月）の"
    "後、その方針が有効なら削除する。",
    "Not deleted in lgate (reported); disabled in the drill app by delta; removed after the "
    "grace period when that policy is on.",
    FIRST_RUN + (
        Step("leave", "event", "2 名が市外へ転出する", "Two pupils leave the city",
             "c4th から在籍が消える。", "c4th no longer lists them.",
             args={"name": "transfer_out", "count": 2, "remember": "leavers"},
             invariants=False),
        Step("nightly", "run", "夜間の日次連携を実行する", "The nightly run",
             "学習eポータルには残り報告される。ドリルでは無効。",
             "Still in lgate and reported; disabled in the drill app.",
             expect={**OK_OR_HOLDS, "decisions": {"action": "missing", "memory": "leavers"},
                     "leavers_disabled": {"memory": "leavers"},
                     "launch_refused": {"memory": "leavers", "tool": "interactive_study"}}),
        _scene("grace", "clock", "猶予期間（100日）が過ぎる", "The grace period (100 days) passes",
               days=100),
        Step("after-grace", "run", "猶予期間の方針を有効にして連携する",
             "The run with the grace policy on",
             "ドリルから削除（tobedeleted）。学習eポータルには残る。",
             "Removed from the drill app (tobedeleted); still in lgate.",
             args={"grace_days": 90},
             expect={**OK_OR_HOLDS, "leavers_disabled": {"memory": "leavers",
                                                         "removed": True}}),
    ),
)

GRADUATION = Scenario(
    "graduation", "卒業", "Graduation", "§4.2.5",
    "中3が卒業して外れ、小6は同じアカウントのまま市内の中学校へ進む。",
    "J3 pupils leave; P6 pupils go on to a city junior high with the same accounts.",
    FIRST_RUN + (
        _scene("pick", "pick", "小6のアカウントを控える", "Note the P6 pupils' accounts",
               grade="P6", count=5),
        Step("graduate", "event", "中3が卒業する", "The J3 pupils graduate",
             "c4th から中3が外れる。", "c4th no longer lists the J3 pupils.",
             args={"name": "graduate", "remember": "graduates"}, invariants=False),
        Step("march", "run", "3月の連携を実行する", "The March run",
             "卒業生は学習eポータルに残り報告、ドリルでは無効。",
             "Graduates stay in lgate, reported; disabled in the drill app.",
             args={"guard_max_share": 0.5},
             expect={**OK_OR_HOLDS, "leavers_disabled": {"memory": "graduates"}}),
        _scene("april", "event", "4月: 年度が替わり小6が中学校へ進む",
               "April: the new 年度; P6 pupils move to junior high", name="advance_year"),
    ) + _nightly("april-run", expect={**OK_OR_HOLDS, "same_accounts": {"memory": "picked"}},
                 launch="all", guard_max_share=1.0),
)

ROLLOVER = Scenario(
    "rollover", "年次更新", "The April rollover", "§4 (年次更新のリハーサル), §4.2.1–§4.2.5",
    "新年度: 全員が進級し、新しい学級編成、卒業生は外れ、新入生が入る。",
    "The new 年度: everyone up a grade, new classes, graduates out, new entrants in.",
    FIRST_RUN + (
        Step("advance", "event", "年次更新: 卒業・進級・学級編成・新入生", "The rollover in c4th",
             "c4th が新年度になる。", "c4th is in the new 年度.",
             args={"name": "advance_year"}, invariants=False),
    ) + _nightly("rollover-run", launch="all", guard_max_share=1.0),
    quirks="split-compulsory,disability-titles,regenerate-ids",
)

INITIAL_LINK = Scenario(
    "initial-link", "初回連携", "The initial link (名寄せ)", "§3.5.1",
    "すでにアカウントを持つシステムは GIGA アカウントで名寄せされ、重複しない。"
    "c4th の GIGA アカウントの誤りは報告される。",
    "Systems that already hold accounts are matched by GIGA id, not duplicated; wrong GIGA "
    "ids in c4th are reported.",
    (
        FIRST_RUN[0],
        Step("existing", "preload_accounts", "既存アカウントがある"
             "（学習eポータル・ドリル・Microsoft 365）",
             "lgate, the drill app and Microsoft 365 already hold accounts",
             "各システムに既存アカウント。", "Each system holds the existing accounts.",
             invariants=False),
        FIRST_RUN[1],
        Step("first-run", "run", "初回連携を実行する", "The first run (名寄せ)",
             "既存アカウントと照合され重複しない。誤った GIGA アカウントは報告される。",
             "Matched, not duplicated; wrong GIGA ids reported.",
             expect={**OK_OR_HOLDS, "decisions": {"action": "link", "at_least": 1},
                     "wrong_giga_reported": {}},
             launch="all"),
    ),
    quirks="wrong-giga-ids",
)

TRUNCATED = Scenario(
    "truncated-export", "途中で切れたエクスポート", "A truncated export", "DESIGN.md rule 11",
    "一部の児童生徒しか含まないエクスポートは大量変更ガードで止まり、何も失われない。",
    "An export holding only part of the pupils trips the mass-change guard; nothing is lost.",
    FIRST_RUN + (
        _scene("truncate", "fault", "c4th のエクスポートが途中で切れる（3割だけ）",
               "c4th's export is truncated (30% of the pupils)", system="c4th",
               kind="truncate", keep=0.3),
        Step("guarded", "run", "連携処理を実行する", "The run",
             "ガードが止め、どのシステムも変わらない。",
             "The guard refuses; nothing changes anywhere.",
             args={"snapshot": True},
             expect={"exit": (2,), "unchanged": {"systems": ("lgate", "m365", "drill")}}),
        _scene("fixed", "fault", "エクスポートが正常に戻る", "The export is whole again",
               system="c4th", clear=True),
        Step("rerun", "run", "再実行する", "The re-run", "全員がそろっている。",
             "Everyone is there.",
             expect=OK_OR_HOLDS),
    ),
    failure_story=True,
)

OUTAGE = Scenario(
    "outage", "障害と再実行", "An outage and a dropped connection; the re-run converges",
    "DESIGN.md rule 14",
    "Microsoft 365 が停止し、学習eポータルへの接続が途中で切れても、再実行で全システムがそろう。",
    "Microsoft 365 is down and a connection to lgate drops mid-run; the re-run converges.",
    FIRST_RUN + (
        _scene("arrive", "event", "3 名が転入する", "Three pupils arrive", name="transfer_in",
               count=3),
        _scene("arrival-passwords", "passwords", "初期パスワードを渡す", "The board's file"),
        _scene("m365-down", "fault", "Microsoft 365 が 503 を返す", "Microsoft 365 answers 503",
               system="m365", kind="status", status=503, retry_after=0, route="^/v1.0/",
               count=1000),
        _scene("lgate-drop", "fault", "学習eポータルへの接続が一度切れる",
               "One connection to lgate drops", system="lgate", kind="drop",
               route="^/oneroster/bulk", count=1),
        Step("interrupted", "run", "連携処理を実行する（中断する）", "The run (interrupted)",
             "Microsoft 365 の段階で中断、安全に再実行できる。",
             "Interrupted at Microsoft 365; safe to re-run.",
             expect={"exit": (3,)}, invariants=False),
        _scene("recovered", "fault", "Microsoft 365 が復旧する", "Microsoft 365 is back",
               system="m365", clear=True),
        Step("rerun", "run", "再実行する", "The re-run", "全システムがそろう。",
             "Every system converges.", expect=OK_OR_HOLDS, launch="affected"),
    ),
    failure_story=True,
)

HOLDS = Scenario(
    "holds", "外字と初期パスワードの保留", "Gaiji without an external name; a missing password",
    "§3.5.2, §3.3.4",
    "外部連携用氏名のない外字の児童生徒と、初期パスワードのない新入生は保留・報告され、"
    "他の全員は連携される。",
    "A pupil with a gaiji name and no external name, and a new pupil without an initial "
    "password, are held and reported; everyone else is applied.",
    (
        FIRST_RUN[0],
        Step("passwords", "passwords", "ID・初期パスワード登録用ファイル（1名分が欠けている）",
             "The board's file, missing one pupil", "—", "—",
             args={"only_new": True, "leave_out": 1}, invariants=False),
        Step("first-run", "run", "連携処理を実行する", "The run",
             "2 名が保留・報告され、他は全員連携。",
             "The two are held and reported; the rest applied.",
             expect={"exit": (1,), "decisions": {"action": "hold", "held": "gaiji"}}),
    ),
    quirks="gaiji,missing-external-name",
    failure_story=True,
)

REJECTING_TOOL = Scenario(
    "rejecting-tool", "起動を拒否するツール", "A tool that rejects launches", "§3.4",
    "ツールが起動を拒否すると、その理由付きで報告される。",
    "When a tool refuses launches, each refusal is reported with the tool's reason.",
    FIRST_RUN + (
        _scene("licence-down", "reject_launches", "つばさブックのライセンスサーバーが停止する",
               "つばさブック's licence server is down", tool="tsubasa_book",
               reason="licence server unavailable"),
        Step("launch", "run", "翌日の連携のあと 40 名を起動する",
             "The next run, then launch forty pupils",
             "つばさブックの起動は理由付きで拒否・報告される。",
             "Launches into つばさブック are refused and reported with the reason.",
             expect=OK_OR_HOLDS, launch="sample:40"),
    ),
    failure_story=True,
)

PASSWORD_CONFLICTS = Scenario(
    "password-conflicts", "ID・初期パスワードの競合", "Conflicting password rows",
    "§3.3.4, DESIGN.md rule 5",
    "教育委員会のファイルが 1 つの GIGA アカウントを 2 人に渡す、またはエクスポートの 2 件の新しい"
    "レコードが同じ GIGA アカウントを持ちファイルが両方を指すとき、行の順番では決めない。"
    "関係する児童生徒は保留され、どのシステムにも入らない。",
    "When the board's files give one GIGA id to two pupils, or two new export records share a "
    "GIGA id and the files point at both, line order settles nothing: the pupils concerned are "
    "held and reach no system.",
    FIRST_RUN + (
        _scene("enrol", "event", "新入生 2 名を c4th に登録する", "Two new pupils are registered",
               name="enrol", count=2, grade="P1", remember="entrants"),
        _scene("arrive", "event", "市外から 1 名が転入する", "A pupil arrives from another city",
               name="transfer_in", count=1, remember="arrived"),
        _scene("move", "event", "その児童が連携前に市内で転校する（旧所属レコードが残る）",
               "Before any run, the pupil moves within the city (c4th keeps a stale record)",
               name="transfer", student_from="arrived"),
        _scene("giga-twice", "conflicting_passwords",
               "2 つ目のファイルが 1 人目の GIGA アカウントを 2 人目にも渡す",
               "A second file gives the first entrant's GIGA id to the second",
               kind="giga-twice", memory="entrants"),
        _scene("both-records", "conflicting_passwords",
               "転入生の GIGA アカウントを、1 つ目のファイルは本人、"
               "2 つ目は旧所属レコードと組にする",
               "One file pairs the arrival's GIGA id with the pupil, a second with the stale "
               "record", kind="both-records", memory="arrived"),
        Step("nightly", "run", "夜間の日次連携を実行する", "The nightly run",
             "関係する児童生徒は保留・報告され、どのシステムにもいない。ほかは連携される。",
             "The pupils concerned are held and reported and are in no system; the rest "
             "are applied.",
             expect={"exit": (1,), "in_no_target": {"memory": "conflicted"}},
             launch="affected"),
    ),
    quirks="stale-duplicates,regenerate-ids",
    failure_story=True,
)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    ENROLMENT, TRANSFER_IN, TRANSFER, TRANSFER_OUT, GRADUATION, ROLLOVER, INITIAL_LINK,
    TRUNCATED, OUTAGE, HOLDS, REJECTING_TOOL, PASSWORD_CONFLICTS,
)}


def get(name: str) -> Scenario:
    """A scenario by name; ``KeyError`` naming every known one otherwise."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
