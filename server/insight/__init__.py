"""Member insight: RFM segments, lifecycle stages, snapshots and the programme's KPIs.

The package's verbs:

- ``programme_kpis(actor, first, last)`` and ``members_per_tier()``: the KPI report over whole days in the
  programme's zone, with its series (``server.insight.kpis``, calendar in ``server.insight.periods``).
"""

from server.insight.kpis import KpiPoint, Kpis, members_per_tier, programme_kpis  # noqa: F401
