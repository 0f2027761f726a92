"""The OneRoster rule catalogue: every check renkei makes on a bundle, declared once.

Ids are grouped by hundreds like flake8's table and never change meaning:
``OR1xx`` packaging, manifest and text; ``OR2xx`` headers; ``OR3xx`` values (types,
enumerations, required, bulk/delta); ``OR4xx`` references and uniqueness; ``OR5xx`` Japan
profile rules; ``OR6xx`` rules across files; ``OR7xx`` importer practice (what strict Japanese
importers reject beyond the spec; declared in :mod:`harness.oneroster.rules_practice`). Messages
use one set of fields in both languages.
"""

from __future__ import annotations

from harness.core import RuleRegistry
from harness.oneroster import rules_practice
from harness.oneroster.rule_refs import DEP, FMT, JP, JPP, K12, OV, PILOT, RFC, E, I, W

REGISTRY = RuleRegistry("oneroster")


_rule = REGISTRY.declare


# --- OR1xx packaging, manifest and text -----------------------------------------------------
P = "packaging"
_rule("OR100", E, P, "bundle unreadable",
      "バンドルを読み込めません: {reason}", "The bundle cannot be read: {reason}", (OV,),
      "The path is not a zip file or folder, or the zip's central directory is broken.",
      "Nothing else can be checked; exit code 2.", "a PDF renamed to RO_20250401_08220.zip")
_rule("OR101", E, P, "file inside a folder",
      "zip 内のフォルダにファイルがあります: {file}", "File is inside a folder in the zip: {file}",
      (OV,), "Every CSV file must stand at the root of the zip.",
      "Consumers look for manifest.csv at the root and ignore the rest.", "export/users.csv")
_rule("OR102", E, P, "unsafe path in zip",
      "zip 内に危険なパスがあります（zip slip）: {file}",
      "Unsafe path in zip (zip slip): {file}", (OV,),
      "A member name is absolute or climbs out with '..'.",
      "Extracting it would write outside the target folder; renkei never extracts it.",
      "../../etc/cron.d/x.csv")
_rule("OR103", E, P, "zip bomb limit",
      "展開サイズの上限を超えました（{limit}）: {file}",
      "Decompression limit exceeded ({limit}): {file}", (OV,),
      "The bytes or the compression ratio of a member grew past renkei's limits while streaming.",
      "A zip bomb can exhaust disk and memory of the importing server.", "42.zip")
_rule("OR104", E, P, "duplicate zip entry",
      "zip 内に同名のファイルが複数あります: {file}", "The zip holds {file} more than once", (OV,),
      "Two members share one name.", "Which one a consumer reads is undefined.")
_rule("OR105", W, P, "unknown file",
      "OneRoster に定義されていないファイルです: {file}",
      "File is not part of OneRoster: {file}", (OV,),
      "A member is neither manifest.csv nor one of the 21 data files.",
      "Consumers ignore it; a misspelt name (Users.csv) loses data silently.", "Users.csv")
_rule("OR106", E, P, "manifest missing",
      "manifest.csv がありません", "manifest.csv is missing", (OV,),
      "manifest.csv is the only mandatory file.", "Without it the bundle cannot be interpreted.")
_rule("OR107", E, P, "manifest header",
      "manifest.csv のヘッダーは propertyName,value でなければなりません（実際: {value}）",
      "manifest.csv header must be propertyName,value (found: {value})", (OV,),
      "The manifest has exactly two columns, propertyName and value.", "Consumers key on them.")
_rule("OR108", E, P, "manifest property missing",
      "manifest.csv に必須プロパティ {property} がありません",
      "manifest.csv lacks the required property {property}", (OV,),
      "manifest.version, oneroster.version and file.<name> for all 21 files are required.",
      "A consumer cannot tell absent from forgotten.", "no file.roles row")
_rule("OR109", E, P, "manifest.version",
      "manifest.version は 1.0 でなければなりません（実際: {value}）",
      "manifest.version must be 1.0 (found: {value})", (OV,),
      "The manifest format version is 1.0.", "Consumers refuse unknown manifest versions.")
