# ruff: noqa: E501  (message tables: Japanese text is double width)
"""The pipeline's rule catalogue (``PL``): every decision the pipeline takes, declared once.

Each :class:`~pipeline.model.Decision` carries one of these ids; reports, ``docs/pipeline-rules.md``
and the run log read this one registry. Ids never change meaning; a retired id stays listed.
Grouped by hundreds like the OneRoster kit's table:

- ``PL1xx`` collect and validate (the received file, quarantine);
- ``PL2xx`` preprocess (義務教育学校 merge, stable keys, duplicates, class titles, names, passwords);
- ``PL3xx`` reconcile (creates, moves, missing people, the grace policy, the mass-change guard);
- ``PL4xx`` initial link (名寄せ, nayose);
- ``PL5xx`` runs and state (interrupted plans);
- ``PL6xx`` delivery (per-target apply: the student licence);
- ``PL7xx`` is reserved for delivery.

Severity says how much a decision needs a person's attention: INFO is routine, WARN is held or
reported for someone to look at, ERROR refuses or quarantines. The spec field names the pilot
report section (つくば市実証 成果報告書) the rule comes from.
"""

from __future__ import annotations

from harness.core import RuleRegistry, Severity
from harness.oneroster.disability import KINDS

E, W, I = Severity.ERROR, Severity.WARN, Severity.INFO  # noqa: E741
REPORT = "つくば市実証 成果報告書"
S31, S32, S33 = f"{REPORT} §3.1", f"{REPORT} §3.2", f"{REPORT} §3.3"
S331, S332, S333 = f"{REPORT} §3.3.1", f"{REPORT} §3.3.2", f"{REPORT} §3.3.3"
S334, S351, S352 = f"{REPORT} §3.3.4", f"{REPORT} §3.5.1", f"{REPORT} §3.5.2"
S4, S421, S423, S424 = f"{REPORT} §4", f"{REPORT} §4.2.1", f"{REPORT} §4.2.3", f"{REPORT} §4.2.4"
S425, S426 = f"{REPORT} §4.2.5", f"{REPORT} §4.2.6"
DESIGN = "DESIGN.md, the pipeline rule by rule"

REGISTRY = RuleRegistry("pipeline")
_rule = REGISTRY.declare

# --- PL1xx collect and validate --------------------------------------------------------------
C = "collect"
_rule("PL101", I, C, "export received",
      "エクスポートを受信しました: {file}（SHA-256 {sha256}）",
      "Export received: {file} (SHA-256 {sha256})", (S32, f"{DESIGN} 1"),
      "Every received bundle is kept with its SHA-256 and arrival time in the state folder.",
      "Any run can be replayed and audited from the exact bytes it read.")
_rule("PL102", E, C, "export unreadable",
      "エクスポートを読み込めません: {reason}", "The export cannot be read: {reason}",
      (S32, f"{DESIGN} 2"),
      "The file is not a readable OneRoster bundle (not a zip, broken CSV).",
      "Nothing can be decided from it; the run is refused and the file kept for inspection.")
_rule("PL103", E, C, "export quarantined",
      "エクスポートに ERROR の指摘が {count} 件（{rules}）あるため隔離しました。何も反映しません",
      "The export has {count} ERROR findings ({rules}) and is quarantined; nothing is applied",
      (S33, f"{DESIGN} 2"),
      "The checker found ERRORs the pipeline cannot handle record by record.",
      "A broken export must never reach the e-portal, Microsoft 365 or the drill app.")
_rule("PL104", I, C, "per-record findings handled by holds",
      "名前に関する ERROR の指摘 {count} 件（{rules}）は該当者の保留で扱います",
      "{count} ERROR findings about names ({rules}) are handled by holding those people",
      (S352, f"{DESIGN} 8"),
      "外字 in display names (OR528), blank external names or kana (OR519), bad kana (OR520, "
      "OR521) concern one person each; preprocessing holds exactly those people.",
      "Quarantining a whole city for one pupil's 外字 would stop every transfer that night.")
_rule("PL105", I, C, "export replayed",
      "保管済みのエクスポートを再実行します: {file}", "Replaying a kept export: {file}",
      (f"{DESIGN} 1",), "The run reads a file kept by an earlier collect (--export).",
      "Replays reproduce a night's decisions exactly.")
