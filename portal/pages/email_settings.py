"""E-mail on the member's side: confirming the address, changing it, choosing what to receive, unsubscribing.

``/unsubscribe`` answers mail clients' RFC 8058 one-click POST (``List-Unsubscribe=One-Click``,
no cookies, no form token: the signed token in the URL is the authority) as well as people who
open the link in a browser, who get a page with a button (a GET never changes anything, so link
scanners cannot unsubscribe anyone).
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

from portal.errors import FormErrors
from portal.pages.accounts import render_profile, safe_next
from portal.pages.passwords import private
from portal.routing import page
from portal.visit import Visit
from server.core.errors import DomainError
from server.messages import preferences

EMAIL_FIELDS = {"newEmail", "password"}


@page("/confirm-email", methods=["GET", "POST"])
async def confirm_email(visit: Visit) -> Response:
    token = visit.request.query_params.get("token", "")
    errors = FormErrors()
    if visit.request.method == "POST":
        token = await visit.field("token")
        data = await visit.run("confirm_email", {"token": token})
        errors = visit.errors(data["confirmEmail"]["userErrors"], set())
        if not errors:
            visit.flash(visit._("Thank you: your e-mail address is confirmed."))
            return private(visit.redirect("/profile" if visit.member is not None else "/login"))
    response = await visit.render("confirm_email.html", token=token, errors=errors, status=422 if errors else 200)
    return private(response)


@page("/confirm-email/resend", methods=["POST"], member=True)
async def resend_confirmation(visit: Visit) -> Response:
    data = await visit.run("resend_email_confirmation")
    errors = visit.errors(data["resendEmailConfirmation"]["userErrors"], set())
    if errors:
        visit.flash(errors.general[0] if errors.general else visit._("Please try again later."), "error")
    else:
        assert visit.member is not None
        visit.flash(visit._("We sent a new link to %(email)s.", email=visit.member.email))
    return visit.redirect(safe_next(await visit.field("next"), "/profile"))


@page("/profile/email", methods=["POST"], member=True)
async def change_email(visit: Visit) -> Response:
    values = {"newEmail": await visit.field("newEmail")}
    password = (await visit.form()).get("password")
    data = await visit.run(
        "request_email_change",
        {"newEmail": values["newEmail"], "password": password if isinstance(password, str) else ""},
    )
    errors = visit.errors(data["requestEmailChange"]["userErrors"], EMAIL_FIELDS)
    if errors:
        return await render_profile(visit, email_errors=errors, email_values=values)
    visit.flash(
        visit._("We sent a link to %(email)s. Your address changes once you follow it.", email=values["newEmail"])
    )
    return visit.redirect("/profile")


@page("/preferences", methods=["GET", "POST"], member=True)
async def message_preferences(visit: Visit) -> Response:
    errors = FormErrors()
    if visit.request.method == "POST":
        form = await visit.form()
        change = {name: form.get(name) == "on" for name in ("serviceEmails", "marketingEmails")}
        data = await visit.run("update_message_preferences", {"input": change})
        errors = visit.errors(data["updateMessagePreferences"]["userErrors"], set())
        if not errors:
            visit.flash(visit._("Your e-mail choices are saved."))
            return visit.redirect("/preferences")
    data = await visit.run("message_preferences")
    return await visit.render(
        "preferences.html", viewer=data["viewer"], errors=errors, status=422 if errors else 200
    )


@page("/unsubscribe", methods=["GET", "POST"], csrf=False)
async def unsubscribe(visit: Visit) -> Response:
    token = visit.request.query_params.get("token", "")
    if visit.request.method == "POST":
        token = token or await visit.field("token")
        one_click = await visit.field("List-Unsubscribe") == "One-Click"
        data = await visit.run("unsubscribe", {"token": token})
        result = data["unsubscribe"]
        if one_click:  # a mail client, not a person: a short plain answer is all it reads
            status = 200 if result["ok"] else 400
            return PlainTextResponse("Unsubscribed.\n" if result["ok"] else "Invalid link.\n", status_code=status)
        if result["ok"]:
            category = result["category"].lower()
            return private(await visit.render("unsubscribe.html", token=token, category=category, done=True))
    try:
        _member_id, category = preferences.read_unsubscribe_token(token)
    except DomainError:
        response = await visit.render("unsubscribe.html", token="", category=None, done=False, status=400)
        return private(response)
    return private(await visit.render("unsubscribe.html", token=token, category=category, done=False))