_rule("OR110", W, P, "oneroster.version",
      "oneroster.version がプロファイル {profile} の想定（{expected}）と異なります（実際: {value}）",
      "oneroster.version differs from what profile {profile} expects ({expected}; found: {value})",
      (OV, JPP, K12, rules_practice.Q),
      "The manifest's oneroster.version should match the profile; OPEN: the binding's text says "
      "1.2, e-Portal V4 exports write 1.2.1, the K-12 profile 1.2_JP (the values the meibo gem "
      "writes per profile).",
      "Consumers pick the column layout from it. The 2022 pilot importers (e-Portal V3, jp-1.1) "
      "accept exactly 1.2 and refuse anything else (1EdTechJapan/DA2022: K社 equal_to 1.2, "
      "M社 manifest_valid, AA社 ONEROSTER_VERSION, F社 check_manifest.sh, Q社 "
      "'oneroster.versionは「1.2」のみ許可されます'). The same importers also expect the 1.2 "
      "users.csv layout (with resourceSourcedIds): check with --profile jp-1.1 for them.")
_rule("OR111", E, P, "manifest file mode",
      "{property} の値は absent、bulk、delta のいずれかです（実際: {value}）",
      "{property} must be absent, bulk or delta (found: {value})", (OV,),
      "Each file.<name> says whether that file is absent, a bulk file or a delta file.",
      "The mode decides how rows are applied.", "file.users,Bulk")
_rule("OR112", E, P, "declared file missing",
      "manifest.csv が {mode} と宣言した {file} がありません",
      "manifest.csv declares {file} as {mode} but it is missing", (OV,),
      "A file listed as bulk or delta must be in the bundle.",
      "A consumer would treat a bulk file's absence as 'delete everything'.")
_rule("OR113", E, P, "file declared absent",
      "{file} がありますが manifest.csv では absent です",
      "{file} is present but manifest.csv declares it absent", (OV,),
      "A present file must be declared bulk or delta.", "Its rows would be ignored.")
_rule("OR114", W, P, "manifest property unknown or repeated",
      "manifest.csv のプロパティ {property} は未定義か重複しています",
      "manifest.csv property {property} is unknown or repeated", (OV,),
      "Properties are the ones the binding lists, each once.", "A typo hides a file's mode.")
_rule("OR115", E, P, "header but no data",
      "{file} はヘッダーのみでデータ行がありません", "{file} has a header but no data rows", (OV,),
      "A file with a header and no rows is not allowed; declare it absent instead.",
      "In bulk mode an empty file means 'delete all' to a consumer.")
_rule("OR116", E, P, "Shift_JIS encoding",
      "{file} は Shift_JIS（CP932）で書かれています。UTF-8 で出力してください",
      "{file} is encoded in Shift_JIS (CP932); export it as UTF-8", (OV,),
      "The bundle must be UTF-8; school-affairs systems often write CP932.",
      "Names turn into mojibake at the consumer. renkei decodes it as CP932 to check the rest.")
_rule("OR117", E, P, "invalid UTF-8",
      "{file} に UTF-8 として不正なバイトがあります", "{file} has bytes that are not valid UTF-8",
      (OV,), "Bytes that decode neither as UTF-8 nor as CP932.",
      "The consumer cannot read the value.")
_rule("OR118", I, P, "byte order mark",
      "{file} の先頭に BOM があります（許容されます）",
      "{file} starts with a byte order mark (tolerated)", (OV,),
      "A UTF-8 BOM must be tolerated and ignored by consumers.",
      "Listed so a producer knows some older consumers still trip on it.")
_rule("OR119", E, P, "carriage return in field",
      "{file} のフィールドに改行（CR）が含まれています", "{file} has a carriage return inside a field",
      (OV, RFC), "A carriage return inside a quoted field is not allowed.",
      "Consumers split the record in two.", '"山田\r\n太郎"')
