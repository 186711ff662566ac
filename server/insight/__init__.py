"""Member insight: RFM scores, segments, lifecycle stages, churn risk, lifetime value, KPIs, exports.

The package's verbs:

- ``take_snapshot(at)`` computes every account's insight (``server.insight.snapshot``; the rules
  are in ``server.insight.scoring``); the nightly job ``insight-snapshot`` and
  ``patron insight snapshot`` run it;
- ``member_insight``, ``insights_of``, ``segment_counts``, ``churn_watch`` and ``latest_snapshot``
  read the latest snapshot (``server.insight.segments``);
- ``export_members`` (console, role-checked) and ``csv_stream`` (CLI) stream a filtered member list as CSV
  text, a batch at a time (``server.insight.export``);
- ``programme_kpis(actor, first, last)`` and ``members_per_tier()``: the KPI report over whole days in the
  programme's zone, with its series (``server.insight.kpis``, calendar in ``server.insight.periods``).
"""

from server.insight.export import CSV_HEADER, ExportFilter, count_members, csv_stream, export_members  # noqa: F401
from server.insight.kpis import KpiPoint, Kpis, members_per_tier, programme_kpis  # noqa: F401
from server.insight.segments import (  # noqa: F401
    ChurnWarning,
    SegmentCount,
    SegmentCounts,
    StageCount,
    churn_watch,
    insights_of,
    latest_snapshot,
    member_insight,
    segment_counts,
)
from server.insight.snapshot import SnapshotResult, take_snapshot  # noqa: F401
