"""Help: a member opens a care request, follows the conversation with staff, writes back and closes it.

Messages are shown exactly as written (templates autoescape them; line breaks are kept by CSS).
A ticket that is not the member's answers the same "not found" page as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from portal.errors import N_, FormErrors
from portal.pages.redemptions import global_id, url_id
from portal.routing import page
from portal.visit import Visit

TICKET_FIELDS = {"category", "subject", "body", "orderId"}
CATEGORIES = ("QUESTION", "AFTER_SALES", "COMPLAINT", "SUGGESTION")
MAX_SUBJECT = 120
MAX_BODY = 5000

# Care's own hints: the portal's generic ones for "subject" and "body" speak of reviews.
HINTS: dict[str, str] = {
    "category": N_("Choose what your request is about."),
    "subject": N_("Give your request a short title (up to 120 characters)."),
    "body": N_("Tell us what happened (up to 5,000 characters)."),
    "orderId": N_("We couldn't find this order number among your purchases. Check your receipt, or leave it empty."),
}


# Refusals whose portal-wide wording speaks of rewards.
CODES: dict[str, str] = {
    "LIMIT_REACHED": N_("You've sent us many requests today. Please write back on an open one, or try again tomorrow."),
}


def _hinted(error: dict[str, Any]) -> bool:
    """Bad input in a field care words itself (an unknown order id is "not found" on its field)."""
    return error.get("field") in HINTS and error["code"] in ("INVALID_INPUT", "NOT_FOUND")


def ticket_errors(visit: Visit, user_errors: list[dict[str, Any]]) -> FormErrors:
    """``userErrors`` for a ticket form: bad input gets care's wording, everything else the portal's."""
    errors = visit.errors([e for e in user_errors if not _hinted(e) and e["code"] not in CODES], TICKET_FIELDS)
    for error in filter(_hinted, user_errors):
        errors.fields.setdefault(error["field"], visit._(HINTS[error["field"]]))
    errors.general += [visit._(CODES[e["code"]]) for e in user_errors if e["code"] in CODES]
    return errors


def _row(ticket: dict[str, Any]) -> dict[str, Any]:
    return {**ticket, "urlId": url_id(ticket["id"])}


@page("/support", member=True)
async def support(visit: Visit) -> Response:
    after = visit.request.query_params.get("after") or None
    connection = (await visit.run("support", {"after": after}))["viewer"]["tickets"]
    return await visit.render(
        "support.html", block="more" if after else None,
        tickets=[_row(edge["node"]) for edge in connection["edges"]],
        page_info=connection["pageInfo"], total=connection["totalCount"],
    )


@page("/support/new", methods=["GET", "POST"], member=True)
async def new_ticket(visit: Visit) -> Response:
    order = visit.request.query_params.get("order", "").strip()[:128]
    values = {"category": "QUESTION" if not order else "AFTER_SALES", "subject": "", "body": "", "orderId": order}
    errors = FormErrors()
    if visit.request.method == "POST":
        values = {name: await visit.field(name) for name in values}
        if values["category"] not in CATEGORIES:
            errors = ticket_errors(visit, [{"field": "category", "code": "INVALID_INPUT"}])
        else:
            result = (await visit.run("open_ticket", {"input": {
                "category": values["category"], "subject": values["subject"], "body": values["body"],
                "orderId": values["orderId"] or None,
            }}))["openTicket"]
            errors = ticket_errors(visit, result["userErrors"])
            if not errors:
                visit.flash(visit._("Thanks! We've received your request and will answer here."))
                return visit.redirect(f"/support/{url_id(result['ticket']['id'])}")
    viewer = (await visit.run("support_new"))["viewer"]
    return await visit.render(
        "support_new.html", status=422 if errors else 200, values=values, errors=errors,
        categories=CATEGORIES, hours=viewer["tier"]["firstResponseHours"], tier=viewer["tier"]["name"],
    )


async def _ticket(visit: Visit) -> dict[str, Any] | None:
    found = global_id(visit.request.path_params["tid"], "Ticket")
    data = await visit.run("support_ticket", {"id": found or "-"})
    return _row(data["node"]) if data.get("node") else None


async def _not_found(visit: Visit) -> Response:
    return await visit.error_page(404, visit._("Not found"), visit._("We couldn't find that request."))


@page("/support/{tid}", member=True)
async def ticket_page(visit: Visit, errors: FormErrors | None = None, draft: str = "") -> Response:
    ticket = await _ticket(visit)
    if ticket is None:
        return await _not_found(visit)
    return await visit.render(
        "support_ticket.html", block="conversation" if visit.htmx else None,
        status=422 if errors else 200, ticket=ticket, errors=errors or FormErrors(), draft=draft,
    )


@page("/support/{tid}/reply", methods=["POST"], member=True)
async def reply(visit: Visit) -> Response:
    tid = visit.request.path_params["tid"]
    body = await visit.field("body")
    result = (await visit.run("reply_ticket", {"id": global_id(tid, "Ticket") or "-", "body": body}))["replyToTicket"]
    if any(e["code"] in ("NOT_FOUND", "INVALID_INPUT") and e["field"] == "ticketId" for e in result["userErrors"]):
        return await _not_found(visit)
    errors = ticket_errors(visit, result["userErrors"])
    if errors:
        return await ticket_page(visit, errors=errors, draft=body)
    if visit.htmx:
        return await ticket_page(visit)
    visit.flash(visit._("Your message was sent."))
    return visit.redirect(f"/support/{tid}")


@page("/support/{tid}/close", methods=["POST"], member=True)
async def close(visit: Visit) -> Response:
    tid = visit.request.path_params["tid"]
    result = (await visit.run("resolve_ticket", {"id": global_id(tid, "Ticket") or "-"}))["resolveTicket"]
    if any(e["field"] == "ticketId" and e["code"] in ("NOT_FOUND", "INVALID_INPUT") for e in result["userErrors"]):
        return await _not_found(visit)
    errors = visit.errors(result["userErrors"])
    if errors:
        visit.flash(" ".join([*errors.general, *errors.fields.values()]), "error")
    else:
        visit.flash(visit._("Your request is closed. Thanks for letting us know."))
    return visit.redirect(f"/support/{tid}")