_rule("OR120", E, P, "NUL byte",
      "{file} に NUL 文字があります", "{file} contains a NUL character", (OV,),
      "NUL is never valid in CSV text.", "It truncates strings in C-based consumers.")
_rule("OR121", E, P, "CSV syntax",
      "{file} の CSV を解釈できません: {reason}", "{file} is not valid CSV: {reason}", (RFC,),
      "Stray quotes, unterminated quoted fields or an absurdly long line.",
      "The record cannot be read reliably; renkei skips it and goes on.", 'ab"c,d')
_rule("OR122", E, P, "field count",
      "{file} の行の列数がヘッダーと異なります（{expected} 列のところ {count} 列）",
      "{file} row has {count} fields where the header has {expected}", (RFC,),
      "Every record has as many fields as the header.", "Values shift into the wrong columns.")
_rule("OR123", E, P, "empty file",
      "{file} は空です（ヘッダーもありません）", "{file} is empty (no header row)", (OV,),
      "A present file must at least have its header row.", "The consumer cannot map columns.")
_rule("OR124", E, P, "member unreadable",
      "{file} を展開できません: {reason}", "{file} cannot be extracted: {reason}", (OV,),
      "A zip member is encrypted, uses an unsupported compression or fails its CRC.",
      "Its data is lost to the consumer.")
_rule("OR125", I, P, "bundle file name",
      "バンドル名が RO_YYYYMMDD_<学校コード/教育委員会コード>.zip の形式ではありません: {file}",
      "Bundle name does not follow RO_YYYYMMDD_<school or board code>.zip: {file}",
      ("学習eポータル標準モデル V4.00 (file naming)",),
      "The interoperability model names bundles RO_<date>_<code>.zip.",
      "Operators use the name to tell exports apart.", profiles=JP)
_rule("OR126", E, P, "quote in unquoted field",
      "{file} の {position} 列目: 二重引用符で囲まれていない項目の中に二重引用符があります",
      "{file} field {position}: a double quote inside a field that is not enclosed in quotes",
      (f"{RFC} §2.5",),
      "A field that does not start with a double quote must not contain one; a quote in a "
      "value is written inside a quoted field, doubled.",
      "Readers disagree on it: Python's csv module keeps the quote silently, strict readers "
      "refuse the record or the file, others start a quoted field there and swallow the "
      "following separators and lines.", 'Ta"ro → "Ta""ro"')
_rule("OR127", E, P, "text after closing quote",
      "{file} の {position} 列目: 閉じた二重引用符の後に区切り以外の文字があります",
      "{file} field {position}: text after the closing double quote of a quoted field",
      (f"{RFC} §2.6-2.7",),
      "After the closing quote of a quoted field comes a comma or the end of the record; a "
      "quote inside the field is doubled.",
      "The value's end is ambiguous; readers cut it, join it or refuse the record.",
      '"Ta"ro → "Ta""ro"')

# --- OR2xx headers --------------------------------------------------------------------------
H = "headers"
_rule("OR201", E, H, "column missing",
      "{file} に列 {field} がありません", "{file} lacks the column {field}", (FMT,),
      "Every column of the file's table must be in the header, even optional ones.",
      "Consumers map columns by the header.", "users.csv without userMasterIdentifier")
_rule("OR202", E, H, "unknown column",
      "{file} の列 {field} は仕様にありません", "{file} column {field} is not in the spec",
      (FMT,), "A header name outside the table that is not a metadata.* extension.",
      "Its values would be dropped silently.", "nickname")
_rule("OR203", E, H, "column order",
      "{file} の列 {field} の位置が仕様の順序と異なります",
      "{file} column {field} is out of the spec's order", (FMT,),
      "Columns must appear in the order of the table.",
      "Positional consumers read the wrong values.")
_rule("OR204", E, H, "column case",
      "{file} の列名 {value} は大文字小文字が仕様（{field}）と異なります",
      "{file} column {value} differs in case from the spec's {field}", (FMT,),
      "Header names are case-sensitive.", "SourcedId is not sourcedId.", "SourcedId")
