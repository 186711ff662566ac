"""Console: members per segment and stage, the churn early warning, and the member-list CSV export.

The segments page links every count to the member list with the same filter (``/staff/members?
segment=X`` / ``?stage=Y``, the member directory's page) and to its CSV export
(``/staff/members.csv`` with the same parameters: ``q``, ``tier``, ``segment``, ``stage``,
``high_value``), which streams a batch of rows at a time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from babel import numbers as babel_numbers
from starlette.responses import Response, StreamingResponse

from portal.i18n import babel_locale
from portal.staff.nav import N_, staff_page
from portal.staff.pages.members import SEGMENT_LABELS
from portal.visit import Visit
from server import insight
from server.models import LifecycleStage, RfmSegment

SEGMENT_HINTS = {
    "CHAMPIONS": N_("Bought recently, often and the most."),
    "LOYAL": N_("Buy regularly and well."),
    "POTENTIAL_LOYALISTS": N_("Recent buyers with average frequency and spend."),
    "NEW_CUSTOMERS": N_("Bought very recently, once or little."),
    "PROMISING": N_("Fairly recent buyers who have not bought much yet."),
    "NEED_ATTENTION": N_("Middling recency, frequency and spend."),
    "ABOUT_TO_SLEEP": N_("Below-average recency and low frequency."),
    "AT_RISK": N_("Bought often and much, but long ago."),
    "CANNOT_LOSE": N_("The best past customers, not seen for a long time."),
    "HIBERNATING": N_("Last bought long ago, rarely and little."),
    "NO_PURCHASES": N_("No purchase in the last 365 days."),
}
# Not the member list's stage labels: "Active" alone is the campaigns' status in Chinese (进行中).
STAGE_LABELS = {
    "NEW": N_("New members"),
    "ACTIVE": N_("Active members"),
    "SLEEPING": N_("Sleeping members"),
    "AT_RISK": N_("Members at risk"),
    "CHURNED": N_("Churned members"),
}
STAGE_HINTS = {
    "NEW": N_("Joined in the last 30 days."),
    "ACTIVE": N_("Last purchase 90 days ago or less."),
    "SLEEPING": N_("Last purchase 91–180 days ago."),
    "AT_RISK": N_("Last purchase 181–365 days ago."),
    "CHURNED": N_("No purchase for more than 365 days, or never."),
}
WIN_BACK_URL = "/staff/campaigns/new?trigger=GRANT&stages=AT_RISK,CHURNED"  # the campaign editor reads these
WATCH_SIZE = 200


def money(visit: Visit, amount: str | Decimal, currency: str) -> str:
    return babel_numbers.format_currency(Decimal(str(amount)), currency, locale=babel_locale(visit.locale))


def _share(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


@staff_page("/staff/segments", nav=N_("Segments"), order=60)
async def segments(visit: Visit) -> Response:
    data = await visit.run("staff/segment_counts")
    counts, currency = data["segmentCounts"], data["program"]["currency"]
    rows: dict[str, list[dict[str, Any]]] = {"segments": [], "stages": []}
    total = 0
    if counts:
        total = sum(row["members"] for row in counts["segments"])
        for kind, key, labels, hints in (
            ("segments", "segment", SEGMENT_LABELS, SEGMENT_HINTS),
            ("stages", "stage", STAGE_LABELS, STAGE_HINTS),
        ):
            for row in counts[kind]:
                value = row[key]
                rows[kind].append({
                    "value": value,
                    "label": visit._(labels[value]),
                    "hint": visit._(hints[value]),
                    "members": row["members"],
                    "share": _share(row["members"], total),
                    "average": money(visit, row["averageLifetimeValue"], currency),
                    "list_url": "/staff/members?" + urlencode({key: value}),
                    "csv_url": "/staff/members.csv?" + urlencode({key: value}),
                })
    return await visit.render(
        "staff/segments.html", counts=counts, rows=rows, total=total, all_csv_url="/staff/members.csv",
    )


@staff_page("/staff/churn", nav=N_("Churn warning"), order=61)
async def churn(visit: Visit) -> Response:
    data = await visit.run("staff/churn_watch", {"first": WATCH_SIZE})
    watch, currency = data["churnWatch"], data["program"]["currency"]
    warnings = []
    for warning in (watch or {}).get("warnings", []):
        warnings.append({
            **warning,
            "fromStageLabel": visit._(STAGE_LABELS[warning["fromStage"]]),
            "toStageLabel": visit._(STAGE_LABELS[warning["toStage"]]),
            "fromSegmentLabel": visit._(SEGMENT_LABELS[warning["fromSegment"]]),
            "toSegmentLabel": visit._(SEGMENT_LABELS[warning["toSegment"]]),
            "value": money(visit, warning["lifetimeValue"], currency),
            "risk": round(warning["churnRisk"] * 100),
        })
    return await visit.render(
        "staff/churn.html", watch=watch, warnings=warnings, win_back_url=WIN_BACK_URL,
        csv_url="/staff/members.csv?" + urlencode({"stage": "AT_RISK,CHURNED"}),
    )


def _choices(visit: Visit, name: str, allowed: set[str]) -> tuple[str, ...]:
    """A URL parameter given once or more, or as a comma-separated list; unknown values dropped."""
    values = []
    for raw in visit.request.query_params.getlist(name):
        values += [part.strip() for part in raw.split(",") if part.strip() in allowed]
    return tuple(dict.fromkeys(values))


def export_filter(visit: Visit) -> insight.ExportFilter:
    """The member list's filters from the URL (the same parameters as ``/staff/members``)."""
    params = visit.request.query_params
    flag = params.get("high_value", "").strip().lower()
    tiers = tuple(t.strip()[:32] for t in params.getlist("tier") for t in t.split(",") if t.strip())
    return insight.ExportFilter(
        search=params.get("q", "").strip()[:100] or None,
        tier_codes=tiers[:20],
        segments=tuple(RfmSegment(s) for s in _choices(visit, "segment", set(RfmSegment.__members__))),
        stages=tuple(LifecycleStage(s) for s in _choices(visit, "stage", set(LifecycleStage.__members__))),
        high_value={"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(flag),
    )


@staff_page("/staff/members.csv")
async def members_csv(visit: Visit) -> Response:
    """The filtered member list as CSV, streamed a batch at a time (never built in memory)."""
    stream = await insight.export_members(visit.member, export_filter(visit))
    return StreamingResponse(
        stream, media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="members.csv"'},
    )
