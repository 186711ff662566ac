"""The member's data rights in the profile area: "Download my data" and "Delete my account".

The download is the member's own data for the signed-in session only, built by the domains'
registered parts (``server.accounts.data_rights``); it is a file, never cached. Deleting asks for
the password and an explicit "I understand" and runs the API's ``deleteMyAccount``.
"""

from __future__ import annotations

from starlette.responses import Response

from portal.errors import FormErrors
from portal.routing import page
from portal.visit import Visit
from server.accounts import data_rights
from server.core import clock

DELETE_FIELDS = {"password"}


@page("/profile/data.json", member=True)
async def download_my_data(visit: Visit) -> Response:
    assert visit.member is not None
    data = await data_rights.export_data(visit.member)
    filename = f"patron-my-data-{clock.now():%Y-%m-%d}.json"
    return Response(
        data_rights.export_json(data),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )


@page("/profile/delete", methods=["GET", "POST"], member=True)
async def delete_my_account(visit: Visit) -> Response:
    errors = FormErrors()
    if visit.request.method == "POST":
        password = (await visit.form()).get("password")
        if await visit.field("understood") != "yes":
            errors.fields["understood"] = visit._("Tick the box to confirm that you understand.")
        else:
            data = await visit.run("delete_my_account", {"password": password if isinstance(password, str) else ""})
            errors = visit.errors(data["deleteMyAccount"]["userErrors"], DELETE_FIELDS)
            if not errors:
                await visit.sign_out()
                visit.flash(visit._("Your account is deleted. Thank you for having been a member."))
                return visit.redirect("/")
    response = await visit.render("delete_account.html", errors=errors, status=422 if errors else 200)
    response.headers["cache-control"] = "no-store"
    return response