_rule("OR205", E, H, "duplicate column",
      "{file} の列 {field} が重複しています", "{file} has the column {field} twice", (FMT,),
      "Header names are unique.", "A consumer reads one of them, unpredictably.")
_rule("OR206", E, H, "extension column placement",
      "{file} の拡張列 {field} は仕様の列より右に置いてください",
      "{file} extension column {field} must stand right of the spec's columns", (FMT,),
      "metadata.* columns come after every base column.",
      "Positional consumers read it as a base column.")
_rule("OR207", E, H, "profile column missing",
      "{file} にプロファイル {profile} の拡張列 {field} がありません",
      "{file} lacks the {profile} extension column {field}", (JPP, K12),
      "Japan profiles add metadata.jp.* columns that must be in the header.",
      "e-Portals read kana names, 出席番号 and the special-needs flag from them.", profiles=JP)
_rule("OR208", W, H, "profile column order",
      "{file} の拡張列 {field} がプロファイルの順序と異なります",
      "{file} extension column {field} is out of the profile's order", (JPP, K12),
      "Japan profile extension columns stand in the profile's order.",
      "Some consumers read them by position.", profiles=JP)
_rule("OR209", W, H, "column from another profile",
      "{file} の列 {value} は別プロファイルの綴りです。{profile} では {field} です",
      "{file} column {value} is spelt for another profile; {profile} spells it {field}",
      (JPP, K12, rules_practice.K, rules_practice.Y),
      "e-Portal V3–V5 spell metadata.jp.ShussekiNo/PublicFlg; the K-12 profile shussekiNo/"
      "publicFlg.", "The consumer drops the column it does not know; K社 and Y社 (2022 pilot) "
      "compare the whole enrollments header with the ShussekiNo/PublicFlg spelling and refuse "
      "the bundle outright.", profiles=JP)
_rule("OR210", E, H, "blank column name",
      "{file} のヘッダーに空の列名があります（{column_no} 列目）",
      "{file} header has a blank name (column {column_no})", (FMT,),
      "Every header cell names a column.", "Usually a trailing comma.")

# --- OR3xx values ---------------------------------------------------------------------------
V = "values"
_rule("OR301", E, V, "required value blank",
      "{file} の {field} は必須ですが空です", "{file} {field} is required but blank", (FMT,),
      "A column marked required in the table has a value on every row.",
      "The record cannot be applied without it.")
_rule("OR302", E, V, "GUID format",
      "{file} の {field} は GUID として不正です: {value}",
      "{file} {field} is not a valid GUID: {value}", (FMT,),
      "A GUID is under 256 characters of [0-9A-Za-z.-_/@].",
      "Ids with spaces or kana break consumers' keys.", "生徒 001")
_rule("OR303", E, V, "date format",
      "{file} の {field} は YYYY-MM-DD の日付ではありません: {value}",
      "{file} {field} is not a YYYY-MM-DD date: {value}", (FMT,),
      "Dates are ISO 8601 YYYY-MM-DD and exist in the calendar.", "", "2025/04/01")
_rule("OR304", E, V, "datetime format",
      "{file} の {field} は YYYY-MM-DDTHH:MM:SS.sssZ の日時ではありません: {value}",
      "{file} {field} is not a YYYY-MM-DDTHH:MM:SS.sssZ date-time: {value}", (FMT,),
      "Date-times are UTC with milliseconds and Z.", "", "2025-04-01 09:00")
_rule("OR305", E, V, "year format",
      "{file} の {field} は 4 桁の年ではありません: {value}",
      "{file} {field} is not a four-digit year: {value}", (FMT,), "Years are YYYY.", "",
      "R7")
_rule("OR306", E, V, "boolean",
      "{file} の {field} は true か false です（大文字小文字を区別）: {value}",
      "{file} {field} must be true or false (case-sensitive): {value}", (FMT,),
      "Booleans are the lower-case words true and false.", "True is not true.", "TRUE")
