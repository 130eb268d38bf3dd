"""Every JSON request body is checked for characters no stored or published text may hold.

One dependency on the whole app (:func:`refuse_unsafe_json`), so a new route cannot forget it:
control characters, bidirectional overrides and marks, lone surrogates and noncharacters
(:mod:`lottery.core.text_safety`) in any string of the body, keys included, give a 422 naming
the field, before the route runs. Records get the same check where they are appended, and
registry files per cell (docs/security.md, "Text that staff type").
"""

from __future__ import annotations

import json

from fastapi import Request

from lottery.service.text_input import refuse_unsafe_text

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


async def refuse_unsafe_json(request: Request) -> None:
    """Refuse a JSON body holding a disallowed character.

    Raises:
        UnsafeTextError: naming the field path (a 422 through the error table).
    """
    if request.method in _NO_BODY:
        return
    if not request.headers.get("content-type", "").lower().startswith("application/json"):
        return  # uploads are checked cell by cell; other bodies are refused by the routes
    body = await request.body()
    if not body:
        return
    try:
        data = json.loads(body)
    except ValueError:
        return  # not JSON: FastAPI's own validation answers 422
    refuse_unsafe_text(data)
