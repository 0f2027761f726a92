"""OR7xx: importer practice — what strict Japanese e-portal importers reject, beyond the spec.

These rules are field practice, not the OneRoster specification: each one names the kind of
importer that rejects the bundle and where that behaviour was read. The evidence is the sample
code the vendors of the 2022 national pilot published (repository ``1EdTechJapan/DA2022``,
``OneRoster1.2_CSV入力/<vendor>/サンプルコード/``); vendors are named as the repository names
them (AA社, D社, F社, K社, M社, Q社, Y社). All are WARN: a bundle that trips them is conformant,
but a strict importer will refuse it at the first occurrence (or crash on it, or drop the users
concerned: each rule's "why" says which). :func:`declare_into` declares them into the one
registry of :mod:`harness.oneroster.rules`, after OR1xx-OR6xx.

OR709-OR719 come from reading the three importers run on renkei's own test set (issue 17):
K社 (Python, pandera), Y社 (Python, cerberus, on AWS Lambda) and Q社 (Node). Only whole-bundle
refusals and crashes that are cheap to check became rules; what one importer silently drops
(Y社's per-user errors) is named in a rule's "why" where it adds to a refusal elsewhere.
"""

from __future__ import annotations

from harness.core import RuleRegistry
from harness.oneroster.rule_refs import JP, W

FAMILY = "importer practice"
#: The pilot vendors' published importers (facts read there; no code carried over).
DA = "1EdTechJapan/DA2022 OneRoster1.2_CSV入力"
K = f"{DA}/K社 (Python/pandera): oneroster_csv_schema.py, utils_for_pandera_check.py"
M = f"{DA}/M社 (Java): OneRosterFileService.java, resources_ja.properties"
AA = f"{DA}/AA社 (Ruby): import_one_roster_data_helper.rb"
F = f"{DA}/F社 (shell): check_uuid.sh, check_manifest.sh"
D = f"{DA}/D社 (Java): OneRosterUtilService.java"
Y = (f"{DA}/Y社 (Python/cerberus): handler_batch_oneroster_split_tempfile.py, "
     "batch_oneroster_csv_split_validation.py, batch_oneroster_split_tempfile_service.py, "
     "oneroster_info_setting.py")
Q = f"{DA}/Q社 (Node): controllers/UsersController.js, controllers/OneRosterHeader.js"
K_CONVERT = f"{DA}/K社 (Python): convert_csv_to_tomolinks.py"
NOT_SPEC = "Importer practice, not the spec: "

#: 学習指導要領 教科コード (subject codes) every pilot importer that checks subjectCodes accepts:
#: 小学校 P010–P100, 中学校 J010–J090 (K社 APPLIC_SUBJECTS, D社 validSubjectCodes).
SUBJECT_CODES = frozenset([f"P{n:02d}0" for n in range(1, 11)] + [f"J0{n}0" for n in range(1, 10)])
#: Files outside rostering: gradebook (results, line items, score scales, learning objectives)
#: and resources. K社's schema table has none of them; Q社 has no header list for them.
NOT_ROSTERING = frozenset({
    "categories", "lineItems", "results", "scoreScales", "lineItemScoreScales",
    "resultScoreScales", "lineItemLearningObjectiveIds", "resultLearningObjectiveIds",
    "resources", "classResources", "courseResources", "userResources",
})
#: The files Y社 and Q社 need in every bundle, whatever the manifest says.
ROSTER_CORE = ("orgs", "users", "roles")
#: The grade codes K社 accepts (APPLIC_GRADES): 小学校 and 中学校 only.
PILOT_GRADES = frozenset([f"P{i}" for i in range(1, 7)] + [f"J{i}" for i in range(1, 4)])
#: roles.role values both K社 (its isin list) and Y社 (role_convert_rule) take.
PILOT_ROLES = frozenset({"districtAdministrator", "principal", "siteAdministrator", "student",
                         "teacher"})
