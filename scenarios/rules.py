"""The scenario catalogue: every invariant (``IV``) and step expectation (``SC``), declared once.

Ids are grouped by hundreds and never change meaning:
``SC1xx`` the steps themselves (passed, could not run, pipeline outcome, expected decisions);
``IV1xx`` the e-portal (lgate); ``IV2xx`` Microsoft 365; ``IV3xx`` the drill app;
``IV4xx`` nobody lost, duplicated or silently moved (across systems); ``IV5xx`` LTI launches.
A finding's ``file`` names the scenario step and the system (``enrolment/2 lgate``); its
``value`` the record it concerns (a userMasterIdentifier, a UPN, a tool). Messages use one set
of fields in both languages and never hold a password or token.
"""

from __future__ import annotations

from harness.core import RuleRegistry, Severity

E, W, I = Severity.ERROR, Severity.WARN, Severity.INFO  # noqa: E741

DESIGN = "DESIGN.md §Scenarios (invariants)"
P33 = "つくば市実証 成果報告書 §3.3"
P35 = "つくば市実証 成果報告書 §3.5"
P42 = "つくば市実証 成果報告書 §4.2"
LTI = "1EdTech LTI Core 1.3 §5.3 (resource link launch)"

REGISTRY = RuleRegistry("scenario")
_rule = REGISTRY.declare

# --- SC1xx the steps ----------------------------------------------------------------------
S = "step"
_rule("SC100", I, S, "step passed",
      "手順「{step}」は期待どおりでした: {detail}", "Step \"{step}\" went as expected: {detail}",
      (DESIGN,), "A scenario step ran and every expected outcome held.",
      "Reports list every step, passed or not, so a reader sees the whole story.")
_rule("SC101", E, S, "step could not run",
      "手順「{step}」を実行できませんでした: {reason}", "Step \"{step}\" could not run: {reason}",
      (DESIGN,), "A step's action failed before its outcome could be checked (a system did "
      "not answer, an event was refused).",
      "Nothing after it can be trusted; the scenario stops here.")
_rule("SC102", E, S, "pipeline outcome differs",
      "連携処理の結果が期待と異なります: 期待 {expected}、実際 {found}",
      "The pipeline run ended differently: expected {expected}, found {found}", (P33,),
      "The run's exit code (0 applied, 1 applied with holds, 2 refused, 3 interrupted) is "
      "not the one this step expects.",
      "A truncated export must be refused, a fault must interrupt, a clean run must apply.")
_rule("SC103", E, S, "expected decision missing",
      "期待した判定がありません: {expected}（{subject}）",
      "The expected decision is missing: {expected} ({subject})", (P33, P35),
      "The plan holds no decision of the expected kind for the subject (e.g. a hold for a "
      "gaiji name, a drop of a stale duplicate, a mismatch reported by the initial link).",
      "Holds and drops must be reported, never silent.")
_rule("SC104", E, S, "unexpected change",
      "変更されるべきでないものが変わりました: {what}（{subject}）",
      "Something changed that must not: {what} ({subject})", (P33, P42),
      "After a refused or no-change run a system's records differ from before, or a person's "
      "account id changed although the person kept their accounts.",
      "A truncated export must never cost accounts; an in-city transfer keeps every account.")
_rule("SC105", E, S, "launch refusal not reported",
      "ツールの起動拒否が理由付きで報告されていません: {tool}",
      "The tool's refusal of a launch was not reported with its reason: {tool}", (LTI,),
      "A tool set to reject launches refused them, but the launch results do not carry the "
      "tool's reason.", "The board needs the vendor's reason to act on it.")

# --- IV1xx lgate ------------------------------------------------------------------------
L = "lgate"
_rule("IV101", E, L, "student missing in lgate",
      "在籍児童生徒が学習eポータルにいません: {name}", "An active student is not in lgate: {name}",
      (DESIGN, P42), "A current pupil of c4th (not held) has no user in the e-portal.",
      "The pupil cannot sign in to anything.")
