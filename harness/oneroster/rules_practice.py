"""OR7xx: importer practice — what strict Japanese e-portal importers reject, beyond the spec.

These rules are field practice, not the OneRoster specification: each one names the kind of
importer that rejects the bundle and where that behaviour was read. The evidence is the sample
code the vendors of the 2022 national pilot published (repository ``1EdTechJapan/DA2022``,
``OneRoster1.2_CSV入力/<vendor>/サンプルコード/``); vendors are named as the repository names
them (AA社, D社, F社, K社, M社). All are WARN: a bundle that trips them is conformant, but a
strict importer will refuse it at the first occurrence. :func:`declare_into` declares them
into the one registry of :mod:`harness.oneroster.rules`, after OR1xx-OR6xx.
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
NOT_SPEC = "Importer practice, not the spec: "

#: 学習指導要領 教科コード (subject codes) every pilot importer that checks subjectCodes accepts:
#: 小学校 P010–P100, 中学校 J010–J090 (K社 APPLIC_SUBJECTS, D社 validSubjectCodes).
SUBJECT_CODES = frozenset([f"P{n:02d}0" for n in range(1, 11)] + [f"J0{n}0" for n in range(1, 10)])


def declare_into(registry: RuleRegistry) -> None:
    """Declare OR701-OR708 into ``registry`` (the OneRoster catalogue)."""
    _rule = registry.declare

    _rule("OR701", W, FAMILY, "sourcedId not a UUID v4 (importer practice)",
          "{file} の {field} が UUID v4（小文字の 8-4-4-4-12 形式）ではありません: {value}"
          "（仕様上は可。厳格な学習eポータルの取込が拒否します）",
          "{file} {field} is not a UUID v4 (lower-case 8-4-4-4-12): {value} (the spec allows it; "
          "strict e-portal importers reject it)",
          (K, AA, F, M),
          NOT_SPEC + "every sourcedId and every column referring to one (…SourcedId, …SourcedIds, "
          "metadata.jp.homeClass) should be a UUID version 4 in canonical lower-case form. The CSV "
          "binding only asks for a GUID of [0-9A-Za-z.-_/@].",
          "Rejected by e-portal importers that validate ids as UUID v4: K社 (is_uuid_v4 on the "
          "sourcedId of every file), AA社 (check_uuid on every sourcedId), F社 (check_uuid.sh: "
          "lower-case hex only, version nibble 4, variant 8/9/a/b) and M社 (uuid on sourcedId and "
          "references). The whole bundle is refused at the first such id.",
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
          "(check_manifest.sh refuses any manifest row with an empty value).",
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
          (AA, D, K),
          NOT_SPEC + "the header is exactly the profile's columns. The binding allows vendor "
          "metadata.* columns at the right end.",
          "Rejected by AA社 (check_header: 'の並び順が不正です' when the header differs from its "
          "list), D社 (validateHeaderValues: wrong number of header fields) and K社 (header "
          "order rules compare the full column list).", "metadata.city.note", profiles=JP)
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
