"""The LTI rule catalogue: every check renkei makes on an LTI 1.3 exchange, declared once.

Ids are grouped by hundreds and never change meaning:
``LT1xx`` security and JWT (signature, keys, iss/aud, time, nonce, state);
``LT2xx`` message claims (LtiResourceLinkRequest, Deep Linking);
``LT3xx`` services (token endpoint, NRPS, AGS);
``LT4xx`` the OIDC login and authentication request (platform side);
``LT5xx`` the jp-eportal profile (学習eポータル標準モデル), WARN by default;
``LT6xx`` key sets (JWKS).
Messages in Japanese and English share one set of fields.
"""

from __future__ import annotations

from harness.core import RuleRegistry
from harness.lti import rules_certification, rules_profile_keys
from harness.lti.rule_refs import (  # noqa: F401  (re-exported: the table's vocabulary)
    AGS,
    CERT,
    CORE,
    DL,
    JP_EPORTAL,
    JPEP,
    NRPS,
    OIDC,
    PROFILES,
    SEC,
    E,
    I,
    W,
)

REGISTRY = RuleRegistry("lti")


_rule = REGISTRY.declare


# --- LT1xx security and JWT -----------------------------------------------------------------
S = "security"
_rule("LT100", E, S, "not a JWT",
      "id_token が JWT として読めません: {reason}", "The id_token is not a readable JWT: {reason}",
      (f"{SEC} §5.1.3", f"{CERT} (not an LTI 1.3 JWT)"),
      "The token is not three base64url parts holding JSON objects.",
      "Nothing else can be checked; the tool must answer 401.", "abc.def")
_rule("LT101", E, S, "algorithm not RS256",
      "署名アルゴリズムは RS256 でなければなりません（実際: {value}）",
      "The signing algorithm must be RS256 (found: {value})", (f"{SEC} §5.1.3 (6)", f"{SEC} §6.1"),
      "The JOSE header alg is none, a symmetric algorithm or another RSA variant.",
      "alg=none or HS256 with the public key as secret lets anyone forge launches.", "HS256")
_rule("LT102", E, S, "kid missing",
      "JWT ヘッダーに kid がありません", "The JWT header has no kid", (f"{SEC} §6.3", f"{CERT} (no kid)"),
      "Every message JWT names its signing key by kid, even when the platform has one key.",
      "Without kid a tool cannot pick the key, and rotation breaks.")
_rule("LT103", E, S, "kid unknown",
      "kid {value} の鍵がプラットフォームの JWKS にありません",
      "No key with kid {value} in the platform's JWKS", (f"{SEC} §6.3", f"{CERT} (wrong kid)"),
      "The kid is not in the key set, even after re-fetching it.",
      "Either a forged token or a JWKS the tool never refreshes.", "kid=rotated-2")
_rule("LT104", W, S, "key hint in header",
      "メッセージ JWT のヘッダーに {value} があります（使用しないこと）",
      "The message JWT header carries {value} (should not)", (f"{SEC} §5.1.3",),
      "x5u, x5c, jku and jwk let a token point at its own key.",
      "A verifier that trusts them accepts self-signed forgeries.", "jku")
_rule("LT105", E, S, "signature invalid",
      "署名を検証できません: {reason}", "The signature does not verify: {reason}", (f"{SEC} §5.1.3 (1)",),
      "The JWS signature does not match the key named by kid.",
      "The message was altered or signed by someone else.")
_rule("LT106", E, S, "iss not trusted",
      "iss {value} は登録されたプラットフォームの issuer ではありません（期待: {expected}）",
      "iss {value} is not the registered platform issuer (expected: {expected})",
      (f"{SEC} §5.1.3 (2)",), "iss must equal the registered issuer exactly.",
      "A token from another platform must not open a session here.")
_rule("LT107", E, S, "aud lacks client_id",
      "aud {value} に client_id {expected} が含まれていません",
      "aud {value} does not contain the client_id {expected}", (f"{SEC} §5.1.3 (3)",),
      "aud (a string or an array) must contain the tool's client_id.",
      "A token minted for another tool must be rejected.")
