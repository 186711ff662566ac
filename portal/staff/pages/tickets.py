"""Console: the ticket queue, one ticket with the member's context, answering and resolving, the report.

The queue's filters live in the URL (shareable, and the CSV export takes exactly the same ones);
without a status filter it shows what waits for staff. Analysts read everything here; the reply
and resolve actions are staff-only (the page hides them, the routes and the services refuse them).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from babel import dates as babel_dates
from starlette.responses import Response

from portal.i18n import babel_locale
from portal.pages.redemptions import global_id, url_id
from portal.pages.support import ticket_errors
from portal.staff.nav import N_, staff_page
from portal.visit import Visit
from server.core import clock

STATUSES = ("OPEN", "ANSWERED", "RESOLVED", "CLOSED")
CATEGORIES = ("QUESTION", "COMPLAINT", "AFTER_SALES", "SUGGESTION")
PAGE = 25
REPORT_DAYS = (7, 30, 90)


def _filters(visit: Visit) -> dict[str, str]:
    """The queue's filters as given in the URL, unknown values dropped (the page then shows them unset)."""
    params = visit.request.query_params
    chosen = {
        "status": params.get("status", "OPEN"),
        "breached": params.get("breached", ""),
        "escalated": params.get("escalated", ""),
        "category": params.get("category", ""),
        "tier": params.get("tier", "").strip()[:32],
        "member": params.get("member", "").strip()[:80],
    }
    if chosen["status"] not in (*STATUSES, "ALL"):
        chosen["status"] = "OPEN"
    for flag in ("breached", "escalated"):
        if chosen[flag] not in ("yes", "no"):
            chosen[flag] = ""
    if chosen["category"] not in CATEGORIES:
        chosen["category"] = ""
    return chosen


def _variables(chosen: dict[str, str], after: str | None, first: int = PAGE) -> dict[str, Any]:
    flag = {"yes": True, "no": False, "": None}
    return {
        "status": None if chosen["status"] == "ALL" else chosen["status"],
        "breached": flag[chosen["breached"]],
        "escalated": flag[chosen["escalated"]],
        "category": chosen["category"] or None,
        "tier": chosen["tier"] or None,
        # A forged member id is refused by the API (a 400 page) rather than ignored (which would list everyone).
        "member": (global_id(chosen["member"], "Member") or "-") if chosen["member"] else None,
        "first": first,
        "after": after,
    }


def _relative(visit: Visit, moment: str | None, now: datetime) -> str:
    """"in 5 hours" / "3 hours ago", in the visitor's language."""
    if not moment:
        return ""
    delta = datetime.fromisoformat(moment) - now
    return babel_dates.format_timedelta(delta, add_direction=True, locale=babel_locale(visit.locale))


