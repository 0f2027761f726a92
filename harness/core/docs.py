"""Markdown documentation generated from a rule registry (``docs/rules.md`` and kin)."""

from __future__ import annotations

from harness.core.rules import RuleRegistry


def registry_markdown(
    registry: RuleRegistry, title: str, intro: str = "",
    family_titles: dict[str, str] | None = None,
) -> str:
    """One page listing every rule by family: id, severity, messages, what, why, spec."""
    family_titles = family_titles or {}
    out = [f"# {title}", "", "<!-- generated from the rule registry; do not edit by hand -->", ""]
    if intro:
        out += [intro, ""]
    out += ["| id | severity | family | title |", "|---|---|---|---|"]
    out += [f"| [{r.id}](#{r.id.lower()}) | {r.severity} | {r.family} | {r.title}"
            f"{' (removed)' if r.removed else ''} |" for r in registry]
    for family in registry.families():
        out += ["", f"## {family_titles.get(family, family)}"]
        for r in (r for r in registry if r.family == family):
            out += ["", f'<a id="{r.id.lower()}"></a>', "", f"### {r.id} {r.title}", "",
                    f"**{r.severity}**" + (" — removed" if r.removed else ""), ""]
            out += [f"- en: {r.message_en}", f"- ja: {r.message_ja}"]
            out += [f"- what: {r.what}"]
            if r.why:
                out += [f"- why: {r.why}"]
            if r.example:
                shown = r.example.replace("\r", "\\r").replace("\n", "\\n")
                out += [f"- example: `{shown}`"]
            out += [f"- spec: {'; '.join(r.spec)}"]
            if r.profiles:
                out += [f"- profiles: {', '.join(r.profiles)}"]
    return "\n".join(out) + "\n"