_rule("LT108", E, S, "untrusted audience",
      "aud に信頼できない値があります: {value}", "aud holds untrusted audiences: {value}",
      (f"{SEC} §5.1.3 (3)", f"{OIDC} §3.1.3.7"),
      "aud is an array with values other than the client_id and no azp names this tool.",
      "The token is also valid for someone else who may replay it here.")
_rule("LT109", E, S, "azp wrong",
      "azp {value} が client_id {expected} と一致しません",
      "azp {value} does not equal the client_id {expected}", (f"{SEC} §5.1.3 (4-5)",),
      "When present, azp must be the tool's client_id.", "The token was issued to another party.")
_rule("LT110", E, S, "expired",
      "id_token の有効期限が切れています（exp {value}, 現在 {now}）",
      "The id_token has expired (exp {value}, now {now})", (f"{SEC} §5.1.3 (7)", f"{CERT} (bad timestamps)"),
      "now must be before exp, give or take the configured leeway.", "Old tokens can be replayed.")
_rule("LT111", E, S, "iat in the future",
      "iat {value} が未来の時刻です（現在 {now}）", "iat {value} is in the future (now {now})",
      (f"{SEC} §5.1.3 (8)", f"{CERT} (bad timestamps)"),
      "iat later than now plus the leeway.", "Shows a forged token or badly skewed clocks.")
_rule("LT112", E, S, "iat too old",
      "iat {value} が古すぎます（最大 {max_age} 秒）", "iat {value} is too old (at most {max_age} s)",
      (f"{SEC} §5.1.3 (8)",), "The token was issued longer ago than the tool accepts.",
      "Limits the replay window even for long-lived exp values.")
_rule("LT113", E, S, "nonce missing",
      "nonce がありません", "The nonce claim is missing", (f"{SEC} §5.1.3 (9)",),
      "Every id_token carries the nonce of its authentication request.", "It is the replay guard.")
_rule("LT114", E, S, "nonce replayed",
      "nonce {value} は未知か使用済みです", "nonce {value} is unknown or already used",
      (f"{SEC} §5.1.3 (9)",), "The nonce was not issued by this tool or was already consumed.",
      "A replayed token would open a second session.")
_rule("LT115", E, S, "state mismatch",
      "state がブラウザのセッションと一致しません", "state does not match the browser session",
      (f"{SEC} §5.1.1.3", f"{OIDC} §3.1.2.7"),
      "The state posted back is not the one stored when the login started.",
      "Guards against login CSRF; often a lost third-party cookie in an iframe ('State not found').")
_rule("LT116", E, S, "timestamps missing",
      "{claim} がないか数値ではありません（実際: {value}）",
      "{claim} is missing or not a number (found: {value})", (f"{SEC} §5.1.2", f"{CERT} (bad timestamps)"),
      "exp and iat are required NumericDate values.", "Without them no lifetime can be enforced.")
_rule("LT117", E, S, "login iss differs",
      "ログイン開始の iss {expected} と id_token の iss {value} が異なります",
      "The login iss {expected} differs from the id_token iss {value}", (f"{SEC} §5.1.1.1",),
      "The issuer that started the login must be the one that signs the token.",
      "Mixing issuers lets one platform ride on another's session.")
_rule("LT118", E, S, "key set unavailable",
      "プラットフォームの JWKS を取得できません: {reason}",
      "The platform's JWKS cannot be fetched: {reason}", (f"{SEC} §6.3",),
      "The key set URL did not answer with a JSON key set.", "No signature can be verified.")
_rule("LT119", W, S, "iss not an https URL",
      "iss は クエリ・フラグメントのない https URL であるべきです（実際: {value}）",
      "iss should be an https URL without query or fragment (found: {value})", (f"{SEC} §5.1.2",),
      "The issuer identifier is a case-sensitive https URL.", "Some tools refuse http issuers.")
_rule("LT120", E, S, "not yet valid (nbf)",
      "nbf {value} が未来の時刻です（現在 {now}）", "nbf {value} is in the future (now {now})",
      ("RFC 7519 §4.1.5", f"{SEC} §5.1.3"),
      "The token carries nbf (not before) later than now plus the leeway.",
      "A token not yet valid must not open a session; it is often pre-minted for later replay.")