_rule("OR307", E, V, "enumeration",
      "{file} の {field} の値 {value} は語彙にありません（{allowed}）",
      "{file} {field} value {value} is not in the vocabulary ({allowed})", (FMT,),
      "Enumerated columns take one of the listed terms; extensible ones also ext:<term>.",
      "Consumers branch on these values.", "Student")
_rule("OR308", E, V, "integer",
      "{file} の {field} は整数ではありません: {value}",
      "{file} {field} is not an integer: {value}", (FMT,), "Integers are digits with an "
      "optional sign.", "", "3.0")
_rule("OR309", E, V, "float",
      "{file} の {field} は数値ではありません: {value}",
      "{file} {field} is not a number: {value}", (FMT,), "Floats are decimal numbers.", "", "abc")
_rule("OR310", E, V, "list element",
      "{file} の {field} のリスト要素が不正です: {value}",
      "{file} {field} has an invalid list element: {value}", (FMT,),
      "List fields are comma-separated in one quoted field; each element has the column's type "
      "and none is blank.", "", '"a,,b"')
_rule("OR311", E, V, "subjects and subjectCodes",
      "{file} の subjects と subjectCodes の要素数が異なります（{count} と {expected}）",
      "{file} subjects and subjectCodes differ in length ({count} vs {expected})", (FMT,),
      "The two lists pair up element by element.", "A subject would get another's code.")
_rule("OR312", E, V, "userIds element",
      "{file} の userIds の要素は {{type:identifier}} の形式です: {value}",
      "{file} userIds elements take the form {{type:identifier}}: {value}", (FMT,),
      "Each userIds element is a {type:identifier} pair.",
      "The GIGA (Microsoft 365) account travels in userIds.", "Office365:taro@example.jp")
_rule("OR313", E, V, "bulk row with status",
      "{file} は bulk ですが {field} に値があります: {value}",
      "{file} is bulk but {field} has a value: {value}", (OV,),
      "In bulk mode status and dateLastModified are blank.",
      "A value suggests the producer meant delta.")
_rule("OR314", E, V, "delta row without status",
      "{file} は delta ですが {field} が空です",
      "{file} is delta but {field} is blank", (OV,),
      "In delta mode every row carries status and dateLastModified.",
      "The consumer cannot apply the change.")
_rule("OR315", W, V, "manifest mode disagrees with data",
      "manifest.csv は {file} を {mode} としていますが、データは {value} の形式です（データを優先）",
      "manifest.csv declares {file} {mode} but its rows look {value} (the data wins)", (OV,),
      "Where manifest and data disagree on bulk/delta, the data wins, and it is reported.",
      "The producer's manifest is wrong.")
_rule("OR316", E, V, "end before start",
      "{file} の {field} が開始日より前です: {value}",
      "{file} {field} is before the start date: {value}", (FMT,),
      "endDate is not before startDate (sessions), nor before beginDate (enrollments, roles).",
      "The record would never be current.")

# --- OR4xx references and uniqueness --------------------------------------------------------
R = "references"
_rule("OR401", E, R, "duplicate sourcedId",
      "{file} の sourcedId {value} が重複しています（最初は {first_line} 行目）",
      "{file} sourcedId {value} is repeated (first on line {first_line})", (FMT,),
      "sourcedId is unique within a file.", "The second row overwrites the first.")
_rule("OR402", E, R, "dangling reference",
      "{file} の {field} が参照する {target} の {value} がありません",
      "{file} {field} refers to {value}, which is not in {target}", (DEP,),
      "In a bulk bundle every reference resolves within the bundle.",
      "The consumer cannot attach the record.")
_rule("OR403", E, R, "reference to wrong kind",
      "{file} の {field} は {kind} を参照しなければなりません（{value} は {found}）",
      "{file} {field} must refer to a {kind} ({value} is a {found})", (FMT,),
      "classes/enrollments schoolSourcedId name an org of type school; courses."
      "schoolYearSourcedId names an academic session of type schoolYear.", "")
