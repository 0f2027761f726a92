"""The one Jinja2 environment every HTML page renders through.

Shared pieces live in ``harness/report/templates/``: ``base.html`` (the page frame: the CSS,
the ja/en toggle, print rules) and ``macros.html`` (bilingual text, status badges). SVG charts
come from :mod:`harness.report.charts` as the globals ``bar_chart``, ``line_chart`` and
``timeline_chart``. A page
names its template as ``"<package>/<file>"``; the file is read from that package's
``templates/`` folder, so a page's template sits beside its code and a non-editable install
carries it (pyproject's package-data). Autoescaping is on for every template.

Bilingual markup: ``<span class="ja">…</span><span class="en">…</span>``; the page shows
Japanese first and the toggle (or ``?lang=en`` in the address) switches every label.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from jinja2 import BaseLoader, Environment, TemplateNotFound, select_autoescape
from markupsafe import Markup

from harness.report.charts import bar_chart, line_chart, timeline_chart


class PackageTemplates(BaseLoader):
    """Loads ``"pkg.name/file.html"`` from ``pkg/name/templates/file.html``; a bare name is
    looked up in ``harness.report``'s own templates."""

    def get_source(self, environment: Environment, template: str
                   ) -> tuple[str, str | None, Any]:
        package, _, name = template.rpartition("/")
        package = package or "harness.report"
        try:
            path = resources.files(package).joinpath("templates", name)
            source = path.read_text("utf-8")
        except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
            raise TemplateNotFound(template) from None
        return source, str(path), lambda: True


def _svg(fn: Any) -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Markup:
        return Markup(fn(*args, **kwargs))  # the chart escapes every text it draws
    return wrapped


ENV = Environment(loader=PackageTemplates(), autoescape=select_autoescape(
    default=True, default_for_string=True), trim_blocks=True, lstrip_blocks=True)
ENV.globals.update(bar_chart=_svg(bar_chart), line_chart=_svg(line_chart),
                   timeline_chart=_svg(timeline_chart))


def render_page(template: str, **context: Any) -> str:
    """Render the page ``template`` (``"package/file.html"``) with ``context``."""
    return ENV.get_template(template).render(**context)


__all__ = ["ENV", "render_page"]