_rule("LT121", E, S, "id_token too large",
      "id_token が大きすぎます（{value} バイト、上限 {limit}）",
      "The id_token is too large ({value} bytes, at most {limit})", (f"{SEC} §5.1.3",),
      "The token is larger than any real launch needs.",
      "Decoding and verifying huge tokens is a cheap denial of service.")

# --- LT2xx message claims -------------------------------------------------------------------
M = "message"
_rule("LT200", E, M, "message_type missing",
      "message_type クレームがありません", "The message_type claim is missing",
      (f"{CORE} §5.3.1", f"{CERT} (message_type missing)"),
      "Every LTI message names its type.", "A tool cannot know what to do with it.")
_rule("LT201", E, M, "message_type unexpected",
      "message_type {value} はここでは受け付けません（期待: {expected}）",
      "message_type {value} is not accepted here (expected: {expected})", (f"{CORE} §5.3.1",),
      "The type is unknown or not the one this endpoint handles.",
      "A Deep Linking request treated as a launch skips its checks.")
_rule("LT202", E, M, "version missing",
      "version クレームがありません", "The version claim is missing",
      (f"{CORE} §5.3.2", f"{CERT} (no LTI version)"), "The LTI version claim is required.",
      "Without it the message may be LTI 1.1 or something else.")
_rule("LT203", E, M, "version not 1.3.0",
      "version は 1.3.0 でなければなりません（実際: {value}）",
      "version must be 1.3.0 (found: {value})", (f"{CORE} §5.3.2", f"{CERT} (wrong LTI version)"),
      "The version claim must be the string 1.3.0.", "Other versions have other rules.")
_rule("LT204", E, M, "deployment_id missing",
      "deployment_id クレームがありません", "The deployment_id claim is missing",
      (f"{CORE} §5.3.3", f"{CERT} (deployment_id missing)"),
      "Every launch names its deployment.", "Licences and data are scoped by deployment.")
_rule("LT205", E, M, "deployment unknown",
      "deployment_id {value} はこの issuer と client_id に登録されていません",
      "deployment_id {value} is not registered for this issuer and client_id", (f"{CORE} §5.3.3",),
      "The deployment id is not one the tool knows for (iss, client_id).",
      "An unknown deployment is an unlicensed or foreign installation.")
_rule("LT206", E, M, "deployment_id differs from login",
      "deployment_id {value} がログイン開始の lti_deployment_id {expected} と異なります",
      "deployment_id {value} differs from the login's lti_deployment_id {expected}",
      (f"{SEC} §5.1.1.1", f"{CORE} §5.3.3"),
      "lti_deployment_id sent at login must equal the claim.", "The message was swapped in flight.")
_rule("LT207", E, M, "target_link_uri missing",
      "target_link_uri クレームがありません", "The target_link_uri claim is missing", (f"{CORE} §5.3.4",),
      "Resource link launches carry the target link URI.", "The tool cannot tell where to go.")
_rule("LT208", E, M, "target_link_uri differs from login",
      "target_link_uri {value} がログイン開始の値 {expected} と異なります",
      "target_link_uri {value} differs from the login value {expected}", (f"{SEC} §5.1.1.1", f"{CORE} §5.3.4"),
      "The claim must equal the target_link_uri of the login initiation.",
      "An open redirect into the tool otherwise.")
_rule("LT209", E, M, "resource_link id missing",
      "resource_link クレームまたはその id がありません", "The resource_link claim or its id is missing",
      (f"{CORE} §5.3.5", f"{CERT} (resource_link id missing)"),
      "resource_link.id is required in an LtiResourceLinkRequest.", "Grades and state key on it.")
_rule("LT210", E, M, "roles missing",
      "roles クレームがありません", "The roles claim is missing", (f"{CORE} §5.3.7", f"{CERT} (roles missing)"),
      "The roles claim is required; it may be an empty array.", "Access decisions depend on it.")
_rule("LT211", E, M, "roles not an array of strings",
      "roles は文字列の配列でなければなりません（実際: {value}）",
      "roles must be an array of strings (found: {value})", (f"{CORE} §5.3.7",),
      "roles is a JSON array of URI strings.", "A string role is read character by character.")
_rule("LT212", W, M, "no LIS role",
      "roles に LIS の役割がありません: {value}", "roles holds no LIS role: {value}", (f"{CORE} §5.3.7", f"{CORE} §A.2"),
      "A non-empty roles array should hold at least one LIS v2 role URI.",
      "Tools map LIS roles to rights; a launch with only unknown roles gets none.")
