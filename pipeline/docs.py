"""``docs/pipeline-rules.md``: the pipeline's ``PL`` catalogue as a page, from the registry."""

from __future__ import annotations

from harness.core.docs import registry_markdown
from pipeline.rules import REGISTRY

INTRO = (
    "Every decision the integration pipeline takes carries one of these ids, in the plan, the "
    "run report and the run log. Ids never change meaning. Families: PL1xx collect and "
    "validate; PL2xx preprocess (前処理); PL3xx reconcile; PL4xx initial link (名寄せ); PL5xx "
    "runs. `spec` names the section of the Tsukuba pilot report (つくば市実証 成果報告書) or "
    "DESIGN.md the rule comes from. See docs/pipeline.md for how the pipeline decides."
)
FAMILIES = {
    "collect": "PL1xx collect and validate",
    "preprocess": "PL2xx preprocess (前処理)",
    "reconcile": "PL3xx reconcile",
    "link": "PL4xx initial link (名寄せ)",
    "run": "PL5xx runs and state",
}


def rules_markdown() -> str:
    return registry_markdown(REGISTRY, "Pipeline rules (PL)", INTRO, FAMILIES)


if __name__ == "__main__":  # python -m pipeline.docs > docs/pipeline-rules.md
    import sys

    sys.stdout.write(rules_markdown())
