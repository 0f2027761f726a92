"""``docs/rules.md``: the OneRoster rule catalogue as a page, generated from the registry."""

from __future__ import annotations

from harness.core.docs import registry_markdown
from harness.oneroster.rules import REGISTRY

INTRO = (
    "Every check `renkei check oneroster` makes. Ids never change meaning; `renkei check "
    "oneroster --list-rules --format json` prints the same catalogue. Families: OR1xx "
    "packaging, manifest and text; OR2xx headers; OR3xx values; OR4xx references; OR5xx Japan "
    "profiles; OR6xx across files."
)


def rules_markdown() -> str:
    return registry_markdown(REGISTRY, "OneRoster rules", INTRO)


if __name__ == "__main__":  # python -m harness.oneroster.docs > docs/rules.md
    import sys

    sys.stdout.write(rules_markdown())
