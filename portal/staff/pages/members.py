"""Console: the member list — search, filters and paging, all in the URL.

URL parameters (shareable; other pages link here with them, repeated for several values):
``q`` (substring of e-mail or name), ``tier`` (tier code), ``segment`` (RfmSegment),
``stage`` (LifecycleStage), ``high_value=1``; paging with ``after`` / ``before`` (cursors).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from portal.pages.redemptions import url_id
from portal.staff.nav import N_, staff_page
from portal.visit import Visit
from server.models.insight import LifecycleStage, RfmSegment

PAGE = 25
MAX_VALUES = 20

SEGMENT_LABELS: dict[str, str] = {
    "CHAMPIONS": N_("Champions"),
    "LOYAL": N_("Loyal"),
    "POTENTIAL_LOYALISTS": N_("Potential loyalists"),
    "NEW_CUSTOMERS": N_("New customers"),
    "PROMISING": N_("Promising"),
    "NEED_ATTENTION": N_("Need attention"),
    "ABOUT_TO_SLEEP": N_("About to sleep"),
    "AT_RISK": N_("At risk"),
    "CANNOT_LOSE": N_("Cannot lose"),
    "HIBERNATING": N_("Hibernating"),
    "NO_PURCHASES": N_("No purchases"),
}
STAGE_LABELS: dict[str, str] = {
    "NEW": N_("New"),
    "ACTIVE": N_("Active"),
    "SLEEPING": N_("Sleeping"),
    "AT_RISK": N_("At risk"),
    "CHURNED": N_("Churned"),
}


def chosen_filters(visit: Visit) -> dict[str, Any]:
    """The list's filters from the URL; unknown segment or stage values are dropped."""
    params = visit.request.query_params

    def many(name: str) -> list[str]:
        seen: list[str] = []
        for value in params.getlist(name)[:MAX_VALUES]:
            value = value.strip()[:32]
            if value and value not in seen:
                seen.append(value)
        return seen

    return {
        "q": params.get("q", "").strip()[:100],
        "tier": many("tier"),
        "segment": [s for s in many("segment") if s in RfmSegment.__members__],
        "stage": [s for s in many("stage") if s in LifecycleStage.__members__],
        "high_value": params.get("high_value") == "1",
    }


def filter_variables(chosen: dict[str, Any]) -> dict[str, Any]:
    """The chosen filters as a GraphQL ``MemberFilter``."""
    return {
        "search": chosen["q"] or None,
        "tierCodes": chosen["tier"] or None,
        "segments": chosen["segment"] or None,
        "stages": chosen["stage"] or None,
        "highValue": True if chosen["high_value"] else None,
    }


def filter_query(chosen: dict[str, Any]) -> list[tuple[str, str]]:
    """The chosen filters as URL parameters (the export and the paging links keep exactly these)."""
    pairs: list[tuple[str, str]] = []
    if chosen["q"]:
        pairs.append(("q", chosen["q"]))
    for name in ("tier", "segment", "stage"):
        pairs += [(name, value) for value in chosen[name]]
    if chosen["high_value"]:
        pairs.append(("high_value", "1"))
    return pairs


@staff_page("/staff/members", nav=N_("Members"), order=20)
async def members(visit: Visit) -> Response:
    chosen = chosen_filters(visit)
    params = visit.request.query_params
    after, before = params.get("after") or None, params.get("before") or None
    paging: dict[str, Any] = {"last": PAGE, "before": before} if before else {"first": PAGE, "after": after}
    data = await visit.run("staff/members", {"filter": filter_variables(chosen), **paging})
    connection = data["members"]
    info = connection["pageInfo"]
    query = filter_query(chosen)
    rows = [{**edge["node"], "urlId": url_id(edge["node"]["id"])} for edge in connection["edges"]]
    return await visit.render(
        "staff/members.html",
        rows=rows, total=connection["totalCount"], chosen=chosen, tiers=data["tiers"],
        segments=SEGMENT_LABELS, stages=STAGE_LABELS, query=urlencode(query),
        next_url="/staff/members?" + urlencode([*query, ("after", info["endCursor"] or "")])
        if info["hasNextPage"] else None,
        previous_url="/staff/members?" + urlencode([*query, ("before", info["startCursor"] or "")])
        if info["hasPreviousPage"] else None,
        filtered=bool(query),
    )
