"""JSON responses rendered by orjson: the large ones (every point of a collection, with
payloads and vectors) are a tenth of the time :mod:`json` takes, so they hold the GIL
for a tenth as long beside the small requests."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import orjson
from fastapi.responses import JSONResponse

from ferrox.vectordb.models import f32_list

__all__ = ["FastJSONResponse"]

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


class FastJSONResponse(JSONResponse):
    """A JSON response as Starlette's, rendered by orjson; what orjson refuses (integers
    beyond 64 bits, which JSON payloads may hold) falls back to :mod:`json`."""

    def render(self, content: Any) -> bytes:
        """The body: compact UTF-8 JSON (orjson writes a NaN or an infinity, which JSON
        cannot hold, as null)."""
        try:
            return orjson.dumps(content, option=_OPTIONS)
        except TypeError:
            return json.dumps(
                content, ensure_ascii=False, separators=(",", ":"), default=_plain
            ).encode("utf-8")


def _plain(value: Any) -> Any:
    """A numpy value as the Python value :mod:`json` can write."""
    if isinstance(value, np.floating | np.ndarray) and value.dtype == np.float32:
        return f32_list(value) if isinstance(value, np.ndarray) else float(str(value))
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
