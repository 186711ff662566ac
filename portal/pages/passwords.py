"""Forgotten and changed passwords: "Forgot password?", the reset page, and the profile's password form.

The reset page carries a secret in its URL, so it answers ``Referrer-Policy: no-referrer`` (the
token never leaks to another site through a link or a resource) and ``Cache-Control: no-store``.
"""

from __future__ import annotations

from starlette.responses import Response

from portal.errors import FormErrors
from portal.pages.accounts import render_profile
from portal.routing import page
from portal.visit import Visit
from server import accounts
from server.accounts import links
from server.models import LinkPurpose

RESET_FIELDS = {"email"}
NEW_PASSWORD_FIELDS = {"newPassword", "token"}
CHANGE_FIELDS = {"currentPassword", "newPassword"}


def private(response: Response) -> Response:
    """For pages whose URL holds a secret token: no referrer, and no copy in any cache."""
    response.headers["referrer-policy"] = "no-referrer"
    response.headers["cache-control"] = "no-store"
    return response


async def _sign_in_with(visit: Visit, api_token: str) -> None:
    """The API answers a bearer token; the browser gets a fresh session instead (the token is revoked)."""
    found = await accounts.member_for_token(api_token, "api")
    await accounts.log_out(api_token, "api")
    assert found is not None
    await visit.sign_in(found[0])


@page("/forgot-password", methods=["GET", "POST"])
async def forgot_password(visit: Visit) -> Response:
    values = {"email": visit.request.query_params.get("email", "")[:254]}
    errors = FormErrors()
    sent = False
    if visit.request.method == "POST":
        values["email"] = await visit.field("email")
        data = await visit.run("request_password_reset", {"email": values["email"]})
        errors = visit.errors(data["requestPasswordReset"]["userErrors"], RESET_FIELDS)
        sent = not errors
    return await visit.render(
        "forgot_password.html", values=values, errors=errors, sent=sent, status=422 if errors else 200
    )


@page("/reset-password", methods=["GET", "POST"])
async def reset_password(visit: Visit) -> Response:
    token = visit.request.query_params.get("token", "")
    errors = FormErrors()
    if visit.request.method == "POST":
        token = await visit.field("token")
        new_password = (await visit.form()).get("newPassword")
        repeat = (await visit.form()).get("repeatPassword")
        new_password = new_password if isinstance(new_password, str) else ""
        if new_password != (repeat if isinstance(repeat, str) else ""):
            errors.fields["repeatPassword"] = visit._("The two passwords are not the same.")
        else:
            data = await visit.run("reset_password", {"token": token, "newPassword": new_password})
            result = data["resetPassword"]
            errors = visit.errors(result["userErrors"], NEW_PASSWORD_FIELDS)
            if not errors:
                await _sign_in_with(visit, result["token"])
                visit.flash(visit._("Your new password is set. Every other device was signed out."))
                return private(visit.redirect("/dashboard"))
    expired = "token" in errors.fields or await links.find(token, [LinkPurpose.RESET]) is None
    response = await visit.render(
        "reset_password.html", token=token, errors=errors, expired=expired, status=422 if errors else 200
    )
    return private(response)


@page("/profile/password", methods=["POST"], member=True)
async def change_password(visit: Visit) -> Response:
    form = await visit.form()
    current, new = form.get("currentPassword"), form.get("newPassword")
    data = await visit.run(
        "change_password",
        {
            "currentPassword": current if isinstance(current, str) else "",
            "newPassword": new if isinstance(new, str) else "",
        },
    )
    result = data["changePassword"]
    errors = visit.errors(result["userErrors"], CHANGE_FIELDS)
    if errors:
        return await render_profile(visit, password_errors=errors)
    await _sign_in_with(visit, result["token"])
    visit.flash(visit._("Your password is changed. Every other device was signed out."))
    return visit.redirect("/profile")