_rule("LT213", I, M, "short role name",
      "短縮形の役割名は非推奨です: {value}", "Simple role names are deprecated: {value}",
      (f"{CORE} §A.2.3.1",), "A role given as a simple name instead of a full URI.",
      "Accepted, but full URIs are unambiguous.", "Instructor")
_rule("LT214", E, M, "sub missing",
      "sub クレームがありません（Deep Linking 要求では必須）",
      "The sub claim is missing (required in a Deep Linking request)",
      (f"{CORE} §5.3.6", f"{CORE} §5.3.6.1", f"{CERT} (sub missing)"),
      "An LtiDeepLinkingRequest always carries the user's stable id. An LtiResourceLinkRequest "
      "without sub is an anonymous launch (§5.3.6.1): a platform may send one, so certifying a "
      "platform does not report it; a tool that needs the user may still refuse it.",
      "The tool cannot tell who it is.")
_rule("LT215", E, M, "sub malformed",
      "sub は 255 文字以下の ASCII 文字列でなければなりません（実際: {value}）",
      "sub must be an ASCII string of at most 255 characters (found: {value})", (f"{CORE} §5.3.6", f"{OIDC} §2"),
      "sub is a case-sensitive ASCII string up to 255 characters.", "Tools store it as the key.")
_rule("LT216", E, M, "context id missing",
      "context クレームに id がありません", "The context claim has no id", (f"{CORE} §5.4.1",),
      "When present, context.id is required.", "Courses are keyed by it.")
_rule("LT217", E, M, "custom value not a string",
      "custom の {claim} の値が文字列ではありません（実際: {value}）",
      "custom value {claim} is not a string (found: {value})", (f"{CORE} §5.4.6",),
      "custom is a map of string to string; \"\" is allowed, null and numbers are not.",
      "Tools substitute the values into URLs and text.")
_rule("LT218", E, M, "extra whitespace",
      "{claim} の値に前後の空白があります: {value}", "{claim} has leading or trailing whitespace: {value}",
      (f"{CERT} (free of extra whitespace)",),
      "Identifiers and names must not carry leading or trailing whitespace.",
      "' 123' and '123' are different users to a tool.")
_rule("LT219", W, M, "document_target invalid",
      "launch_presentation.document_target {value} は frame/iframe/window のいずれかであるべきです",
      "launch_presentation.document_target {value} should be frame, iframe or window", (f"{CORE} §5.4.4",),
      "document_target has three values.", "Tools choose their layout from it.")
_rule("LT220", W, M, "role_scope_mentor without Mentor",
      "Mentor の役割がないのに role_scope_mentor があります",
      "role_scope_mentor is present without the Mentor role", (f"{CORE} §5.4.3",),
      "role_scope_mentor is only sent with the Mentor role.", "It grants access to other users' data.")
_rule("LT221", E, M, "tool_platform guid missing",
      "tool_platform クレームに guid がありません", "The tool_platform claim has no guid", (f"{CORE} §5.4.2",),
      "When tool_platform is present its guid is required.", "Identifies the platform instance.")
_rule("LT222", E, M, "deployment_id malformed",
      "deployment_id は 255 文字以下の文字列でなければなりません（実際: {value}）",
      "deployment_id must be a string of at most 255 characters (found: {value})", (f"{CORE} §5.3.3",),
      "deployment_id is a case-sensitive string of at most 255 ASCII characters.", "Tools store it.")
_rule("LT223", E, M, "required claims missing",
      "LTI の必須クレームがありません: {value}", "Required LTI claims are missing: {value}",
      (f"{CORE} §5.3", f"{CERT} (missing LTI claims)"),
      "A JWT that carries none of the LTI claims is not an LTI message.",
      "A plain OIDC id_token must not launch a tool.")
_rule("LT230", E, M, "deep_linking_settings invalid",
      "deep_linking_settings が不完全です: {value}", "deep_linking_settings is incomplete: {value}",
      (f"{DL} §4.4.1",), "deep_link_return_url, accept_types and accept_presentation_document_targets are required.",
      "The tool cannot answer without them.")