_rule("OR404", W, R, "duplicate enrollment",
      "{file} で利用者 {value} が同じクラスに重複して所属しています（最初は {first_line} 行目）",
      "{file} enrols user {value} in the same class twice (first on line {first_line})", (FMT,),
      "One (user, class, role) triple per enrollment.",
      "Transfers in school-affairs systems leave such repeats (指導要録).")

# --- OR5xx Japan profile --------------------------------------------------------------------
J = "japan"
_rule("OR501", E, J, "session type",
      "academicSessions の type は schoolYear のみです（実際: {value}）",
      "academicSessions type must be schoolYear (found: {value})", (JPP,),
      "Japanese profiles exchange only 年度 (school years).", "", profiles=JP)
_rule("OR502", E, J, "年度 title",
      "academicSessions の title は「YYYY年度」の形式です: {value}",
      "academicSessions title must read YYYY年度: {value}", (JPP,),
      "The title of a 年度 (school year) is e.g. 2025年度.", "", "令和7年度", profiles=JP)
_rule("OR503", E, J, "年度 dates",
      "{field} は {expected} のはずです（実際: {value}）",
      "{field} should be {expected} (found: {value})", (JPP,),
      "A 年度 runs from 1 April to 31 March.", "", profiles=JP)
_rule("OR504", W, J, "schoolYear reading",
      "schoolYear {value} は年度の開始年（{expected}）と一致しません",
      "schoolYear {value} is not the 年度's start year ({expected})", (JPP, FMT),
      "OPEN: the base spec takes the year the school year ends; Japanese implementations the "
      "年度's start year (renkei's default reading).", "", profiles=JP)
_rule("OR505", W, J, "literal NULL",
      "{file} の {field} の文字列 NULL は空として扱います",
      "{file} {field} literal NULL is read as blank", (JPP,),
      "Several consumers expect the string NULL in academicSessions.parentSourcedId.",
      "Accepted, but blank is the spec's spelling.", profiles=JP)
_rule("OR506", E, J, "org type",
      "orgs の type は district か school です（実際: {value}）",
      "orgs type must be district or school (found: {value})", (JPP,),
      "Japanese profiles use 教育委員会 (district) and 学校 (school) only.", "", profiles=JP)
_rule("OR507", E, J, "district parent",
      "教育委員会（district）に親組織があります: {value}", "A district has a parent org: {value}",
      (JPP,), "A 教育委員会 stands at the top.", "", profiles=JP)
_rule("OR508", E, J, "学校コード format",
      "学校の identifier は 13 桁の学校コードです（実際: {value}）",
      "A school's identifier must be the 13-character MEXT school code (found: {value})", (JPP,),
      "学校コード (school code): kind (B1 小学校, C1 中学校, C2 義務教育学校 …), prefecture (2), "
      "establishment (1), number (7), check digit (1).", "Consumers key schools on it.",
      "B108", profiles=JP)
# OR509 (学校コード check digit) is not declared: no published algorithm could be verified
# against real codes (shared/spec/oneroster-jp.md marks it OPEN).
_rule("OR510", E, J, "教育委員会コード format",
      "教育委員会の identifier は 6 桁の教育委員会コードです（実際: {value}）",
      "A district's identifier must be the 6-digit board of education code (found: {value})",
      (JPP,), "教育委員会コード (board of education code) is six digits.", "", profiles=JP)
_rule("OR511", W, J, "courseCode",
      "courses の courseCode は空にします（実際: {value}）",
      "courses courseCode should be blank (found: {value})", (JPP, rules_practice.K),
      "The Japan profile leaves courseCode blank.",
      "K社 (2022 pilot) refuses the bundle when courseCode is filled.", profiles=JP)
_rule("OR512", W, J, "course title",
      "courses の title は「YYYY年度」で始めます: {value}",
      "courses title should begin with YYYY年度: {value}", (JPP, rules_practice.K),
      "Course titles start with their 年度.",
      "K社 (2022 pilot) refuses the bundle when a course title does not start with YYYY年度.",
      profiles=JP)
