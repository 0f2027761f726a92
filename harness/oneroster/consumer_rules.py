"""OC7xx: the outcomes of certifying a OneRoster consumer (an importer), one rule per way an
importer can get a conformance test-set bundle wrong (``renkei certify oneroster-consumer``).

They judge the importer's answer, not a bundle's content, so they live beside the OR
catalogue rather than in it; ``docs/consumer-rules.md`` is generated from this registry.
"""

from __future__ import annotations

from harness.core import RuleRegistry, Severity

#: Outcomes of a consumer certification, OC7xx like the LTI kit's LT7xx.
REGISTRY = RuleRegistry("oneroster-consumer")
_CERT = "1EdTech OneRoster 1.2 CSV Conformance (consumer)"
REGISTRY.declare(
    "OC700", Severity.ERROR, "consumer", "valid bundle rejected",
    "インポーターが正しいバンドル {file} を拒否しました（{reason}）",
    "The importer rejected the valid bundle {file} ({reason})", (_CERT,),
    "A bundle without ERROR-level defects was refused; or one whose defects are only WARN or "
    "INFO (an importer-practice case) crashed the importer: a 5xx answer is not a refusal.",
    "Boards send such bundles every night; refusing them stops the roster.")
REGISTRY.declare(
    "OC701", Severity.ERROR, "consumer", "invalid bundle accepted",
    "インポーターが不正なバンドル {file} を受け入れました（{expected} で拒否すべき）",
    "The importer accepted the invalid bundle {file} (should reject for {expected})", (_CERT,),
    "A bundle with an ERROR-level defect was imported.",
    "Broken data then reaches accounts and classes silently.")
REGISTRY.declare(
    "OC702", Severity.WARN, "consumer", "bundle with warnings rejected",
    "インポーターが警告のみのバンドル {file} を拒否しました（{expected}）",
    "The importer rejected the bundle {file} whose defects are only warnings ({expected})",
    (_CERT,), "The bundle's defects are WARN or INFO level; importing it is allowed. The "
    "importer refused it with an answer (not a 5xx crash, which is OC700).",
    "Stricter than the profile: not a failure, but boards may be refused data they can send.")
REGISTRY.declare(
    "OC703", Severity.ERROR, "consumer", "no answer",
    "インポーターがバンドル {file} に応答しませんでした: {reason}",
    "The importer gave no answer for the bundle {file}: {reason}", (_CERT,),
    "The connection failed or timed out after earlier bundles were answered.",
    "An importer must refuse bad input with an error, not crash or hang on it.")
