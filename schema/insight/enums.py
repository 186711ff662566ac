"""The insight enums, shared by the member directory's filter and the insight types.

They live apart from the insight types so that ``Query.members(filter:)`` (console) and
``Member.insight`` (insight) name one GraphQL enum each.
"""

from __future__ import annotations

from schema.enums import described_enum
from server.models.insight import LifecycleStage as DomainLifecycleStage
from server.models.insight import RfmSegment as DomainRfmSegment

RfmSegment = described_enum(
    DomainRfmSegment,
    name="RfmSegment",
    description=(
        "RFM segments on purchases of the trailing 365 days, scores 1–5 by quintile of all members "
        "with a purchase in that window (R: days since last purchase, fewer is better; F: purchases; "
        "M: spend)."
    ),
    values={
        "CHAMPIONS": "Bought recently, often and the most: R 5 and F/M average 4.5 or more.",
        "LOYAL": "Buy regularly: good recency and a high F/M average.",
        "POTENTIAL_LOYALISTS": "Recent buyers with average frequency and spend.",
        "NEW_CUSTOMERS": "Bought very recently, but only once or little.",
        "PROMISING": "Fairly recent buyers who have not bought much yet.",
        "NEED_ATTENTION": "Middling recency, frequency and spend.",
        "ABOUT_TO_SLEEP": "Below-average recency and low frequency: slipping away.",
        "AT_RISK": "Bought often and much, but long ago.",
        "CANNOT_LOSE": "The best past customers (F/M 5), not seen for a long time.",
        "HIBERNATING": "Last bought long ago, rarely and little.",
        "NO_PURCHASES": "No purchase in the trailing 365 days.",
    },
)

LifecycleStage = described_enum(
    DomainLifecycleStage,
    name="LifecycleStage",
    description=(
        "NEW: joined ≤ 30 days ago and no purchase older than that; ACTIVE: last purchase ≤ 90 days "
        "ago; SLEEPING: 91–180; AT_RISK: 181–365; CHURNED: > 365 days or never bought and joined "
        "> 30 days ago."
    ),
    values={
        "NEW": "Joined within the last 30 days and no purchase older than that.",
        "ACTIVE": "Last purchase 90 days ago or less.",
        "SLEEPING": "Last purchase 91–180 days ago.",
        "AT_RISK": "Last purchase 181–365 days ago.",
        "CHURNED": "Last purchase more than 365 days ago, or never bought and joined more than 30 days ago.",
    },
)