_rule("PL106", I, C, "kept exports pruned",
      "保管期間を過ぎたエクスポート {count} 件を削除しました", "Pruned {count} kept exports past retention",
      (f"{DESIGN} 1",), "Received files older than the retention (days and count) are removed.",
      "Exports hold personal data; they are kept only as long as the board decides.")

# --- PL2xx preprocess ------------------------------------------------------------------------
P = "preprocess"
_rule("PL201", I, P, "義務教育学校 merged",
      "学校コード {school_code} の {count} 件の学校を 1 校に統合しました（{names}）",
      "Merged {count} school orgs sharing school code {school_code} into one ({names})",
      (S331, f"{DESIGN} 3"),
      "C4th exports a 義務教育学校 as two orgs (前期課程, 後期課程) with one C2 school code; "
      "they become one school and every reference is rewritten.",
      "The e-portal and the learning tools treat a 義務教育学校 as one school.")
_rule("PL202", W, P, "school without a usable school code",
      "学校 {name} に学校コードがないか形式が不正です（{value}）。所属者を保留します",
      "School {name} has no usable school code ({value}); its people are held",
      (S332, f"{DESIGN} 4"),
      "Schools are keyed by the 13-character MEXT 学校コード in orgs.identifier.",
      "Without the key the school cannot be followed from one export to the next.")
_rule("PL203", W, P, "school code on unrelated orgs",
      "学校コード {school_code} が義務教育学校以外の複数の学校で使われています。所属者を保留します",
      "School code {school_code} is used by several orgs that are not one 義務教育学校; their people are held",
      (S331,), "Only C2 (義務教育学校) codes may be shared by two orgs.",
      "Merging unrelated schools would move pupils silently.")
_rule("PL204", W, P, "class key not unique",
      "学級 {title}（{school_code}、{school_year} 年度）が複数あります。学級と所属者を保留します",
      "Class {title} ({school_code}, 年度 {school_year}) appears more than once; the class and its pupils are held",
      (S332, f"{DESIGN} 4"),
      "Classes are keyed by (school, 年度, title) because C4th regenerates every sourcedId.",
      "Two classes with one key cannot be told apart from one export to the next.")
_rule("PL205", W, P, "pupil without a current homeroom",
      "児童生徒 {umi} に今年度の学級への在籍がありません。保留します",
      "Pupil {umi} has no enrolment in a homeroom class of this 年度; held",
      (S333,), "Each pupil must be enrolled in exactly one homeroom class of the export's 年度.",
      "School, class and grade come from that enrolment; without it nothing can be placed.")
_rule("PL206", W, P, "pupil without a GIGA account id",
      "児童生徒 {umi} の userIds に Office365 のアカウント ID がありません。保留します",
      "Pupil {umi} has no Office365 account id in userIds; held",
      (S351, S426), "The GIGA (Microsoft 365) account id in userIds {Office365:…} is required.",
      "It names the Microsoft 365 account and is the key of the initial link.")
_rule("PL207", I, P, "teachers outside the flow",
      "教職員 {count} 名は連携の対象外です（設定 teachers = false）",
      "{count} teachers are outside the automated flow (setting teachers = false)",
      (S31,), "Teachers are registered by hand in the pilot; the setting is off by default.",
      "Teachers follow other account rules, and the e-portal holds staff C4th never sends.")
_rule("PL208", W, P, "userMasterIdentifier repeated",
      "userMasterIdentifier {umi} が複数の利用者にあります。保留します",
      "userMasterIdentifier {umi} is on several users; held",
      (S332,), "Users are keyed by userMasterIdentifier, one person each.",
      "Two records under one key cannot both be delivered.")
_rule("PL211", I, P, "stale duplicate dropped",
      "GIGA アカウント {upn} の古い所属レコード（{school_code} {class_title}）を除外しました。現在の所属は {kept_umi}",
      "Dropped the stale record of GIGA account {upn} ({school_code} {class_title}); the current record is {kept_umi}",
      (S333, f"{DESIGN} 5"),
      "After an in-city transfer C4th keeps the old affiliation (for 指導要録) as a second "
      "record with the same GIGA id. The current record is the one whose userMasterIdentifier "
      "the pipeline (or, on the first run, a target system) already knows for that GIGA id; "
      "records not enrolled in a homeroom of this 年度 or disabled are never current.",
      "Delivering both would move the pupil back and forth or create a second account.")
