"""What the three LTI tool mocks share (interactive_study, tsubasa_book, mirai_school).

- :mod:`~mocks.lti_tool.config`: the platform registration from config (defaults from
  ``PEERS["lgate"]``), the JWKS fetcher over the mock's HTTP session, the tool's keys;
- :mod:`~mocks.lti_tool.views`: the ``/lti/login``, ``/lti/launch``, ``/lti/jwks`` blueprint
  on :class:`harness.lti.tool.Tool`, with ``REJECT_LAUNCHES`` and the ``reject_launch`` fault;
  :class:`~mocks.lti_tool.views.ToolInfo` is a tool mock's identity and its ``init_app`` hook;
- :mod:`~mocks.lti_tool.admin`: ``/_admin/reject-launches`` and the tool's part of the state;
- :mod:`~mocks.lti_tool.spec`: :func:`~mocks.lti_tool.spec.tool_spec`, a tool mock's MockSpec;
- :mod:`~mocks.lti_tool.openapi`: the LTI paths of every tool's OpenAPI document;
- :mod:`~mocks.lti_tool.launches`: the launch log (verification result, rule ids, reason);
- :mod:`~mocks.lti_tool.textbook`: the textbook tools' grades and licences (ライセンス付与).

May import ``harness`` and ``mocks.base`` only.
"""

from mocks.lti_tool.config import ToolConfigError, platform_registration
from mocks.lti_tool.launches import LAUNCHES_SQL, LaunchRecord, list_launches, record_launch
from mocks.lti_tool.spec import tool_spec
from mocks.lti_tool.views import REJECT_FAULT, TOOL_DEFAULTS, Decision, ToolContext, ToolInfo

__all__ = [
    "LAUNCHES_SQL", "REJECT_FAULT", "TOOL_DEFAULTS", "Decision", "LaunchRecord", "ToolConfigError",
    "ToolContext", "ToolInfo", "list_launches", "platform_registration", "record_launch",
    "tool_spec",
]
