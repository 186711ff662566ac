"""The console's home: the few numbers a loyalty team looks at first."""

from __future__ import annotations

from starlette.responses import Response

from portal.staff.nav import N_, staff_page
from portal.visit import Visit


@staff_page("/staff", nav=N_("Overview"), order=0)
async def home(visit: Visit) -> Response:
    return await visit.render("staff/home.html")