_rule("PL212", W, P, "ambiguous duplicate held",
      "GIGA アカウント {upn} のレコードが {count} 件あり、現在の所属を判定できません。保留します",
      "GIGA account {upn} is on {count} records and the current one cannot be told; held",
      (S333, f"{DESIGN} 5"),
      "None or several of the records are known, current-year homeroom records.",
      "The pipeline never guesses: a wrong guess moves a pupil silently.")
_rule("PL221", I, P, "special-needs class renamed",
      "特別支援学級の名称を「{from_title}」から「{to_title}」に置換しました",
      "Renamed special-needs class {from_title} to {to_title}",
      (S333, f"{DESIGN} 6"),
      "A title found in the municipality's mapping table is replaced before it leaves.",
      "Class titles are shown in every tool; they must not disclose a disability.")
_rule("PL222", W, P, "disability in class title, no mapping",
      "学級名「{title}」が障害種別（{term}）を含み、置換表にありません。学級と所属児童生徒を保留します",
      "Class title {title} names a disability ({term}) and has no mapping; the class and its pupils are held",
      (S333, S426, f"{DESIGN} 6"),
      f"A title naming a disability ({', '.join(k.term for k in KINDS)}, a short form or any "
      "障害; the table is harness.oneroster.disability) with no entry in [special_needs.titles].",
      "Sending it would disclose the disability; add the title to the mapping table.")
_rule("PL231", I, P, "display grade rewritten",
      "中学校の学級名「{from_title}」を「{to_title}」に書き換えました（7・8・9 年表記）",
      "Rewrote junior-high class {from_title} to {to_title} (7th–9th year display)",
      (S333, f"{DESIGN} 7"),
      "With display_grades on, J1–J3 classes get their leading 1年/2年/3年 rewritten to 7年/8年/9年.",
      "Tsukuba shows junior-high years as 7–9 in the learning tools.")
_rule("PL241", W, P, "外字 in the delivered name",
      "{umi} の {field} に外字（私用領域の文字 U+{codepoint}）があります。保留します",
      "{umi} {field} contains a private-use character (外字, U+{codepoint}); held",
      (S352, f"{DESIGN} 8"),
      "The gaiji-free external name (preferredFamilyName/preferredGivenName) still holds a "
      "private-use code point (U+E000–U+F8FF, planes 15–16).",
      "It would show as a wrong glyph or tofu in every other system.")
_rule("PL242", W, P, "name outside JIS X 0213",
      "{umi} の {field} に JIS X 0213 で表せない文字（U+{codepoint}）があります。保留します",
      "{umi} {field} has a character outside JIS X 0213 (U+{codepoint}); held",
      (S352, f"{DESIGN} 8"),
      "Delivered names must be encodable in JIS X 0213:2004 (the repertoire Japanese systems "
      "share), without control or half-width katakana characters.",
      "A target that stores Shift_JIS or EUC would garble or reject it.")
_rule("PL243", W, P, "external name missing",
      "{umi} の連携用氏名（{field}）が空です。保留します",
      "{umi} has no external-linkage name ({field}); held",
      (S352, S426, f"{DESIGN} 8"),
      "preferredFamilyName/preferredGivenName (the name for external linkage) is blank.",
      "The display name may hold 外字; only the external name may leave C4th. Enter it in C4th.")
_rule("PL244", W, P, "kana missing or not katakana",
      "{umi} の {field} が空か全角カタカナではありません。保留します",
      "{umi} {field} is blank or not full-width katakana; held",
      (S352,), "Kana names are required and written in full-width katakana.",
      "Tools sort and search by kana.")
_rule("PL251", I, P, "initial password present",
      "新規アカウント {umi} の初期パスワードがあります",
      "New account {umi} has an initial password", (S334, f"{DESIGN} 9"),
      "The board's ID・初期パスワード file holds an entry for the new pupil; only its presence "
      "is recorded, never the password.",
      "Microsoft 365 needs an initial password to create the account.")