_rule("IV102", E, L, "student duplicated in lgate",
      "児童生徒が学習eポータルに{count}件あります: {name}",
      "A student is in lgate {count} times: {name}", (DESIGN, P33),
      "More than one e-portal user carries one userMasterIdentifier or one GIGA id.",
      "Regenerated sourcedIds or an uncleansed stale duplicate create second users.")
_rule("IV103", E, L, "wrong school in lgate",
      "学習eポータルの学校が違います: 期待 {expected}、実際 {found}（{name}）",
      "Wrong school in lgate: expected {expected}, found {found} ({name})", (DESIGN, P33),
      "The pupil's school in the e-portal is not the school c4th has (after the 義務教育学校 "
      "merge).", "A silently moved pupil sees another school's classes.")
_rule("IV104", E, L, "wrong grade in lgate",
      "学習eポータルの学年が違います: 期待 {expected}、実際 {found}（{name}）",
      "Wrong grade in lgate: expected {expected}, found {found} ({name})", (DESIGN,),
      "The pupil's grades in the e-portal differ from c4th's.",
      "Tools license and filter content by grade.")
_rule("IV105", E, L, "wrong class in lgate",
      "学習eポータルの学級が違います: 期待 {expected}、実際 {found}（{name}）",
      "Wrong class in lgate: expected {expected}, found {found} ({name})", (DESIGN, P33),
      "The pupil's homeroom class (title after the special-needs rename and display grades) "
      "differs from c4th's.", "The context of every launch is the homeroom class.")
_rule("IV106", E, L, "wrong name in lgate",
      "学習eポータルの氏名が違います: 期待 {expected}、実際 {found}",
      "Wrong name in lgate: expected {expected}, found {found}", (DESIGN, P35),
      "The delivered name is not c4th's gaiji-free name for external linkage.",
      "外字 cannot be shown by other systems (pilot §3.5.2).")
_rule("IV107", E, L, "held student delivered",
      "保留すべき児童生徒が連携されています: {name}（{reason}）",
      "A student who must be held was delivered: {name} ({reason})", (P33, P35),
      "A pupil with a gaiji name and no external name, or a new pupil without an initial "
      "password, reached the e-portal.", "Holds exist so that broken data never leaves.")
_rule("IV108", E, L, "leaver deleted from lgate",
      "転出・卒業者が学習eポータルから削除されています: {name}",
      "A leaver was deleted from lgate: {name}", (P42,),
      "A pupil who left is gone from the e-portal although bulk semantics never delete.",
      "The e-portal also serves users c4th never sends; deletion is a manual decision.")

# --- IV2xx Microsoft 365 -------------------------------------------------------------------
M = "m365"
_rule("IV201", E, M, "no Microsoft 365 account",
      "Microsoft 365 アカウントがありません: {upn}", "No Microsoft 365 account: {upn}",
      (DESIGN, P33), "An active, not held pupil has no GIGA account.",
      "The pupil cannot sign in on the device.")
_rule("IV202", E, M, "more than one Microsoft 365 account",
      "Microsoft 365 アカウントが{count}件あります: {upn}",
      "{count} Microsoft 365 accounts for one person: {upn}", (DESIGN,),
      "More than one account exists for one GIGA id.", "Never a second account for a person.")
_rule("IV203", E, M, "Microsoft 365 account disabled",
      "在籍児童生徒の Microsoft 365 アカウントが無効です: {upn}",
      "An active student's Microsoft 365 account is disabled: {upn}", (DESIGN,),
      "accountEnabled is false for a current pupil.", "The pupil cannot sign in.")
_rule("IV204", E, M, "account for a held new student",
      "保留中の新規児童生徒にアカウントが作成されています: {upn}",
      "An account was created for a held new student: {upn}", (P33,),
      "A new pupil who is held (no initial password, gaiji name) has an account.",
      "An account without the board's initial password cannot be handed out.")

# --- IV3xx the drill app -------------------------------------------------------------------
D = "drill"
_rule("IV301", E, D, "student missing in the drill app",
      "ドリルアプリに在籍児童生徒がいません: {name}",
      "An active student is not in the drill app: {name}", (DESIGN, "つくば市実証 §3.4"),
      "The drill app needs accounts before an LTI launch succeeds; this pupil has none.",
      "The launch will be refused.")
