"""The console's home: the few numbers a loyalty team looks at first, each linking to where it is worked on."""

from __future__ import annotations

from starlette.responses import Response

from portal.staff.nav import N_, staff_page
from portal.visit import Visit


@staff_page("/staff", nav=N_("Overview"), order=0)
async def home(visit: Visit) -> Response:
    data = await visit.run("staff/overview")
    return await visit.render("staff/home.html", overview=data["consoleOverview"])