_rule("PL252", W, P, "new pupil without an initial password",
      "新規の児童生徒 {umi}（{upn}）の初期パスワードが ID・初期パスワードファイルにありません。保留します",
      "New pupil {umi} ({upn}) has no initial password in the ID・初期パスワード file; held",
      (S334, S421, f"{DESIGN} 9"),
      "A pupil never delivered before needs an entry in the board's file.",
      "Without it no Microsoft 365 account can be created; add the pupil to the file.")
_rule("PL253", W, P, "password file disagrees with the export",
      "ID・初期パスワードファイルの {umi} の GIGA アカウント（{file_upn}）がエクスポート（{upn}）と異なります。保留します",
      "The ID・初期パスワード file gives {umi} the GIGA account {file_upn}, the export {upn}; held",
      (S334,), "The file's userPrincipalName must match the export's GIGA id for that pupil.",
      "A password set on the wrong account locks two pupils out.")
_rule("PL254", W, P, "password file unreadable",
      "ID・初期パスワードファイルを読み込めません: {reason}",
      "The ID・初期パスワード file cannot be read: {reason}", (S334,),
      "The configured file is missing or not in the documented format.",
      "New pupils are held until the file can be read.")
_rule("PL255", W, P, "password file row left out",
      "ID・初期パスワードファイル {line} 行目を読み飛ばしました: {reason}",
      "Line {line} of the ID・初期パスワード file was left out: {reason}", (S334,),
      "A row of the board's file is malformed; the pupil it names (if any) gets no password.",
      "Fix the row; nothing else in the file is affected.")

_rule("PL256", W, P, "conflicting rows in the password file",
      "ID・初期パスワードファイルの行（{rows}）が競合しています: GIGA アカウント {upns} と児童生徒 "
      "{umis} が 1 対 1 に対応しません。{umi} を保留します",
      "Rows {rows} of the ID・初期パスワード file conflict: GIGA accounts {upns} and pupils "
      "{umis} do not pair one to one; {umi} is held",
      (S334, f"{DESIGN} 5"),
      "A GIGA id given to two pupils, a pupil given two GIGA ids, or one pupil two passwords, "
      "in one file or across the files of a glob. Every row of the conflict is set aside; a "
      "later file replaces an earlier one only for the same pupil with the same GIGA id.",
      "Which row is right cannot be told; line order is no evidence. Correct the file so that "
      "each pupil has one GIGA id and each GIGA id one pupil.")

# --- PL3xx reconcile -------------------------------------------------------------------------
R = "reconcile"
_rule("PL301", I, R, "create",
      "{umi} を作成します（{school_code} {class_title} {grade}）",
      "Create {umi} ({school_code} {class_title} {grade})", (S421, f"{DESIGN} 11–13"),
      "A pupil not delivered before.", "New entrants and transfers in get accounts everywhere.")
_rule("PL302", I, R, "update",
      "{umi} の {fields_changed} を更新します", "Update {fields_changed} of {umi}",
      (S426,), "Kana, 出席番号 or other delivered fields changed in C4th.",
      "C4th is the master of pupil data.")
_rule("PL303", I, R, "school move",
      "{umi} が {from_school} から {to_school} へ転校します（同じアカウント）",
      "{umi} moves from school {from_school} to {to_school} (same accounts)",
      (S423, f"{DESIGN} 11–13"), "The pupil's school changed (市内転出入).",
      "The same accounts follow the pupil; nothing is created twice.")
_rule("PL304", I, R, "class move",
      "{umi} の学級が {from_class} から {to_class} に変わります",
      "{umi} changes class from {from_class} to {to_class}", (S423,),
      "The pupil's homeroom class changed within the school.", "")
_rule("PL305", I, R, "rename",
      "{umi} の氏名が変わります", "{umi} changes name", (S426,),
      "The delivered (external) name changed; the names are in the roster, not in the message.",
      "")
_rule("PL306", I, R, "promotion",
      "{umi} が {from_grade} から {to_grade} に進級します", "{umi} goes up from {from_grade} to {to_grade}",
      (S4, S425), "The pupil's grade changed (年次更新).", "")