def _queue_rows(visit: Visit, edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    now = clock.now()
    rows = []
    for edge in edges:
        ticket = edge["node"]
        due = ticket["responseDueAt"] or (None if ticket["firstRespondedAt"] else ticket["firstResponseDueAt"])
        rows.append({
            **ticket,
            "urlId": url_id(ticket["id"]),
            "due": due,
            "dueIn": _relative(visit, due, now),
            "overdue": bool(due) and datetime.fromisoformat(due) < now,
        })
    return rows


@staff_page("/staff/tickets", nav=N_("Tickets"), order=50)
async def queue(visit: Visit) -> Response:
    chosen = _filters(visit)
    after = visit.request.query_params.get("after") or None
    data = await visit.run("staff/tickets", _variables(chosen, after))
    connection = data["tickets"]
    query = {key: value for key, value in chosen.items() if value}
    return await visit.render(
        "staff/tickets.html",
        tickets=_queue_rows(visit, connection["edges"]), total=connection["totalCount"],
        page_info=connection["pageInfo"], chosen=chosen, tiers=data["tiers"],
        statuses=STATUSES, categories=CATEGORIES, query=urlencode(query), query_map=query,
        next_url="/staff/tickets?" + urlencode({**query, "after": connection["pageInfo"]["endCursor"] or ""}),
        csv_url="/staff/tickets.csv?" + urlencode({**query, **({"after": after} if after else {})}),
    )


@staff_page("/staff/tickets.csv")
async def queue_csv(visit: Visit) -> Response:
    """Exactly the page on screen (same filters, same page) as CSV."""
    chosen = _filters(visit)
    after = visit.request.query_params.get("after") or None
    data = await visit.run("staff/tickets", _variables(chosen, after))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "subject", "category", "status", "tier", "member", "email", "created_at",
                     "first_response_due_at", "first_responded_at", "breached", "escalated", "last_message_at"])
    for edge in data["tickets"]["edges"]:
        t = edge["node"]
        writer.writerow([
            t["id"], _cell(t["subject"]), t["category"], t["status"], t["tier"]["code"],
            _cell(t["member"]["displayName"]), t["member"]["email"], t["createdAt"], t["firstResponseDueAt"],
            t["firstRespondedAt"] or "", t["breached"], t["escalated"], t["lastMessageAt"],
        ])
    return Response(
        out.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="tickets.csv"'},
    )


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@staff_page("/staff/tickets/report")
async def report(visit: Visit) -> Response:
    raw = visit.request.query_params.get("days", "30")
    days = int(raw) if raw.isdecimal() and int(raw) in REPORT_DAYS else 30
    data = await visit.run("staff/ticket_report", {"days": days})
    return await visit.render("staff/ticket_report.html", report=data["ticketReport"], days=days, choices=REPORT_DAYS)


async def _ticket(visit: Visit) -> dict[str, Any] | None:
    found = global_id(visit.request.path_params["tid"], "Ticket")
    node = (await visit.run("staff/ticket", {"id": found or "-"})).get("node")
    if not node:
        return None
    return {**node, "urlId": url_id(node["id"]), "memberUrlId": url_id(node["member"]["id"])}


@staff_page("/staff/tickets/{tid}")
async def ticket_page(visit: Visit, errors: Any = None, draft: str = "", status: int = 200) -> Response:
    ticket = await _ticket(visit)
    if ticket is None:
        return await visit.error_page(404, visit._("Not found"), visit._("There is no such ticket."))
    now = clock.now()
    return await visit.render(
        "staff/ticket.html", status=status, ticket=ticket, errors=errors, draft=draft,
        can_act=visit.has_role("staff"), due_in=_relative(visit, ticket["responseDueAt"], now),
        overdue=bool(ticket["responseDueAt"]) and datetime.fromisoformat(ticket["responseDueAt"]) < now,
    )


@staff_page("/staff/tickets/{tid}/reply", methods=["POST"], act=True)
async def reply(visit: Visit) -> Response:
    tid = visit.request.path_params["tid"]
    body = await visit.field("body")
    result = (await visit.run("reply_ticket", {"id": global_id(tid, "Ticket") or "-", "body": body}))["replyToTicket"]
    errors = ticket_errors(visit, result["userErrors"])
    if errors:
        return await ticket_page(visit, errors=errors, draft=body, status=422)
    visit.flash(visit._("Answer sent. The member has been notified."))
    return visit.redirect(f"/staff/tickets/{tid}")


@staff_page("/staff/tickets/{tid}/resolve", methods=["POST"], act=True)
async def resolve(visit: Visit) -> Response:
    tid = visit.request.path_params["tid"]
    result = (await visit.run("resolve_ticket", {"id": global_id(tid, "Ticket") or "-"}))["resolveTicket"]
    errors = visit.errors(result["userErrors"])
    if errors:
        visit.flash(" ".join([*errors.general, *errors.fields.values()]), "error")
    else:
        visit.flash(visit._("Ticket resolved."))
    return visit.redirect(f"/staff/tickets/{tid}")
