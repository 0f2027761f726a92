"""``docs/rules.md`` and ``docs/consumer-rules.md``: the OneRoster rule catalogue and the
consumer certification's outcomes as pages, generated from their registries."""

from __future__ import annotations

from harness.core.docs import registry_markdown
from harness.oneroster import consumer_rules
from harness.oneroster.rules import REGISTRY

INTRO = (
    "Every check `renkei check oneroster` makes. Ids never change meaning; `renkei check "
    "oneroster --list-rules --format json` prints the same catalogue. Families: OR1xx "
    "packaging, manifest and text; OR2xx headers; OR3xx values; OR4xx references; OR5xx Japan "
    "profiles; OR6xx across files; OR7xx importer practice — field practice of strict Japanese "
    "e-portal importers, not the spec (WARN). Certifying an importer (`renkei certify "
    "oneroster-consumer`) judges its answers with the OC7xx rules of "
    "[consumer-rules.md](consumer-rules.md)."
)
CONSUMER_INTRO = (
    "How `renkei certify oneroster-consumer` judges an importer's answer to each bundle of the "
    "conformance test set: a valid bundle must be accepted and one with an ERROR-level defect "
    "(an [OR rule](rules.md) of severity ERROR) rejected. Ids never change meaning. "
    "`python -m harness.oneroster.docs consumer > docs/consumer-rules.md` regenerates this page."
)
FAMILY_TITLES = {"importer practice": "importer practice (field practice, not the spec)"}


def rules_markdown() -> str:
    return registry_markdown(REGISTRY, "OneRoster rules", INTRO, FAMILY_TITLES)


def consumer_rules_markdown() -> str:
    return registry_markdown(consumer_rules.REGISTRY, "OneRoster consumer certification rules (OC)",
                             CONSUMER_INTRO)


if __name__ == "__main__":  # python -m harness.oneroster.docs [consumer] > docs/….md
    import sys

    sys.stdout.write(consumer_rules_markdown() if sys.argv[1:] == ["consumer"]
                     else rules_markdown())
