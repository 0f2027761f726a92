"""Generate ``docs/lti-rules.md`` from the rule registry (the one source of truth)."""

from __future__ import annotations

from harness.lti.rules import REGISTRY

FAMILY_TITLES = {
    "security": "LT1xx — security and JWT", "message": "LT2xx — message claims",
    "services": "LT3xx — services (token, NRPS, AGS)",
    "login": "LT4xx — OIDC login and authentication request",
    "jp-eportal": "LT5xx — jp-eportal profile (学習eポータル標準モデル)",
    "keys": "LT6xx — key sets (JWKS)", "certification": "LT7xx — certification outcomes",
}


def rules_markdown() -> str:
    """The rule catalogue as Markdown, grouped by family in declaration order."""
    lines = ["# LTI rules (LT)", "",
             "Generated from `harness/lti/rules.py` by `harness.lti.docs.rules_markdown()`; "
             "do not edit by hand.", "",
             f"{len(REGISTRY)} rules. Profiles: `core` (default) and `jp-eportal` "
             "(adds the LT5xx WARN checks).", ""]
    for family in REGISTRY.families():
        lines += [f"## {FAMILY_TITLES.get(family, family)}", ""]
        for r in (r for r in REGISTRY if r.family == family):
            removed = " (removed)" if r.removed else ""
            lines += [f"### {r.id} {r.title}{removed}", "",
                      f"- severity: {r.severity}",
                      f"- spec: {'; '.join(r.spec)}",
                      f"- message (en): {r.message_en}",
                      f"- message (ja): {r.message_ja}"]
            if r.profiles:
                lines.append(f"- profiles: {', '.join(r.profiles)}")
            lines += ["", f"What: {r.what}", "", f"Why: {r.why}", ""]
            if r.example:
                lines += [f"Example: `{r.example}`", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(rules_markdown())