_rule("OR513", E, J, "classType",
      "classes の classType は homeroom か scheduled です（実際: {value}）",
      "classes classType must be homeroom or scheduled (found: {value})", (JPP,),
      "No ext: class types in Japanese profiles.", "", profiles=JP)
_rule("OR514", E, J, "specialNeeds flag",
      "classes の metadata.jp.specialNeeds は true、false、空のいずれかです: {value}",
      "classes metadata.jp.specialNeeds must be true, false or blank: {value}", (JPP,),
      "特別支援学級 (special-needs class) flag.", "", profiles=JP)
_rule("OR515", E, J, "enabledUser",
      "users の enabledUser は true です（実際: {value}）",
      "users enabledUser must be true (found: {value})", (JPP,),
      "Japanese profiles exchange only enabled users.", "", profiles=JP)
_rule("OR516", E, J, "userMasterIdentifier missing",
      "users の userMasterIdentifier は必須です", "users userMasterIdentifier is required", (JPP,),
      "Every user carries userMasterIdentifier.",
      "sourcedIds change on every export; this is the stable key.", profiles=JP)
_rule("OR517", E, J, "userMasterIdentifier UUID",
      "userMasterIdentifier は UUID v4 です: {value}",
      "userMasterIdentifier must be a UUID v4: {value}", (JPP,),
      "A lower- or upper-case UUID version 4.", "", "12345", profiles=JP)
_rule("OR518", E, J, "userMasterIdentifier unique",
      "userMasterIdentifier {value} が重複しています（最初は {first_line} 行目）",
      "userMasterIdentifier {value} is repeated (first on line {first_line})", (JPP,),
      "One person, one userMasterIdentifier.", "", profiles=JP)
_rule("OR519", E, J, "names required",
      "users の {field} は必須です", "users {field} is required", (JPP,),
      "Preferred names and kana names are required (e-Portal V3 and later).", "", profiles=JP)
_rule("OR520", E, J, "kana",
      "{field} は全角カタカナで書きます: {value}",
      "{field} must be full-width katakana: {value}", (JPP,),
      "Kana names use full-width katakana (and the long-vowel mark, middle dot, space).", "",
      "やまだ", profiles=JP)
_rule("OR521", E, J, "half-width katakana",
      "{file} の {field} に半角カタカナがあります: {value}",
      "{file} {field} contains half-width katakana: {value}", (JPP,),
      "U+FF61–U+FF9F are not allowed in any name, title or location.", "", "ﾔﾏﾀﾞ", profiles=JP)
_rule("OR522", E, J, "grade code",
      "{file} の {field} の学年コード {value} は P1–P6、J1–J3、H1–H3、E1–E3 のいずれかです",
      "{file} {field} grade {value} must be one of P1–P6, J1–J3, H1–H3, E1–E3", (JPP,),
      "Japanese grade codes; a 義務教育学校 uses P1–P6 and J1–J3 (no P7–P9).", "", "P7",
      profiles=JP)
_rule("OR523", W, J, "E grades",
      "{file} の学年コード {value} の意味は未確定です",
      "{file} grade {value}: its meaning is not settled", (JPP,),
      "OPEN: E1–E3 appear in the vocabulary without a settled meaning.",
      "K社 (2022 pilot) takes P1–P6/J1–J3 only and refuses the bundle (H grades: OR716).",
      profiles=JP)
_rule("OR524", E, J, "student primary",
      "児童生徒の enrollments の primary は false です（実際: {value}）",
      "A student's enrollments primary must be false (found: {value})", (JPP,),
      "primary marks a class's main teacher; students take false.", "", profiles=JP)
_rule("OR525", E, J, "出席番号",
      "{field}（出席番号）は正の整数です: {value}",
      "{field} (出席番号, attendance number) must be a positive integer: {value}", (JPP, K12),
      "出席番号 (shusseki bangō) is an integer.", "", "三", profiles=JP)
