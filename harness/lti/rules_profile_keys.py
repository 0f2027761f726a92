"""LT5xx (the jp-eportal profile, 学習eポータル標準モデル) and LT6xx (key sets): declared on the one
LTI :data:`~harness.lti.rules.REGISTRY`, after LT1xx-LT4xx (see ``rules.py``)."""

# ruff: noqa: E501  (a rule table, as rules.py: long message strings stay on one line)
from __future__ import annotations

from harness.core import RuleRegistry
from harness.lti.rule_refs import JP_EPORTAL, JPEP, SEC, E, I, W


def declare_into(registry: RuleRegistry) -> None:
    """Declare this table's rules on ``registry`` (called once, by ``rules.py``)."""
    _rule = registry.declare
    # --- LT5xx jp-eportal profile (学習eポータル標準モデル) -----------------------------
    J = "jp-eportal"
    JPO = (JP_EPORTAL,)
    _rule("LT501", W, J, "sub not a UUID v4",
          "sub は UUID v4 であるべきです（実際: {value}）", "sub should be a UUID v4 (found: {value})",
          (JPEP, "2022 national pilot tools"), "Tools of the 2022 pilot key users by a UUID v4 sub.",
          "A login id as sub changes when the id changes (sub = users.userMasterIdentifier).",
          "taro.yamada", JPO)
    _rule("LT502", W, J, "tool_platform.guid not a UUID v4",
          "tool_platform.guid は UUID v4 であるべきです（実際: {value}）",
          "tool_platform.guid should be a UUID v4 (found: {value})", (JPEP,),
          "The e-portal instance is identified by a UUID v4.", "Tools tell e-portals apart by it.",
          "lgate", JPO)
    _rule("LT503", W, J, "custom.grade not a JP grade code",
          "custom.grade は P1〜P6, J1〜J3, H1〜H3 のいずれかであるべきです（実際: {value}）",
          "custom.grade should be one of P1-P6, J1-J3, H1-H3 (found: {value})", (JPEP, "OneRoster Japan Profile grades"),
          "The grade (学年 gakunen) uses the Japan profile grade codes.", "Drill apps pick content by grade.",
          "小3", JPO)
    _rule("LT504", W, J, "custom.classname missing",
          "custom.classname（主たる学級名）がありません", "custom.classname (the main class) is missing", (JPEP,),
          "The main class (学級 gakkyū) name travels in custom.classname.", "Tools show and group by it.",
          "", JPO)
    _rule("LT505", W, J, "roles empty",
          "roles が空です", "roles is empty", (JPEP,),
          "Japanese tools expect at least one LIS role (児童生徒 student → Learner, 教員 teacher → Instructor).",
          "An empty role set is treated as no access.", "[]", JPO)

    # --- LT6xx key sets (JWKS) ------------------------------------------------------
    K = "keys"
    _rule("LT600", E, K, "JWKS key without kid",
          "JWKS の鍵に kid がありません", "A JWKS key has no kid", (f"{SEC} §6.3",),
          "Every published key carries a kid.", "Verifiers select keys by kid.")
    _rule("LT601", E, K, "duplicate kid in JWKS",
          "JWKS に kid {value} が複数あります", "The JWKS holds kid {value} more than once", (f"{SEC} §6.3",),
          "A kid is never reused for another key.", "A verifier might pick the wrong key.")
    _rule("LT602", I, K, "JWKS without caching header",
          "JWKS 応答に Cache-Control max-age がありません", "The JWKS response has no Cache-Control max-age",
          (f"{SEC} §6.3",), "max-age tells verifiers how long to cache the key set.",
          "Without it verifiers guess, often too long.")
    _rule("LT603", E, K, "private key material in JWKS",
          "JWKS に秘密鍵の要素があります（kid {value}）", "The JWKS exposes private key material (kid {value})",
          (f"{SEC} §6.3", "RFC 7517 §9.1"), "A public key set must not contain d, p, q, dp, dq or qi.",
          "Publishing them gives away the signing key.")
    _rule("LT604", E, K, "JWKS key unusable",
          "JWKS の鍵 {value} は RS256 用の RSA 公開鍵ではありません",
          "JWKS key {value} is not an RSA public key for RS256", (f"{SEC} §6.1",),
          "LTI keys are RSA keys used with RS256.", "Verifiers cannot use other key types.")