_rule("LT231", E, M, "deep linking data not echoed",
      "Deep Linking 応答が data を返していません（期待: {expected}）",
      "The Deep Linking response does not echo data (expected: {expected})", (f"{DL} §4.5.2",),
      "The response returns the request's data value unchanged.", "The platform keys its state on it.")
_rule("LT232", E, M, "deep linking response addressing",
      "Deep Linking 応答の {claim} が不正です（実際: {value}, 期待: {expected}）",
      "Deep Linking response {claim} is wrong (found: {value}, expected: {expected})", (f"{DL} §4.5",),
      "iss is the client_id, aud the platform issuer, message_type LtiDeepLinkingResponse.",
      "Otherwise the platform cannot tell who answered.")
_rule("LT233", E, M, "content_items invalid",
      "content_items が不正です: {value}", "content_items is invalid: {value}", (f"{DL} §4.5.3", f"{DL} §3"),
      "content_items is an array of objects with a type; ltiResourceLink items need no more.",
      "The platform cannot create the links.")
_rule("LT234", E, M, "deep linking response replayed",
      "Deep Linking 応答（nonce {value}）は使用済みです",
      "The Deep Linking response (nonce {value}) was already used",
      (f"{DL} §4.5", f"{SEC} §5.2.2"),
      "A platform receives each LtiDeepLinkingResponse once; the same JWT posted again is "
      "refused.", "A captured response could otherwise add content again and again.")

# --- LT3xx services (token endpoint, NRPS, AGS) --------------------------------------------
V = "services"
_rule("LT300", E, V, "client assertion invalid",
      "クライアントアサーションを検証できません: {reason}", "The client assertion does not verify: {reason}",
      (f"{SEC} §4.1",), "The RS256 JWT assertion must verify against the tool's registered key.",
      "Anyone could obtain tokens otherwise.")
_rule("LT301", E, V, "assertion iss/sub wrong",
      "アサーションの iss と sub は client_id {expected} でなければなりません（実際: {value}）",
      "The assertion's iss and sub must be the client_id {expected} (found: {value})", (f"{SEC} §4.1.1",),
      "iss and sub name the tool by its client_id.", "Identifies who asks for the token.")
_rule("LT302", E, V, "assertion aud wrong",
      "アサーションの aud にトークンエンドポイント {expected} がありません（実際: {value}）",
      "The assertion's aud lacks the token endpoint {expected} (found: {value})", (f"{SEC} §4.1.1",),
      "aud must contain the platform's token endpoint URL (a frequent interop fault).",
      "Stops an assertion made for another server from being used here.")
_rule("LT303", E, V, "assertion jti missing or replayed",
      "アサーションの jti がないか再利用されています: {value}",
      "The assertion's jti is missing or replayed: {value}", (f"{SEC} §4.1.1",),
      "Each assertion carries a unique jti, accepted once.", "A captured assertion must not be reused.")
_rule("LT304", E, V, "assertion lifetime",
      "アサーションの有効期間が不正です: {reason}", "The assertion's lifetime is invalid: {reason}",
      (f"{SEC} §4.1.1",), "iat and exp present, exp in the future and at most a few minutes away.",
      "Long-lived assertions are replayable.")
_rule("LT305", E, V, "token request malformed",
      "トークン要求が不正です: {reason}", "The token request is malformed: {reason}", (f"{SEC} §4.1",),
      "grant_type client_credentials, the jwt-bearer assertion type and an assertion are required.",
      "OAuth 2 error invalid_request / unsupported_grant_type.")
_rule("LT306", E, V, "scope invalid",
      "要求されたスコープは許可されていません: {value}", "The requested scope is not allowed: {value}",
      (f"{SEC} §4.1", "RFC 6749 §5.2"), "Only scopes granted to the registration may be issued.",
      "OAuth 2 error invalid_scope.")
_rule("LT307", E, V, "access token insufficient",
      "アクセストークンがないか、{expected} のスコープがありません",
      "The access token is missing, unknown or lacks the scope {expected}", ("RFC 6750 §3.1", f"{AGS} §3.1"),
      "Each service call needs a bearer token carrying the service's scope.",
      "Scopes keep a grade-writing tool from reading rosters and vice versa.")