#: The bundle names Y社 takes (its cerberus regex on the uploaded file name).
Y_BUNDLE_NAME = r"RO_[0-9]{8}_[A-Za-z0-9]+\.zip"
#: Q社's upload limit (formidable maxFileSize).
UPLOAD_LIMIT = 50 * 1024 * 1024


def declare_into(registry: RuleRegistry) -> None:
    """Declare OR701-OR719 into ``registry`` (the OneRoster catalogue)."""
    _rule = registry.declare

    _rule("OR701", W, FAMILY, "sourcedId not a UUID v4 (importer practice)",
          "{file} の {field} が UUID v4（小文字の 8-4-4-4-12 形式）ではありません: {value}"
          "（仕様上は可。厳格な学習eポータルの取込が拒否します）",
          "{file} {field} is not a UUID v4 (lower-case 8-4-4-4-12): {value} (the spec allows it; "
          "strict e-portal importers reject it)",
          (K, AA, F, M, Q),
          NOT_SPEC + "every sourcedId and every column referring to one (…SourcedId, …SourcedIds, "
          "metadata.jp.homeClass) should be a UUID version 4 in canonical lower-case form. The CSV "
          "binding only asks for a GUID of [0-9A-Za-z.-_/@].",
          "Rejected by e-portal importers that validate ids as UUID v4: K社 (is_uuid_v4 on the "
          "sourcedId of every file), AA社 (check_uuid on every sourcedId), F社 (check_uuid.sh: "
          "lower-case hex only, version nibble 4, variant 8/9/a/b) and M社 (uuid on sourcedId and "
          "references). The whole bundle is refused at the first such id. Q社 refuses users, "
          "orgs and roles whose sourcedId is not shaped 8-4-4-4-12.",
          "y2025", profiles=JP)
    _rule("OR702", W, FAMILY, "manifest source property missing (importer practice)",
          "manifest.csv に {property} がないか空です（仕様上は任意。厳格な取込が拒否します）",
          "manifest.csv lacks {property} or leaves it blank (optional in the spec; strict "
          "importers reject it)",
          (K, F),
          NOT_SPEC + "manifest.csv carries source.systemName and source.systemCode, each with a "
          "value. The CSV binding makes both optional.",
          "Rejected by K社 (its manifest schema lists source.systemName and source.systemCode as "
          "columns, so a manifest without them fails 'column not in dataframe') and by F社 "
          "(check_manifest.sh refuses any manifest row with an empty value). K社 also fails on a "
          "row that is there with a blank value: pandas reads it as NaN, which its str column "
          "refuses.",
          "no source.systemCode row", profiles=JP)
    _rule("OR703", W, FAMILY, "byte order mark (importer practice)",
          "{file} の先頭に BOM があります（仕様上は許容。厳格な取込が拒否します）",
          "{file} starts with a byte order mark (tolerated by the spec; strict importers "
          "reject it)",
          (AA, M),
          NOT_SPEC + "files start without a UTF-8 byte order mark. The binding says consumers must "
          "tolerate one (OR118, INFO).",
          "Rejected by AA社 (check_encoding: 'BOM付ファイルとなっています') and by M社 (a BOM "
          "aborts the upload as a character-code error).", profiles=JP)
    _rule("OR704", W, FAMILY, "unquoted field (importer practice)",
          "{file} のデータ行に二重引用符で囲まれていない項目があります（仕様上は可。"
          "厳格な取込が拒否します）",
          "{file} has a data row with a field not enclosed in double quotes (RFC 4180 allows it; "
          "strict importers reject it)",
          (AA, M, F),
          NOT_SPEC + "every field of every data row (manifest.csv included) is enclosed in double "
          "quotes, empty fields as \"\"; the header row is not quoted. renkei judges the records "
          "in the first 16 KiB of each file (a writer quotes all rows or none).",
          "Rejected by AA社 (check_d_quote: "
          "'ダブルクォーテーションで囲まれていない項目が存在します') "
          "and M社 (convertLinesToMatrix: a data line without quotes is an error). F社 "
          "(check_manifest.sh) compares the manifest header unquoted, so the header stays bare.",
          'sourcedId,title → "0f8f…",2025年度', profiles=JP)
    _rule("OR705", W, FAMILY, "extension column outside the profile (importer practice)",
          "{file} の列 {field} はプロファイル {profile} にない拡張列です（仕様上は可。"
          "ヘッダーを完全一致で比べる取込が拒否します）",
          "{file} column {field} is an extension outside profile {profile} (the spec allows it; "
          "importers comparing the whole header reject it)",
          (AA, D, K, Y),
          NOT_SPEC + "the header is exactly the profile's columns. The binding allows vendor "
          "metadata.* columns at the right end.",
          "Rejected by AA社 (check_header: 'の並び順が不正です' when the header differs from its "
          "list), D社 (validateHeaderValues: wrong number of header fields), K社 (header "
          "order rules compare the full column list) and Y社 (the header of each of its eight "
          "files must equal its list, or the whole bundle is refused).", "metadata.city.note",
          profiles=JP)
    _rule("OR706", W, FAMILY, "homeClass blank (importer practice)",
          "users の metadata.jp.homeClass が空です（仕様上は任意。厳格な取込が拒否します）",
          "users metadata.jp.homeClass is blank (optional in the profile; strict importers reject "
          "it)",
          (K, M, AA),
          NOT_SPEC + "every user names a metadata.jp.homeClass (for a teacher, a class they are "
          "enrolled in). The Japan profile makes it optional.",
          "Rejected by K社 (is_exists on metadata.jp.homeClass), M社 (NotBlank|uuid) and AA社 "
          "('metadata.jp.homeClassに値なし').", profiles=JP)
    _rule("OR707", W, FAMILY, "subject code outside 学習指導要領 codes (importer practice)",
          "{file} の subjectCodes の {value} は学習指導要領の教科コード（P010–P100、J010–J090）では"
          "ありません（仕様上は自由。厳格な取込が拒否します）",
          "{file} subjectCodes element {value} is not a 学習指導要領 subject code (P010–P100, "
          "J010–J090; free text in the spec; strict importers reject it)",
          (K, D, M, AA),
          NOT_SPEC + "subjectCodes elements are 教科コード of the course of study: 小学校 "
          "P010–P100, 中学校 J010–J090.",
          "Rejected by K社 (APPLIC_SUBJECTS), D社 (validSubjectCodes), M社 (a P/J/T code pattern) "
          "and AA社 (subject-name lookup: 'subjectCodesが不正').", "01", profiles=JP)
    _rule("OR708", W, FAMILY, "space at the ends of a name (importer practice)",
          "{file} の {field} の前後に空白（全角空白を含む）があります: 「{value}」"
          "（仕様上は可。厳格な取込が拒否します）",
          "{file} {field} has a space (or an ideographic space) at its start or end: '{value}' "
          "(the spec allows it; strict importers reject it)",
          (M,),
          NOT_SPEC + "names, titles and locations (users' names and kana names, orgs.name, "
          "classes.title and location, courses.title) neither start nor end with a space or an "
          "ideographic space (U+3000).",
          "Rejected by M社: its notHalfKana pattern, applied to every one of these columns, also "
          "forbids white space at the start or end of the value. School-affairs systems often pad "
          "names with 全角空白.", "太郎　", profiles=JP)
    _rule("OR709", W, FAMILY, "gradebook or resource file (importer practice)",
          "{file} は名簿以外（成績・教材）のファイルです（仕様上は可。K社・Q社の取込が"
          "異常終了します）",
          "{file} is not a rostering file (gradebook or resources; the spec allows it; K社 and "
          "Q社 crash on it)",
          (K, Q),
          NOT_SPEC + "a Japan-profile roster bundle holds the rostering files only (manifest, "
          "academicSessions, orgs, courses, classes, users, roles, enrollments, demographics, "
          "userProfiles), as a school-affairs system exports it. Gradebook files (categories, "
          "lineItems, results, score scales, learning objective ids) and resource files "
          "(resources, classResources, courseResources, userResources) stay out.",
          "K社's schema table has no entry for these files: validating one raises a KeyError "
          "(reported as its catch-all error code) and the bundle is refused. Q社 looks up the "
          "file's header list, finds none and throws a TypeError inside the import's promise, "
          "so the HTTP request is never answered. No school-affairs export carries them.",
          "categories.csv, lineItems.csv", profiles=JP)
    _rule("OR710", W, FAMILY, "bundle name outside RO_YYYYMMDD_<code>.zip (importer practice)",
          "バンドル名 {file} は RO_YYYYMMDD_<コード>.zip の形ではありません（仕様上は自由。"
          "Y社の取込が拒否します）",
          "Bundle name {file} is not RO_YYYYMMDD_<code>.zip (free in the spec; Y社 refuses it)",
          (Y,),
          NOT_SPEC + "the zip is named RO_, the export date as 8 digits, _, the board or school "
          "code (ASCII letters and digits), .zip. OR125 (INFO) states the interop model's "
          "convention with the exact code formats; this rule is the importer's looser test.",
          "Y社 validates the uploaded file name against ^RO_[0-9]{8}_[a-zA-Z0-9]+.zip before "
          "unpacking and refuses the whole bundle otherwise; it also takes the part after the "
          "last _ as the organisation code that decides which schools it imports.",
          "export.zip", profiles=JP)
    _rule("OR711", W, FAMILY, "delta file (importer practice)",
          "manifest.csv の {property} が delta です（仕様上は可。Q社の取込は bulk のみです）",
          "manifest.csv declares {property} as delta (the spec allows it; Q社 imports bulk only)",
          (Q,),
          NOT_SPEC + "the bundle is bulk: every file.* row of manifest.csv is bulk or absent.",
          "Q社 refuses a manifest with any file.* value delta ('deltaは許可されません'). K社 "
          "validates bulk files only and applies delta files unvalidated, as if bulk.",
          "file.users,delta", profiles=JP)
    _rule("OR712", W, FAMILY, "orgs, users or roles missing (importer practice)",
          "{file} がありません（仕様上は省略可。Y社・Q社の取込が拒否します）",
          "{file} is missing (optional in the spec; Y社 and Q社 refuse the bundle)",
          (Y, Q),
          NOT_SPEC + "every bundle carries orgs.csv, users.csv and roles.csv, even when the "
          "manifest declares one of them absent.",
          "Y社 looks for the three files after unpacking and refuses the bundle when one is "
          "missing; Q社 imports only when all three are there. K社's converter crashes without "
          "roles.csv.", "file.roles,absent and no roles.csv", profiles=JP)
    _rule("OR713", W, FAMILY, "zip member name not ASCII (importer practice)",
          "zip 内のファイル名 {file} に ASCII 以外の文字があります（Y社の取込が拒否します）",
          "zip member {file} has a name that is not ASCII (Y社 refuses the bundle)",
          (Y,),
          NOT_SPEC + "every member of the zip has an ASCII name.",
          "Y社 re-decodes every member name as cp437 bytes read as Shift_JIS; a name stored as "
          "UTF-8 (the zip's UTF-8 flag) fails that conversion and the whole bundle is refused. "
          "An extra 説明.txt is enough.", "説明.txt", profiles=JP)
    _rule("OR714", W, FAMILY, "no district with a code (importer practice)",
          "orgs.csv に identifier のある district がありません（Y社の取込が拒否します）",
          "orgs.csv has no district with an identifier (Y社 refuses the bundle)",
          (Y,),
          NOT_SPEC + "orgs.csv has a district (the board of education) whose identifier holds "
          "its code.",
          "Y社 takes its organisation code from the district row and refuses the bundle when "
          "there is none ('組織種別がdistrictのデータが存在しません'): a school-only or private "
          "school export is refused.", "schools without a district", profiles=JP)
    _rule("OR715", W, FAMILY, "bundle over 50 MB (importer practice)",
          "バンドル {file} は {value} バイトで 50 MB を超えます（Q社のアップロードが拒否します）",
          "Bundle {file} is {value} bytes, over 50 MB (Q社's upload refuses it)",
          (Q,),
          NOT_SPEC + "the zip is at most 50 MiB (52,428,800 bytes).",
          "Q社's upload form is limited to 50 MiB and refuses anything larger. A city-wide "
          "export with long ids and full quoting can pass it; split it by school.",
          "a prefecture export of 60 MB", profiles=JP)
    _rule("OR716", W, FAMILY, "高等学校 grade (importer practice)",
          "{file} の {field} の学年 {value} は高等学校の学年です（仕様上は可。K社の取込が"
          "拒否します）",
          "{file} {field} grade {value} is a 高等学校 grade (the profile allows it; K社 "
          "refuses it)",
          (K,),
          NOT_SPEC + "grades are 小学校 P1–P6 or 中学校 J1–J3. The Japan profile also has H1–H3 "
          "(高等学校) and E1–E3 (OR522; E grades are OR523's).",
          "K社 checks users.grades, courses.grades and classes.grades against P1–P6/J1–J3 only "
          "and refuses the bundle otherwise: a 中等教育学校 or 高等学校 export is refused.",
          "H1", profiles=JP)
    _rule("OR717", W, FAMILY, "several values in a list field (importer practice)",
          "{file} の {field} に複数の値があります: {value}（仕様上は可。K社は一つの値として比べ、"
          "拒否します）",
          "{file} {field} holds several values: {value} (the spec allows a list; K社 compares "
          "the whole text as one value and refuses it)",
          (K,),
          NOT_SPEC + "users.grades, courses.grades, classes.termSourcedIds and "
          "users.agentSourcedIds hold one value each. Runs under jp-1.1 only: a course that "
          "spans its school's grades is the usual shape of an export (C4th's included), and "
          "under the V4 and K-12 profiles the pilot importers refuse the bundle anyway, for its "
          "users.csv layout and oneroster.version (OR110).",
          "K社 tests these fields with an isin over the whole cell, so P1,P2 is not a grade and "
          "two session ids are not a session id; the bundle is refused. Its converter also "
          "expects exactly one term per class.", "P1,P2", profiles=("jp-1.1",))
    _rule("OR718", W, FAMILY, "role the pilot importers do not take (importer practice)",
          "roles の role {value} は K社・Y社が扱う役割ではありません（K社は拒否、Y社はその利用者を"
          "登録しません）",
          "roles role {value} is not one K社 and Y社 take (K社 refuses the bundle; Y社 makes no "
          "account for the user)",
          (K, Y),
          NOT_SPEC + "roles.role is student, teacher, principal, siteAdministrator or "
          "districtAdministrator. This rule names guardian, proctor, systemAdministrator and "
          "ext: terms; the rarer terms (aide, counselor, parent, relative) are OR526's.",
          "K社 refuses any role outside districtAdministrator, guardian, principal, "
          "siteAdministrator, student, teacher (systemAdministrator, proctor, aide, counselor, "
          "parent, relative, ext: terms). Y社 converts only student, teacher, principal, "
          "siteAdministrator, districtAdministrator and systemAdministrator and drops the "
          "others' users (guardian among them).", "systemAdministrator", profiles=JP)
    _rule("OR719", W, FAMILY, "enrollments primary blank (importer practice)",
          "enrollments の primary が空です（1.2 では任意。K社の取込が拒否します）",
          "enrollments primary is blank (optional in 1.2; K社 refuses it)",
          (K,),
          NOT_SPEC + "every enrollment says primary true or false. OneRoster 1.2 and e-Portal "
          "V4 make it optional; the K-12 profile makes it required (there a blank is OR301).",
          "K社 refuses the bundle when primary is blank ('OneRosterErrorCode:ib0048'); it "
          "accepts only true and false.", "primary left blank",
          profiles=("jp-1.1", "jp-eportal-v4"))
