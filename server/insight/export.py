"""Exporting a filtered member list as CSV, streamed: a batch of rows at a time, never the whole list.

The members come from the member directory's walk (``server.accounts.iter_members``: the same
filter the console's list and campaign audiences use, keyset-paged, one statement per batch);
each batch's insight rows are read in one more statement. Memory stays flat whatever the number of
members; the console streams the chunks (``/staff/members.csv``) and ``patron export members``
writes them to stdout. A member the snapshot has not seen yet exports as the directory counts
them: NO_PURCHASES, and NEW or CHURNED by their joining date.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from server.accounts import MemberFilter, iter_members, roles
from server.accounts.directory import NEW_MEMBER_DAYS, count_members
from server.core import clock
from server.insight.segments import insights_of
from server.models import Member, MemberInsight

CSV_HEADER = (
    "email", "name", "tier", "segment", "stage", "recency_score", "frequency_score", "monetary_score",
    "lifetime_value",
)
BATCH = 1000
ExportFilter = MemberFilter  # the directory's filter: search, tier codes, segments, stages, high value


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _score(value: int | None) -> str:
    return "" if value is None else str(value)


def _row(member: Member, insight: MemberInsight | None, new_since) -> list[str]:
    if insight is None:
        stage = "NEW" if member.joined_at >= new_since else "CHURNED"
        return [_cell(member.email), _cell(member.display_name), member.tier_code, "NO_PURCHASES", stage,
                "", "", "", "0.00"]
    return [
        _cell(member.email), _cell(member.display_name), member.tier_code, insight.segment.value,
        insight.stage.value, _score(insight.recency_score), _score(insight.frequency_score),
        _score(insight.monetary_score), f"{insight.lifetime_value:.2f}",
    ]


async def csv_stream(
    chosen: MemberFilter, progress: Callable[[int], None] | None = None, batch: int = BATCH
) -> AsyncIterator[str]:
    """The CSV export, one chunk of text per batch (the header comes first, even with no rows)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    yield out.getvalue()
    new_since = clock.now() - timedelta(days=NEW_MEMBER_DAYS)
    done = 0
    async for members in iter_members(chosen, batch):
        insights = await insights_of([member.id for member in members])
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerows(_row(member, insights.get(member.id), new_since) for member in members)
        done += len(members)
        yield out.getvalue()
        if progress is not None:
            progress(done)


async def export_members(actor: Member | None, chosen: MemberFilter) -> AsyncIterator[str]:
    """The console's export: staff and analysts only (checked before the first row is read)."""
    roles.require_reader(actor)
    return csv_stream(chosen)


__all__ = ["CSV_HEADER", "ExportFilter", "count_members", "csv_stream", "export_members"]
