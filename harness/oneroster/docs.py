"""``docs/rules.md``: the OneRoster rule catalogue as a page, generated from the registry."""

from __future__ import annotations

from harness.core.docs import registry_markdown
from harness.oneroster.rules import REGISTRY

INTRO = (
    "Every check `renkei check oneroster` makes. Ids never change meaning; `renkei check "
    "oneroster --list-rules --format json` prints the same catalogue. Families: OR1xx "
    "packaging, manifest and text; OR2xx headers; OR3xx values; OR4xx references; OR5xx Japan "
    "profiles; OR6xx across files; OR7xx importer practice — field practice of strict Japanese "
    "e-portal importers, not the spec (WARN)."
)
FAMILY_TITLES = {"importer practice": "importer practice (field practice, not the spec)"}


def rules_markdown() -> str:
    return registry_markdown(REGISTRY, "OneRoster rules", INTRO, FAMILY_TITLES)


if __name__ == "__main__":  # python -m harness.oneroster.docs > docs/rules.md
    import sys

    sys.stdout.write(rules_markdown())
