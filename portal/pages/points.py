"""Points history: the ledger, newest first, with running balance and "load more" paging."""

from __future__ import annotations

from starlette.responses import Response

from portal.routing import page
from portal.visit import Visit


@page("/points", member=True)
async def points_history(visit: Visit) -> Response:
    """``?after=<endCursor>`` continues the list: htmx appends the rows, without JS it is a next page."""
    after = visit.request.query_params.get("after") or None
    data = await visit.run("points_history", {"after": after})
    return await visit.render("points.html", block="ledger_rows" if after else None, viewer=data["viewer"], after=after)
