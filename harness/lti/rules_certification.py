"""LT7xx: the outcomes of ``renkei certify lti-tool`` / ``lti-platform``, declared on the one
LTI :data:`~harness.lti.rules.REGISTRY` (kept apart so ``rules.py`` stays readable)."""

# ruff: noqa: E501  (a rule table, as rules.py: long message strings stay on one line)
from __future__ import annotations

from harness.core import RuleRegistry
from harness.lti.rule_refs import AGS, CERT, DL, NRPS, OIDC, SEC, E, W


def declare_into(registry: RuleRegistry) -> None:
    """Declare this table's rules on ``registry`` (called once, by ``rules.py``)."""
    _rule = registry.declare
    # --- LT7xx certification outcomes (renkei certify) ---------------------------------
    X = "certification"
    _rule("LT700", E, X, "valid launch rejected",
          "ツールが正しい起動 {file} を拒否しました（{reason}）",
          "The tool rejected the valid launch {file} ({reason})", (CERT,),
          "A launch the certification guide says every tool must accept was refused.",
          "Real platforms send such launches (no PII, unknown roles, no context) every day.")
    _rule("LT701", E, X, "invalid launch accepted",
          "ツールが不正な起動 {file} を受け入れました（{expected} を拒否すべき）: {value}",
          "The tool accepted the invalid launch {file} (should reject by {expected}): {value}",
          (CERT, f"{SEC} §5.1.3"),
          "A launch the tool must refuse opened a session.",
          "Each such case is a way to forge or replay a launch.")
    _rule("LT702", E, X, "no message received",
          "待ち時間 {value} 秒の間にプラットフォームからメッセージが届きませんでした",
          "No message arrived from the platform within {value} s", (CERT,),
          "Certifying a platform needs at least one launch from it.",
          "Nothing was checked; register the printed URLs and launch, or raise --timeout.")
    _rule("LT703", E, X, "launch never reached the tool",
          "起動 {file} はツールの起動エンドポイントに届きませんでした（{reason}）",
          "The launch {file} never reached the tool's launch endpoint ({reason})", (CERT,),
          "The browser stopped before posting the id_token: a login page renkei cannot get "
          "through, or an error page.",
          "Nothing was tested by this case; it is neither a pass nor a rejection.")
    _rule("LT704", E, X, "bad Deep Linking response accepted",
          "プラットフォームが不正な Deep Linking 応答 {file} を受け入れました: {value}",
          "The platform accepted the bad Deep Linking response {file}: {value}", (DL, f"{SEC} §5.2"),
          "A Deep Linking response with a bad signature, a wrong aud or replayed was taken.",
          "Anyone could then place content items in a course.")
    _rule("LT705", E, X, "good Deep Linking response rejected",
          "プラットフォームが正しい Deep Linking 応答 {file} を拒否しました（{reason}）",
          "The platform rejected the valid Deep Linking response {file} ({reason})", (DL,),
          "A correctly signed response answering the platform's own request was refused.",
          "Teachers cannot add the tool's content.")
    _rule("LT706", W, X, "Deep Linking not tested",
          "Deep Linking 要求を受け付けられなかったため、Deep Linking は検査していません",
          "Deep Linking not tested: no Deep Linking request was accepted, so the platform's "
          "handling of responses was not tested", (DL,),
          "Certifying Deep Linking needs one accepted LtiDeepLinkingRequest from the platform.",
          "Set deep_link_url in platform.toml, or launch renkei once as a Deep Linking tool "
          "(content selection), to run these cases.")
    _rule("LT707", E, X, "tampered authentication request got an id_token",
          "改ざんした認証要求 {file} に id_token が発行されました（送信先: {value}）",
          "The tampered authentication request {file} got an id_token (sent to: {value})",
          (f"{SEC} §5.1.1.2", f"{OIDC} §3.1.2.2"),
          "renkei, as the tool, changed one parameter of a real authentication request; the "
          "platform should have refused it.", "Each such case is a way to steal or replay a launch.")
    _rule("LT708", W, X, "cases not run",
          "{value} 件の検査を実行していません（{reason}）",
          "{value} case(s) were not run ({reason})", (CERT,),
          "Some certification cases need something the run did not have: a launch trigger, "
          "a Deep Linking request, services in the launch.",
          "What was not run was not tested; the report lists each such case.")
    _rule("LT709", E, X, "service misuse not refused",
          "プラットフォームが不正なサービス要求 {file} を受け付けました: {value}",
          "The platform accepted the bad service request {file}: {value}",
          (f"{SEC} §4.1.1", f"{NRPS} §2", f"{AGS} §3"),
          "A token request with a bad client assertion, or a token used outside its scope or "
          "context, was answered with success.", "Anyone holding one token could reach every roster.")