_rule("OR526", W, J, "role vocabulary",
      "roles の role {value} は日本のプロファイルで使われる値ではありません",
      "roles role {value} is not one Japanese profiles use", (JPP,),
      "Seen: student, teacher, guardian, principal, siteAdministrator, districtAdministrator, "
      "proctor, systemAdministrator.",
      "K社 (2022 pilot) refuses the bundle for these roles, and Y社 makes no account for their "
      "users (for the seen roles the pilot importers do not all take: OR718).", profiles=JP)
_rule("OR527", W, J, "grade and school kind",
      "{file} の学年 {value} は学校種別 {kind} に合いません",
      "{file} grade {value} does not fit school kind {kind}", (JPP,),
      "P grades belong to B1/C2 schools, J grades to C1/C2, H grades to D1/D2.", "", profiles=JP)
_rule("OR528", E, J, "外字 in name",
      "{file} の {field} に外字（私用領域の文字）があります: U+{codepoint}",
      "{file} {field} contains a private-use character (外字, gaiji): U+{codepoint}",
      (PILOT, JPP), "Names sent to other systems must not contain private-use code points.",
      "They render as tofu or garbage everywhere but the source system.", profiles=JP)
_rule("OR529", W, J, "same GIGA account on two users",
      "{file} の userIds {value} が複数の利用者にあります（最初は {first_line} 行目）",
      "{file} userIds {value} is on more than one user (first on line {first_line})", (PILOT,),
      "Transfers leave a stale duplicate with the same GIGA (Microsoft 365) account id.",
      "Which record is current cannot be told; the pipeline must cleanse it.", profiles=JP)
_rule("OR530", W, J, "disability in class title",
      "特別支援学級の名称に障害種別（{term}）が含まれています: {value}",
      "A special-needs class title names a disability ({term}): {value}", (PILOT,),
      "Class titles leave the school; they should not disclose a disability.", "",
      "1組（知的障害）", profiles=JP)
_rule("OR531", W, J, "one school code on two orgs",
      "学校コード {value} が複数の学校に使われています（{count} 件）",
      "School code {value} is used by {count} school orgs", (PILOT,),
      "C4th exports a 義務教育学校 as two orgs (前期, 後期) sharing one C2 code.",
      "The e-Portal treats it as one school; the pipeline must merge them.", profiles=JP)

# --- OR6xx across files ---------------------------------------------------------------------
X = "cross-file"
_rule("OR601", E, X, "one primary role per org",
      "利用者 {value} は組織 {org} に primary の役割を複数持っています",
      "User {value} has more than one primary role in org {org}", (FMT,),
      "Only one primary role per user per org.", "")
_rule("OR602", E, X, "secondary without primary",
      "利用者 {value} は secondary の役割だけで primary がありません",
      "User {value} has a secondary role but no primary role", (JPP,),
      "A user with a secondary role must also have a primary role.", "")
_rule("OR603", E, X, "homeClass enrollment",
      "利用者 {value} の homeClass {target} に在籍（enrollment）がありません",
      "User {value} has homeClass {target} but no enrollment in it", (JPP,),
      "metadata.jp.homeClass names a class the user is enrolled in.", "", profiles=JP)
_rule("OR604", E, X, "demographics match users",
      "demographics の {value} に対応する users がありません",
      "demographics {value} has no matching users row", (FMT,),
      "demographics.sourcedId is the sourcedId of a user.", "")
_rule("OR605", W, X, "user without role",
      "利用者 {value} に roles がありません", "User {value} has no roles row", (FMT,),
      "In 1.2 a user's orgs and roles come from roles.csv.",
      "The consumer cannot place the user in a school. K社's converter (2022 pilot) crashes "
      "on such a user (it reads the user's role without checking there is one).",
      example="", profiles=())


# --- OR7xx importer practice (field practice, not the spec) ----------------------------------
rules_practice.declare_into(REGISTRY)
