"""Generate ``docs/lti-rules.md`` from the rule registry (the one source of truth)."""

from __future__ import annotations

from harness.core.docs import registry_markdown
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
    intro = (f"{len(REGISTRY)} rules. Profiles: `core` (default) and `jp-eportal` (adds the "
             "LT5xx WARN checks). `python -m harness.lti.docs > docs/lti-rules.md` regenerates "
             "this page.")
    return registry_markdown(REGISTRY, "LTI rules (LT)", intro, FAMILY_TITLES)


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(rules_markdown())
