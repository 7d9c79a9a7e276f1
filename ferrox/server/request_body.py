"""Request bodies: JSON parsed off the event loop when it is large."""

from __future__ import annotations

import json
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

__all__ = ["OFF_LOOP_BYTES", "JsonBody", "json_body"]

OFF_LOOP_BYTES = 256 * 1024
"""Bodies longer than this are parsed in a worker thread (a 1.3 MB upsert of 1,000
64-d points takes about 10 ms to parse, time the small requests would wait)."""


async def json_body(request: Request) -> Any:
    """The request's JSON body, or None when it has none."""
    raw = await request.body()
    if not raw:
        return None
    try:
        if len(raw) > OFF_LOOP_BYTES:
            return await anyio.to_thread.run_sync(json.loads, raw)
        return json.loads(raw)
    except ValueError as exc:  # not JSON, or not UTF-8
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", getattr(exc, "pos", 0)),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": str(exc)},
                }
            ]
        ) from None


JsonBody = Annotated[Any, Depends(json_body)]
"""A route parameter holding the parsed JSON body."""
