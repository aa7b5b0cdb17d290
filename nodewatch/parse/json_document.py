"""Reading a JSON document that came from outside nodewatch: a paste, a saved output, a snapshot."""

from __future__ import annotations

import json
from typing import Any


def load_json(text: str) -> Any:
    """Given a JSON text, return its data. Raise json.JSONDecodeError when it is not JSON, and
    also when it nests deeper than Python can follow (100,000 `[`: json.loads would raise
    RecursionError), so every reader says "not JSON" for both, never a traceback."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