_rule("IV302", E, D, "wrong status in the drill app",
      "ドリルアプリの状態が違います: 期待 {expected}、実際 {found}（{name}）",
      "Wrong status in the drill app: expected {expected}, found {found} ({name})",
      (DESIGN, P42), "An active pupil is disabled, or a leaver is still enabled.",
      "Delta (差分) carries the status; a leaver is disabled at once.")
_rule("IV303", E, D, "student duplicated in the drill app",
      "ドリルアプリに児童生徒が{count}件あります: {name}",
      "A student is in the drill app {count} times: {name}", (DESIGN, P35),
      "More than one drill app user carries one userMasterIdentifier.",
      "The initial link must match existing accounts, not duplicate them.")
_rule("IV304", E, D, "wrong school or class in the drill app",
      "ドリルアプリの所属が違います: 期待 {expected}、実際 {found}（{name}）",
      "Wrong school or class in the drill app: expected {expected}, found {found} ({name})",
      (DESIGN,), "The drill app's school or class for a pupil differs from c4th's.",
      "Teachers see their class's results by class.")

# --- IV4xx across systems ----------------------------------------------------------------
X = "city"
_rule("IV401", E, X, "stale duplicate delivered",
      "指導要録用の旧所属レコードが連携されています: {name}",
      "A stale duplicate (the old affiliation kept for 指導要録) was delivered: {name}",
      (P33,), "A userMasterIdentifier that c4th keeps only for the old affiliation reached a "
      "target.", "It is the same child twice, with one GIGA account (pilot §3.3.3).")
_rule("IV402", E, X, "unknown person in a target",
      "c4th に存在しない児童生徒が{system}にいます: {name}",
      "A student unknown to c4th is in {system}: {name}", (DESIGN,),
      "A student record in a target matches no current, departed or stale c4th record.",
      "Something created people out of nowhere (e.g. regenerated ids).")
_rule("IV403", W, X, "held student reported",
      "保留: {name}（{reason}）", "Held: {name} ({reason})", (P33, P35),
      "The pipeline held this pupil and reported it; nothing was applied for them.",
      "The board must fix the data in c4th (external name, password file) and re-run.")

# --- IV5xx launches -----------------------------------------------------------------------
T = "launch"
_rule("IV501", E, T, "launch failed",
      "{tool} への起動に失敗しました: {reason}", "The launch into {tool} failed: {reason}",
      (DESIGN, LTI), "The full OIDC flow from lgate's /launch did not reach the tool's "
      "launch page with success.", "The pupil cannot open the tool.")
_rule("IV502", E, T, "launch not verified by the tool",
      "{tool} が起動を検証できませんでした: {reason}",
      "{tool} did not verify the launch: {reason}", (LTI,),
      "The tool recorded the launch as not verified (failed LTI checks).",
      "A conformant platform's launch always verifies.")
_rule("IV503", E, T, "launch carries the wrong person, class or role",
      "{tool} への起動の {claim} が違います: 期待 {expected}、実際 {found}",
      "The launch into {tool} carries the wrong {claim}: expected {expected}, found {found}",
      (DESIGN, LTI), "sub, context (homeroom class), roles, grade or school in the launch the "
      "tool recorded differ from c4th's.", "The tool would show another child's work.")
_rule("IV504", E, T, "no licence",
      "{tool} でライセンスが付与されていません（{grade}）",
      "{tool} granted no licence ({grade})", ("つくば市実証 §3.4",),
      "A textbook tool recorded the launch without the licence for the pupil's grade.",
      "The pupil sees no textbook.")
_rule("IV505", W, T, "launch refused by the tool",
      "{tool} が起動を拒否しました: {reason}", "{tool} refused the launch: {reason}", (LTI,),
      "The tool refused the launch and said why; reported with the tool's reason.",
      "Expected in the rejection scenario; otherwise it is also an IV501.")

INVARIANT_RULES: tuple[str, ...] = tuple(r.id for r in REGISTRY if r.id.startswith("IV"))
STEP_RULES: tuple[str, ...] = tuple(r.id for r in REGISTRY if r.id.startswith("SC"))