_rule("PL307", W, R, "missing from the export",
      "{umi}（{school_code} {grade}）がエクスポートにありません。削除せず報告します",
      "{umi} ({school_code} {grade}) is missing from the export; reported, never deleted",
      (S424, S425, f"{DESIGN} 11"),
      "A pupil delivered before is no longer exported (転出, 卒業, or an error in C4th).",
      "Bulk semantics would delete them; the e-portal also holds users C4th never sends, so "
      "removal is a person's decision (or the grace policy's).")
_rule("PL308", W, R, "disabled after the grace period",
      "{umi} は {since} からエクスポートになく、猶予期間 {days} 日を過ぎたため無効化します",
      "{umi} has been missing since {since}, past the {days}-day grace period; disabled",
      (S424, f"{DESIGN} 11"),
      "The optional grace policy disables pupils missing longer than N days (the pilot waited "
      "about three months) and removes them from the drill app (tobedeleted).",
      "Accounts of leavers are stopped only after mistakes could have been noticed.")
_rule("PL309", I, R, "back in the export",
      "{umi} がエクスポートに戻りました（{since} から不在）",
      "{umi} is back in the export (missing since {since})", (S424,),
      "A pupil reported missing reappears; the accounts are used again (and enabled).",
      "Mistaken 転出 in C4th are undone without a new account.")
_rule("PL310", W, R, "held: previous state kept",
      "{umi} は保留中のため前回の状態のままにします（{reasons}）",
      "{umi} is held and keeps its previous state ({reasons})", (S333, f"{DESIGN} 5"),
      "A held pupil already delivered keeps everything as it was.",
      "Nothing is applied for a held person until the cause is fixed.")
_rule("PL311", W, R, "held: not delivered",
      "{umi} は保留中のため連携しません（{reasons}）", "{umi} is held and not delivered ({reasons})",
      (S333,), "A held pupil not delivered before is left out.", "")
_rule("PL312", I, R, "school added or changed",
      "学校 {school_code}（{name}）を追加または変更します（{change}）",
      "School {school_code} ({name}) added or changed ({change})",
      (S331,), "A school appears or its name or grades change.", "")
_rule("PL313", I, R, "class added or changed",
      "学級 {title}（{school_code}）を追加または変更します（{change}）",
      "Class {title} ({school_code}) added or changed ({change})",
      (S332,), "A class appears, is renamed by the mapping, or changes grades.", "")
_rule("PL314", I, R, "class no longer exported",
      "学級 {title}（{school_code}、{school_year} 年度）はエクスポートにありません",
      "Class {title} ({school_code}, 年度 {school_year}) is no longer exported", (S332,),
      "A class delivered before is gone (年次更新 or a class merged).", "")
_rule("PL315", I, R, "new 年度",
      "{from_year} 年度から {to_year} 年度への年次更新です", "Rollover from 年度 {from_year} to {to_year}",
      (S4,), "The export's school year is later than the previous roster's.",
      "Class changes are expected then; graduates missing are expected too.")
_rule("PL316", I, R, "graduated",
      "{umi}（{school_code} {grade}）は卒業によりエクスポートにありません。削除せず報告します",
      "{umi} ({school_code} {grade}) left by graduation; reported, never deleted",
      (S425,), "A J3 pupil (or P6 leaving the city's schools) missing after the 年度 changed.",
      "Graduation is handled like a transfer out: accounts stay until a person or the grace "
      "policy decides.")
_rule("PL321", E, R, "mass-change guard",
      "この計画は利用者 {total} 名のうち {count} 名（{share}）を移動・無効化・除外します。上限 {limit} を超えるため拒否しました。何も反映しません",
      "The plan would move, disable or drop {count} of {total} users ({share}), more than the "
      "limit of {limit}; refused, nothing applied",
      (S424, f"{DESIGN} 11"),
      "Counts school moves (P6 → J1 at a rollover excepted), class moves within the 年度, "
      "people missing (graduates at a rollover excepted), disables and dropped records "
      "against the previous roster.",
      "A truncated or wrong export must never cost accounts.")

