"""JSON text of a mock's stored values, as ``json.dumps(value, ensure_ascii=False)`` writes it.

``json.dumps`` builds a new encoder on every call given any option; :func:`json_text` keeps
one (a launch stores a few such values: its roles, the licence it was granted).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

#: ``json.dumps(value, ensure_ascii=False)``
json_text: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False).encode
