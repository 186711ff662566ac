"""Console: the audit trail, newest first, filtered by staff member and kind of action (filters in the URL)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from portal.pages.redemptions import global_id, url_id
from portal.staff.nav import N_, staff_page
from portal.visit import Visit

PAGE = 50

# The kinds of action in the console's words (translated); kinds added later show the API's English label.
LABELS: dict[str, str] = {
    "points.adjust": N_("Points adjusted"),
    "benefit.create": N_("Benefit created"),
    "benefit.update": N_("Benefit changed"),
    "benefit.deactivate": N_("Benefit deactivated"),
    "benefit.activate": N_("Benefit reactivated"),
    "redemption.cancel": N_("Redemption cancelled for a member"),
    "review.publish": N_("Review published"),
    "review.reject": N_("Review rejected"),
    "member.tier_override": N_("Tier overridden"),
    "member.birthday_correct": N_("Birthday corrected"),
    "role.grant": N_("Role changed"),
    "ticket.reply": N_("Ticket answered"),
    "ticket.resolve": N_("Ticket resolved"),
    "campaign.create": N_("Campaign created"),
    "campaign.update": N_("Campaign changed"),
    "campaign.status": N_("Campaign status changed"),
    "account.delete": N_("Account deleted by the member"),
}


def action_label(visit: Visit, action: str, fallback: str) -> str:
    return visit._(LABELS[action]) if action in LABELS else fallback


def _chosen(visit: Visit) -> dict[str, str]:
    params = visit.request.query_params
    return {"actor": params.get("actor", "").strip()[:80], "action": params.get("action", "").strip()[:48]}


@staff_page("/staff/audit", nav=N_("Audit log"), order=90)
async def audit_log(visit: Visit) -> Response:
    chosen = _chosen(visit)
    after = visit.request.query_params.get("after") or None
    variables: dict[str, Any] = {
        # A forged actor id is refused by the API (a 400 page) rather than ignored (which would list everyone).
        "actor": (global_id(chosen["actor"], "Member") or "-") if chosen["actor"] else None,
        "action": chosen["action"] or None,
        "first": PAGE,
        "after": after,
    }
    data = await visit.run("staff/audit_log", variables)
    log = data["auditLog"]
    query = {key: value for key, value in chosen.items() if value}
    entries = [
        {**edge["node"], "label": action_label(visit, edge["node"]["action"], edge["node"]["actionLabel"]),
         "memberUrlId": url_id(edge["node"]["member"]["id"]) if edge["node"]["member"] else None}
        for edge in log["edges"]
    ]
    actions = [{"action": a["action"], "label": action_label(visit, a["action"], a["label"])}
               for a in data["auditActions"]]
    actors = [{"email": a["email"], "value": url_id(a["memberId"])} for a in data["auditActors"] if a["memberId"]]
    return await visit.render(
        "staff/audit.html", entries=entries, total=log["totalCount"], page_info=log["pageInfo"],
        chosen=chosen, actions=actions, actors=actors, query=urlencode(query),
        next_url="/staff/audit?" + urlencode({**query, "after": log["pageInfo"]["endCursor"] or ""}),
    )