# --- PL4xx initial link ----------------------------------------------------------------------
L = "link"
_rule("PL401", I, L, "existing account adopted",
      "{target} の既存アカウント {upn} を {umi} に結び付けました（sourcedId {sourced_id}）",
      "Adopted the existing {target} account {upn} for {umi} (sourcedId {sourced_id})",
      (S351, f"{DESIGN} 10"),
      "On the first run an incoming pupil is matched to an account the target already holds, "
      "by GIGA account id, and its sourcedId is kept.",
      "Systems that already hold accounts are linked, not duplicated.")
_rule("PL402", W, L, "target account without a match",
      "{target} のアカウント {upn}（{sourced_id}）に対応する児童生徒がエクスポートにありません",
      "{target} account {upn} ({sourced_id}) matches no pupil in the export", (S351,),
      "An account in the target has no incoming pupil with its GIGA id.",
      "It may be a teacher, a leaver or a wrong GIGA id in C4th; a person must look.")
_rule("PL403", W, L, "GIGA id mismatch",
      "{target} のアカウント {upn} は別人の情報です（{reason}）。{umi} を保留します",
      "{target} account {upn} belongs to someone else ({reason}); {umi} is held", (S351,),
      "The incoming pupil's GIGA id matches a target account whose userMasterIdentifier or "
      "name differs: most likely a wrong GIGA id in C4th.",
      "Adopting it would hand one pupil's account to another. Correct the GIGA id in C4th.")
_rule("PL404", W, L, "GIGA id on several target accounts",
      "{target} で GIGA アカウント {upn} が {count} 件のアカウントにあります。{umi} を保留します",
      "{target} holds GIGA account {upn} on {count} accounts; {umi} is held", (S351,),
      "The target itself holds duplicates.", "Which one to adopt cannot be told.")

# --- PL5xx runs and state --------------------------------------------------------------------
X = "run"
_rule("PL501", W, X, "interrupted plan finished first",
      "中断した計画 {plan} を先に完了させます（未完了: {targets}）",
      "Finishing interrupted plan {plan} first (unfinished: {targets})", (f"{DESIGN} 14",),
      "A previous run stopped before every target was done.",
      "Each target is journaled; finishing it before a new plan keeps every system consistent.")
_rule("PL502", I, X, "nothing to do",
      "変更はありません", "Nothing to change", (f"{DESIGN} 14",),
      "The export matches what the targets hold.", "A re-run of the same export is a no-op.")

# --- PL6xx delivery --------------------------------------------------------------------------
D = "deliver"
_rule("PL601", W, D, "licence not assigned: no seats left",
      "{umi} のアカウント {upn} は作成済みですが、ライセンス {sku} の空きがないため割り当てていません。"
      "Microsoft 365 管理センターでライセンスを追加購入するか不要な割り当てを外してください。次回の実行で割り当てます",
      "The account {upn} of {umi} exists but licence {sku} has no seats left, so it is not "
      "assigned. Buy seats or free unused ones in the Microsoft 365 admin centre; the next run "
      "assigns it",
      (f"{DESIGN} 12",),
      "Graph refused assignLicense: the subscription's seats (prepaidUnits) are all consumed. "
      "The pupil's account is kept and journaled as missing its licence.",
      "A pupil without a licence cannot use Microsoft 365; the report names each one until the "
      "licence is assigned, and no account is created twice.")
_rule("PL602", W, D, "licence not assigned: SKU not in the tenant",
      "{umi} のアカウント {upn} は作成済みですが、ライセンス {sku} がテナントにないため割り当てていません。"
      "設定 targets.m365.student_sku を /subscribedSkus の skuPartNumber に合わせてください。次回の実行で割り当てます",
      "The account {upn} of {umi} exists but licence {sku} is not one of the tenant's SKUs, "
      "so it is not assigned. Set targets.m365.student_sku to a skuPartNumber from "
      "/subscribedSkus; the next run assigns it",
      (f"{DESIGN} 12",),
      "targets.m365.student_sku names no SKU the tenant subscribes to (or Graph refused it as "
      "not a valid company licence).",
      "A typo in the SKU must not stop account creation, nor pass unnoticed.")