_rule("LT308", E, V, "NRPS response invalid",
      "NRPS 応答が不正です: {reason}", "The NRPS response is invalid: {reason}", (f"{NRPS} §2.2",),
      "A membership container with context and members (user_id and roles each).",
      "Tools provision their class lists from it.")
_rule("LT309", E, V, "score timestamp not increasing",
      "スコアの timestamp {value} は前回 {expected} より後でなければなりません",
      "The score timestamp {value} must be after the previous one {expected}", (f"{AGS} §3.4.4",),
      "A platform ignores (or refuses) scores not newer than the last one for that user and line item.",
      "Out-of-order updates would overwrite a newer grade.")
_rule("LT310", E, V, "score progress invalid",
      "スコアの {claim} {value} は定義された値ではありません", "Score {claim} {value} is not a defined value",
      (f"{AGS} §3.4.5-6",), "activityProgress and gradingProgress use fixed vocabularies.",
      "The platform cannot interpret the grade state.")
_rule("LT311", E, V, "NRPS claim invalid",
      "namesroleservice クレームが不正です: {value}", "The namesroleservice claim is invalid: {value}",
      (f"{NRPS} §3.6.1",), "context_memberships_url and service_versions [\"2.0\"] are required.",
      "The tool cannot find the roster.")
_rule("LT312", E, V, "AGS claim invalid",
      "AGS endpoint クレームが不正です: {value}", "The AGS endpoint claim is invalid: {value}",
      (f"{AGS} §3.1",), "scope is an array of AGS scopes; lineitems or lineitem is a URL.",
      "The tool cannot post grades.")
_rule("LT313", E, V, "score incomplete",
      "スコアに必須項目がありません: {value}", "The score lacks required fields: {value}",
      (f"{AGS} §3.4",), "userId, timestamp, activityProgress and gradingProgress are required.",
      "A score without them cannot be recorded.")
_rule("LT314", E, V, "service call failed",
      "サービス呼び出し {claim} が失敗しました: {reason}", "The service call {claim} failed: {reason}",
      (f"{NRPS} §2", f"{AGS} §3"), "A platform service answered an error or nothing.",
      "The certification needs the round trip.")

# --- LT4xx OIDC login and authentication request (platform side) ---------------------------
# Each also names the ``certify lti-platform`` case that sends the tampered request: a platform
# that answers it with an id_token instead of refusing fails that case (see auth_cases.py).
A = "login"
STEP2 = f"{SEC} §5.1.1.2"
AUTHREQ = f"{OIDC} §3.1.2.1"
AUTHVAL = f"{OIDC} §3.1.2.2"
_rule("LT400", E, A, "login initiation incomplete",
      "ログイン開始要求に {value} がありません", "The login initiation lacks {value}", (f"{SEC} §5.1.1.1",),
      "iss, login_hint and target_link_uri are required.", "The tool cannot start the flow.")
_rule("LT401", E, A, "scope not openid",
      "認証要求の scope は openid でなければなりません（実際: {value}）",
      "The authentication request scope must be openid (found: {value})",
      (STEP2, AUTHREQ, AUTHVAL),
      "OIDC error invalid_scope. Case auth_scope_not_openid sends scope=profile.",
      "It is an OpenID Connect request.")
_rule("LT402", E, A, "response_type not id_token",
      "response_type は id_token でなければなりません（実際: {value}）",
      "response_type must be id_token (found: {value})", (STEP2, AUTHREQ, AUTHVAL),
      "OIDC error unsupported_response_type. Case auth_response_type_code sends code.",
      "The implicit flow returns an id_token only.")
_rule("LT403", E, A, "response_mode not form_post",
      "response_mode は form_post でなければなりません（実際: {value}）",
      "response_mode must be form_post (found: {value})", (STEP2, AUTHREQ),
      "OIDC error invalid_request. Case auth_response_mode_query sends query.",
      "Tokens must not travel in URLs.")
_rule("LT404", E, A, "prompt not none",
      "prompt は none でなければなりません（実際: {value}）", "prompt must be none (found: {value})",
      (STEP2, AUTHREQ), "OIDC error invalid_request. Case auth_prompt_login sends prompt=login.",
      "The user is already logged in.")
