"""Console: the KPI dashboard — cards, charts (server-rendered SVG) with their numbers as tables.

The period lives in the URL (``?days=30|90|365`` or ``?from=…&to=…``), so a view can be shared.
A custom period the API refuses (reversed, too long) shows the reason beside the field at fault.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from starlette.responses import Response

from portal.graphql import OperationFailed
from portal.i18n import babel_locale
from portal.pages.redemptions import url_id
from portal.staff import charts
from portal.staff.nav import N_, staff_page
from portal.visit import Visit
from server import care
from server.core import clock
from server.points.program import get_program

PRESETS = (30, 90, 365)
CAMPAIGNS = 10  # the newest campaigns in the returns table (each one's results are computed on the spot)
SEGMENT_NAMES = {
    "CHAMPIONS": N_("Champions"), "LOYAL": N_("Loyal"), "POTENTIAL_LOYALISTS": N_("Potential loyalists"),
    "NEW_CUSTOMERS": N_("New customers"), "PROMISING": N_("Promising"), "NEED_ATTENTION": N_("Need attention"),
    "ABOUT_TO_SLEEP": N_("About to sleep"), "AT_RISK": N_("At risk"), "CANNOT_LOSE": N_("Cannot lose"),
    "HIBERNATING": N_("Hibernating"), "NO_PURCHASES": N_("No purchases"),
}


def today() -> date:
    """Today in the programme's zone: the presets end on it."""
    return clock.now().astimezone(ZoneInfo(get_program().time_zone)).date()


def _period(visit: Visit) -> tuple[str, str, int | None, dict[str, str]]:
    """(from, to, preset or None, field errors) from the URL; a preset when no custom days are given."""
    params = visit.request.query_params
    raw_from, raw_to = params.get("from", "").strip()[:20], params.get("to", "").strip()[:20]
    if not raw_from and not raw_to:
        raw = params.get("days", "30")
        days = int(raw) if raw.isdecimal() and int(raw) in PRESETS else 30
        last = today()
        return (last - timedelta(days=days - 1)).isoformat(), last.isoformat(), days, {}
    errors = {}
    for name, raw in (("from", raw_from), ("to", raw_to)):
        if not raw:
            errors[name] = visit._("Choose a day.")
            continue
        try:
            date.fromisoformat(raw)
        except ValueError:
            errors[name] = visit._("Enter a date such as 2026-03-01.")
    return raw_from, raw_to, None, errors


def _label(visit: Visit, start: str, granularity: str) -> str:
    day = date.fromisoformat(start)
    where = babel_locale(visit.locale)
    if granularity == "MONTH":
        return babel_dates.format_skeleton("yMMM", day, locale=where)
    return babel_dates.format_skeleton("MMMd", day, locale=where)


def _charts(visit: Visit, kpis: dict[str, Any], segments: list[dict[str, Any]] | None) -> dict[str, Any]:
    series = kpis["series"]
    labels = [_label(visit, point["start"], kpis["granularity"]) for point in series]
    points = charts.line_chart(labels, [
        (visit._("Points issued"), [p["pointsIssued"] for p in series]),
        (visit._("Points redeemed"), [p["pointsRedeemed"] for p in series]),
    ])
    members = charts.line_chart(labels, [
        (visit._("Active members"), [p["activeMembers"] for p in series]),
        (visit._("New members"), [p["newMembers"] for p in series]),
    ])
    tiers = charts.bar_chart([(row["tier"]["name"], row["members"]) for row in kpis["membersPerTier"]])
    by_segment = None
    if segments:
        by_segment = charts.bar_chart([(visit._(SEGMENT_NAMES.get(row["segment"], row["segment"])), row["members"])
                                       for row in segments])
    return {"points": points, "members": members, "tiers": tiers, "segments": by_segment, "labels": labels}


@staff_page("/staff/kpis", nav=N_("KPIs"), order=20)
async def dashboard(visit: Visit) -> Response:
    first, last, preset, errors = _period(visit)
    kpis = segments = None
    campaigns: list[dict[str, Any]] = []
    campaign_count = 0
    if not errors:
        try:
            data = await visit.run("staff/kpis", {"from": first, "to": last, "campaigns": CAMPAIGNS})
        except OperationFailed as failure:
            refused = [e for e in failure.errors if (e.extensions or {}).get("code") == "INVALID_INPUT"]
            if not refused or failure.unexpected:
                raise
            for error in refused:
                field = error.extensions.get("field")
                errors[field if field in ("from", "to") else "to"] = error.message
        else:
            kpis = data.get("kpis")
            campaign_count = data["campaigns"]["totalCount"]
            campaigns = [{**edge["node"], "urlId": url_id(edge["node"]["id"])} for edge in data["campaigns"]["edges"]]
            counts = data.get("segmentCounts")
            segments = counts["segments"] if counts else None
    program = get_program()
    return await visit.render(
        "staff/kpis.html", status=422 if errors else 200,
        kpis=kpis, charts=_charts(visit, kpis, segments) if kpis else None, segments=segments,
        campaigns=campaigns, campaign_count=campaign_count,
        first=first, last=last, preset=preset, presets=PRESETS, errors=errors,
        currency=program.currency, zone=program.time_zone,
        satisfaction_target=care.SATISFACTION_TARGET, today=today().isoformat(),
    )
