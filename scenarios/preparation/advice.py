"""Who fixes what, where, and what April does if it is left: the board's side of each rule.

The rule catalogues (:mod:`harness.oneroster`, :mod:`pipeline.rules`) say what a rule checks and
why; this table adds what only a board needs to act on it — the owner (学校 in C4th, the board in
its ID・初期パスワード file or in the city config), the place and the exact field, the fix in plain
words, and the April outcome if nobody fixes it. One entry per rule the preparation report
lists; a rule without an entry falls back to its family (:func:`advice_for`).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Who fixes it (key → Japanese, English). ``none``: nothing to fix, for information.
OWNERS: dict[str, tuple[str, str]] = {
    "school": ("学校（C4th に入力）", "the school, in C4th"),
    "board_c4th": ("教育委員会・委託先ベンダー（C4th の学校・学級設定）",
                   "the board and its vendor, in C4th's school and class settings"),
    "board_file": ("教育委員会（ID・初期パスワードファイル）",
                   "the board, in its ID・初期パスワード file"),
    "board_config": ("教育委員会（連携設定ファイル city.toml）", "the board, in the city config"),
    "board_eportal": ("教育委員会（学習eポータル・学習アプリの既存アカウント）",
                      "the board, in the e-portal's or drill app's existing accounts"),
    "none": ("対応不要（確認のみ）", "nothing to do (for information)"),
}

#: What April does with a person if the item is left unfixed (key → Japanese, English).
APRIL: dict[str, tuple[str, str]] = {
    "held_new": ("連携されません（アカウントが作られず、4月から使えません）",
                 "not delivered: no account is made, unusable from April"),
    "held_kept": ("前回の状態のまま（旧学年・旧学級のまま、進級が反映されません）",
                  "kept as last delivered: old grade and class, the rollover not applied"),
    "dropped": ("古い所属のレコードは送られません（現在の所属で連携されます）",
                "the stale record is not sent; the current one is delivered"),
    "renamed": ("新しい氏名で連携されます", "delivered under the new name"),
    "missing": ("アカウントは削除されず残ります（報告のみ）",
                "the accounts stay (reported, never deleted)"),
    "disabled": ("猶予期間を過ぎたため無効化されます", "disabled: the grace period is over"),
}


@dataclass(frozen=True)
class Advice:
    """The board's side of one rule.

    :param task: the preparation task it belongs to (``check``, ``cleanse``, ``settings``,
        ``migration``, ``giga``, ``promotion``).
    :param problem_ja: the problem in a few words (the rule's message says it in full).
    :param where_ja: the place and the field, in Japanese (``{field}`` filled from the finding).
    :param fix_ja: what to do, in plain Japanese.
    """

    task: str
    owner: str
    problem_ja: str
    problem_en: str
    where_ja: str
    where_en: str
    fix_ja: str
    fix_en: str


def _a(task: str, owner: str, problem: tuple[str, str], where: tuple[str, str],
       fix: tuple[str, str]) -> Advice:
    return Advice(task, owner, problem[0], problem[1], where[0], where[1], fix[0], fix[1])


#: Pipeline rules a board acts on (holds, drops, renames, settings), by rule id.
PIPELINE: dict[str, Advice] = {
    "PL202": _a("cleanse", "board_c4th",
                ("学校コードがない・形式が違う",
                 "school code missing or malformed"),
                ("C4th 学校情報の学校コード（orgs.identifier）",
                 "C4th school settings, school code"),
                ("13 桁の学校コードを登録する",
                 "enter the 13-character MEXT school code")),
    "PL203": _a("cleanse", "board_c4th",
                ("学校コードが他校と重複",
                 "school code shared with another school"),
                ("C4th 学校情報の学校コード（orgs.identifier）",
                 "C4th school settings, school code"),
                ("学校ごとに別の学校コードにする（義務教育学校の前期・後期だけが共有できます）",
                 "give each school its own code (only a 義務教育学校's two parts share one)")),
    "PL204": _a("cleanse", "school",
                ("同じ名前の学級が二つある",
                 "two classes with the same title"),
                ("C4th 学級編成の学級名",
                 "C4th class set-up, class title"),
                ("同じ年度に同じ名前の学級を作らない（どちらかの学級名を変える）",
                 "rename one of the two classes of the same name")),
    "PL205": _a("cleanse", "school",
                ("今年度の学級に在籍していない",
                 "no homeroom class this year"),
                ("C4th 学級編成（今年度の学級への在籍）",
                 "C4th class set-up, this year's homeroom"),
                ("今年度の学級に在籍させる",
                 "enrol the pupil in a homeroom of this 年度")),
    "PL206": _a("giga", "school",
                ("GIGA アカウント ID がない",
                 "no GIGA account id"),
                ("C4th 児童生徒情報の GIGA アカウント ID（userIds の Office365）",
                 "C4th pupil record, GIGA account id"),
                ("GIGA アカウント ID を入力する",
                 "enter the GIGA (Microsoft 365) account id")),
    "PL208": _a("cleanse", "board_c4th",
                ("userMasterIdentifier が他の人と重複",
                 "userMasterIdentifier shared"),
                ("C4th 児童生徒情報の userMasterIdentifier",
                 "C4th pupil record, userMasterIdentifier"),
                ("同じ ID の児童生徒が複数います。正しい一人に直す",
                 "two people share one id; correct it so each has their own")),
    "PL211": _a("cleanse", "none",
                ("転出元に古い所属レコードが残っている",
                 "stale record at the old school"),
                ("C4th の転出元の旧所属レコード（指導要録用）",
                 "C4th's old affiliation kept for 指導要録"),
                ("対応不要。現在の所属で連携します",
                 "nothing to do; the current record is used")),
    "PL212": _a("cleanse", "school",
                ("同じ GIGA アカウントのレコードが複数",
                 "several records for one GIGA id"),
                ("C4th 児童生徒情報の在籍（転出元・転入先）",
                 "C4th pupil record, enrolment at both schools"),
                ("同じ GIGA アカウントのレコードが複数あり、現在の所属を決められません。"
                 "転出元の在籍を終了させる",
                 "several records share a GIGA id: end the old enrolment")),
    "PL221": _a("settings", "none",
                ("特別支援学級の名称を置き換え",
                 "special-needs title replaced"),
                ("連携設定 [special_needs]",
                 "city config [special_needs]"),
                ("対応不要。置換表どおりに学級名を置き換えます",
                 "nothing to do; renamed by the table")),
    "PL222": _a("settings", "board_config",
                ("学級名が障害種別を含み、置換表にない",
                 "class title names a disability, not mapped"),
                ("連携設定 [special_needs.titles] または [special_needs.terms]",
                 "city config [special_needs.titles] or [special_needs.terms]"),
                ("この学級名の置き換え先を置換表に加える",
                 "add this title to the mapping table")),
    "PL241": _a("cleanse", "school",
                ("外部連携用氏名に外字がある",
                 "外字 in the external-linkage name"),
                ("C4th 児童生徒情報の外部連携用氏名（{field_ja}）",
                 "C4th pupil record, external-linkage name ({field})"),
                ("外字を使わない外部連携用氏名を入力する",
                 "enter the name without 外字")),
    "PL242": _a("cleanse", "school",
                ("外部連携用氏名に JIS X 0213 外の字がある",
                 "character outside JIS X 0213"),
                ("C4th 児童生徒情報の外部連携用氏名（{field_ja}）",
                 "C4th pupil record, external-linkage name ({field})"),
                ("JIS X 0213 にある字で外部連携用氏名を入力する",
                 "enter the name in characters of JIS X 0213")),
    "PL243": _a("cleanse", "school",
                ("外部連携用氏名が空",
                 "external-linkage name blank"),
                ("C4th 児童生徒情報の外部連携用氏名（{field_ja}）",
                 "C4th pupil record, external-linkage name ({field})"),
                ("空の外部連携用氏名を入力する（外字の人は外字を使わない字で）",
                 "fill in the blank external-linkage name (without 外字)")),
    "PL244": _a("cleanse", "school",
                ("ふりがなが空か全角カタカナでない",
                 "kana blank or not full-width katakana"),
                ("C4th 児童生徒情報のふりがな（{field_ja}）",
                 "C4th pupil record, kana ({field})"),
                ("ふりがなを全角カタカナで入力する",
                 "enter the kana in full-width katakana")),
    "PL252": _a("giga", "board_file",
                ("ID・初期パスワードファイルに行がない",
                 "no row in the ID・初期パスワード file"),
                ("ID・初期パスワードファイル（この userMasterIdentifier の行）",
                 "the ID・初期パスワード file, this pupil's row"),
                ("新入生・転入生の行（userMasterIdentifier・GIGA アカウント・初期パスワード）"
                 "を加える",
                 "add the pupil's row (id, GIGA account, initial password)")),
    "PL253": _a("giga", "board_file",
                ("GIGA アカウントが C4th とファイルで違う",
                 "GIGA id differs between C4th and the file"),
                ("ID・初期パスワードファイルの userPrincipalName と C4th の GIGA アカウント ID",
                 "the file's userPrincipalName and C4th's GIGA id"),
                ("どちらが正しいか確かめ、間違っている方を直す",
                 "find which one is right and correct the other")),
    "PL254": _a("giga", "board_file",
                ("ID・初期パスワードファイルを読めない",
                 "the ID・初期パスワード file is unreadable"),
                ("連携設定 [accounts] password_file とそのファイル",
                 "city config [accounts] password_file and the file"),
                ("ファイルの場所と形式を直す（docs/password-file.md）",
                 "fix the file's path or format (docs/password-file.md)")),
    "PL255": _a("giga", "board_file",
                ("ID・初期パスワードファイルの行の形式が違う",
                 "a malformed row in the file"),
                ("ID・初期パスワードファイルの該当行",
                 "the file's row"),
                ("その行の形式を直す",
                 "fix that row's format")),
    "PL305": _a("cleanse", "none",
                ("氏名が変わる",
                 "the name changes"),
                ("C4th 児童生徒情報の外部連携用氏名",
                 "C4th pupil record, external-linkage name"),
                ("氏名の変更が正しいか確認する",
                 "check the change of name is right")),
    "PL307": _a("promotion", "school",
                ("エクスポートにいない",
                 "missing from the export"),
                ("C4th の在籍（転出・除籍の処理）",
                 "C4th enrolment (transfer out, removal)"),
                ("転出したなら対応不要。在籍しているなら C4th の在籍を直す",
                 "if the pupil left, nothing to do; if not, correct the enrolment in C4th")),
    "PL308": _a("promotion", "board_config",
                ("猶予期間を過ぎて無効化",
                 "disabled after the grace period"),
                ("連携設定 [grace]",
                 "city config [grace]"),
                ("無効化してよいか確認する（猶予日数は [grace] days）",
                 "check the pupil may be disabled ([grace] days)")),
    "PL321": _a("settings", "board_config",
                ("大量変更の安全装置で止まる",
                 "refused by the mass-change guard"),
                ("連携設定 [guard] max_share",
                 "city config [guard] max_share"),
                ("その夜だけ renkei pipeline run --guard-max-share で上限を上げる",
                 "raise the limit for that night only with --guard-max-share")),
    "PL402": _a("migration", "board_eportal",
                ("C4th にいない人のアカウントが残る",
                 "an account with nobody in C4th"),
                ("学習eポータル・学習アプリの既存アカウント",
                 "the target's existing accounts"),
                ("C4th にいない児童生徒のアカウントです。残すか整理するか決める",
                 "an account with no pupil in C4th: decide to keep or remove it")),
    "PL403": _a("migration", "board_eportal",
                ("GIGA アカウントが別人のアカウントに一致",
                 "the GIGA id matches someone else"),
                ("C4th の GIGA アカウント ID と既存アカウント",
                 "C4th's GIGA id and the existing account"),
                ("別人のアカウントに結び付きます。C4th の GIGA アカウント ID を確かめる",
                 "the GIGA id points at someone else's account: check it in C4th")),
    "PL404": _a("migration", "board_eportal",
                ("同じ GIGA アカウントが複数ある",
                 "the GIGA id is held twice"),
                ("学習eポータル・学習アプリの既存アカウント",
                 "the target's existing accounts"),
                ("同じ GIGA アカウントのアカウントが複数あります。一つにまとめる",
                 "the target holds the GIGA id twice: merge them")),
}

#: Japanese for the user fields the name rules name.
FIELDS_JA = {"preferredFamilyName": "姓 preferredFamilyName",
             "preferredGivenName": "名 preferredGivenName",
             "metadata.jp.kanaFamilyName": "姓のふりがな metadata.jp.kanaFamilyName",
             "metadata.jp.kanaGivenName": "名のふりがな metadata.jp.kanaGivenName"}

#: OneRoster files → who fixes a finding in them (事前データチェック).
FILE_OWNERS = {"users.csv": "school", "enrollments.csv": "school", "classes.csv": "school",
               "demographics.csv": "school", "userProfiles.csv": "school",
               "orgs.csv": "board_c4th", "academicSessions.csv": "board_c4th",
               "courses.csv": "board_c4th", "roles.csv": "school"}


#: OneRoster findings the pipeline itself handles: owner and fix (ja, en) instead of the
#: file's owner and the generic advice (事前データチェック).
ONEROSTER: dict[str, tuple[str, str, str]] = {
    "OR530": ("board_config", "連携では置換表（[special_needs]）で学級名を置き換えます。"
              "置換表にない名称はアカウント連携の設定に出ます",
              "the pipeline renames it through [special_needs]; a title the table misses "
              "shows under the account linkage settings"),
    "OR531": ("none", "義務教育学校の前期・後期は連携で 1 校に統合します（PL201）。"
              "それ以外の学校なら C4th の学校コードを直す",
              "a 義務教育学校's two parts are merged into one school (PL201); any other "
              "school needs its own code in C4th"),
}


def advice_for(rule_id: str) -> Advice | None:
    """The board's side of a pipeline rule, or None for one it need not act on."""
    return PIPELINE.get(rule_id)


def owner_of_file(file: str | None) -> str:
    """Who fixes a OneRoster finding in ``file``: the school for pupil data, the board and its
    vendor for the export's frame (orgs, sessions, manifest, the zip itself)."""
    name = (file or "").rsplit("/", 1)[-1]
    return FILE_OWNERS.get(name, "board_c4th")


def fill(template: str, fields: dict[str, str]) -> str:
    """``template`` with ``{field}`` and ``{field_ja}`` filled (a missing one left blank)."""
    field = fields.get("field", "")
    return template.replace("{field_ja}", FIELDS_JA.get(field, field)).replace("{field}", field)
