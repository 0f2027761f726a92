"""Report formatters: one :class:`Report`, many renderings.

Text, JSON, JUnit XML, HTML and the 1EdTech consumer log.

Depends on ``harness.core`` only; kits build a Report and pick a formatter by name.
"""

from harness.report.base import FORMATS, Report, render

__all__ = ["FORMATS", "Report", "render"]