_rule("LT405", E, A, "client unknown",
      "client_id {value} は登録されていません", "client_id {value} is not registered",
      (STEP2, AUTHVAL), "OIDC error unauthorized_client.", "Only registered tools get tokens.")
_rule("LT406", E, A, "redirect_uri not registered",
      "redirect_uri {value} は登録されていません（リダイレクトしません）",
      "redirect_uri {value} is not registered (no redirect)", (STEP2, AUTHREQ, AUTHVAL),
      "An unregistered redirect_uri gets an error page, never a redirect. Cases "
      "auth_redirect_other_host, auth_redirect_other_path and auth_redirect_markup send one.",
      "Tokens would leak to anyone.")
_rule("LT407", E, A, "nonce missing in request",
      "認証要求に nonce がありません", "The authentication request has no nonce",
      (STEP2, AUTHREQ), "OIDC error invalid_request. Case auth_nonce_missing.",
      "The tool's replay guard needs it.")
_rule("LT408", E, A, "message hint invalid",
      "lti_message_hint が未知か使用済みです", "lti_message_hint is unknown or already used",
      (STEP2, f"{CORE} §4.1.1"), "The hint is single-use and bound to its login. Cases "
      "auth_hint_forged and auth_hint_replayed.",
      "A reused hint would replay a launch. OIDC error invalid_request.")
_rule("LT409", E, A, "login_hint mismatch",
      "login_hint が現在のユーザーと一致しません", "login_hint does not match the current user",
      (STEP2, AUTHREQ), "OIDC error login_required. Cases auth_login_hint_other_user and "
      "auth_login_hint_missing.", "The browser belongs to someone else.")
_rule("LT410", W, A, "state missing",
      "認証要求に state がありません（推奨）", "The authentication request has no state (recommended)",
      (STEP2, AUTHREQ), "state binds the response to the browser.",
      "Without it login CSRF cannot be detected.")
_rule("LT411", E, A, "lti_message_hint not echoed",
      "受け取った lti_message_hint が返されていません", "The received lti_message_hint was not echoed",
      (STEP2, f"{CORE} §4.1.1"), "The tool sends back lti_message_hint unchanged. Case "
      "auth_hint_missing.", "The platform needs it.")
_rule("LT412", E, A, "client_id differs from the login",
      "認証要求の client_id {value} がログイン開始の client_id {expected} と異なります",
      "The authentication request client_id {value} differs from the login's {expected}",
      (STEP2, f"{CORE} §4.1.3", AUTHVAL),
      "The platform started the login for one client; the request names another. Case "
      "auth_client_id_mismatch.", "One tool must not collect another tool's launch.")
_rule("LT413", E, A, "request markup echoed unescaped",
      "認証要求の値のマークアップがエスケープされずにページに出ています: {value}",
      "Markup from the authentication request appears unescaped on the platform's page: {value}",
      (STEP2, "OWASP XSS Prevention (output encoding)"),
      "A value of the request (here redirect_uri) is written into HTML as is. Case "
      "auth_redirect_markup.", "Anyone can run script in the platform's origin with a link.")
_rule("LT414", E, A, "nonce reused",
      "同じ nonce の認証要求に再び id_token が発行されました",
      "An id_token was issued again for a nonce already used", (STEP2, AUTHREQ, f"{SEC} §5.1.3 (9)"),
      "Two authentication requests with the same nonce each got a token. Case auth_nonce_reused.",
      "A nonce is the replay guard; a platform that re-issues it lets a captured login replay.")
_rule("LT415", E, A, "state not echoed as received",
      "state が受け取ったとおりに返されていません（実際: {value}）",
      "state is not returned as received (found: {value})",
      (f"{SEC} §5.1.1.3", f"{OIDC} §3.1.2.5"),
      "The platform returns exactly the state of the request, or none when none was sent. Case "
      "auth_state_missing.", "An invented state defeats the tool's CSRF check.")


def rule_ids() -> list[str]:
    """All rule ids in declaration order."""
    return [r.id for r in REGISTRY]


# LT5xx and LT6xx are declared in rules_profile_keys.py, LT7xx (certification outcomes) in
# rules_certification.py: split to keep each table readable, declared here in id order
rules_profile_keys.declare_into(REGISTRY)
rules_certification.declare_into(REGISTRY)
