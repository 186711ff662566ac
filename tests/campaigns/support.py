"""Helpers for the campaign tests: the GraphQL documents, making and starting campaigns, purchases."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from tests.support import Api, Caller

CAMPAIGN_FIELDS = """
  id name trigger status recurrence startsAt endsAt multiplier bonusPoints tierCodes segments stages
  minAmount perMemberCap budgetPoints pointsAwarded membersReached holdoutPercent
  upcoming { startsAt endsAt }
"""

UPSERT = f"""
mutation Upsert($id: ID, $input: CampaignInput!) {{
  upsertCampaign(id: $id, input: $input) {{ campaign {{ {CAMPAIGN_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

SET_STATUS = f"""
mutation SetStatus($id: ID!, $status: CampaignStatus!) {{
  setCampaignStatus(id: $id, status: $status) {{ campaign {{ {CAMPAIGN_FIELDS} }} userErrors {{ field code message }} }}
}}
"""

CAMPAIGN = f"""
query One($id: ID!) {{
  campaign(id: $id) {{
    {CAMPAIGN_FIELDS}
    results {{
      attributedRevenue pointsCost roi treatedMembers holdoutMembers revenuePerTreatedMember
      revenuePerHoldoutMember lift
    }}
  }}
}}
"""

CAMPAIGNS = """
query List($status: CampaignStatus, $first: Int, $after: String) {
  campaigns(status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id name status } }
  }
}
"""

SIMULATE = """
query Simulate($input: CampaignInput!, $days: Int) {
  simulateCampaign(input: $input, days: $days) { membersReached pointsCost budgetExhaustedOn }
}
"""

PURCHASE = """
mutation Record($input: PurchaseInput!) {
  recordPurchase(input: $input) {
    pointsEarned replayed
    earnBreakdown { source label points }
    member { email points { balance } tier { code } }
    userErrors { field code message }
  }
}
"""

REFUND = """
mutation Refund($orderId: String!, $amount: Decimal) {
  refundPurchase(orderId: $orderId, amount: $amount) {
    pointsEarned earnBreakdown { source label points } member { points { balance } } userErrors { field code }
  }
}
"""

OFFERS = "{ viewer { offers { startsAt endsAt headline campaign { id name pointsAwarded budgetPoints } } } }"


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def campaign_input(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Double points",
        "trigger": "PURCHASE",
        "startsAt": "2020-01-01T00:00:00+00:00",
        "multiplier": "2",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


async def upsert(api: Api, staff: Caller, campaign_id: str | None = None, **fields: Any) -> dict:
    data = await api.run(UPSERT, {"id": campaign_id, "input": campaign_input(**fields)}, staff)
    return data["upsertCampaign"]


async def set_status(api: Api, staff: Caller, campaign_id: str, status: str) -> dict:
    return (await api.run(SET_STATUS, {"id": campaign_id, "status": status}, staff))["setCampaignStatus"]


async def active_campaign(api: Api, staff: Caller, **fields: Any) -> dict:
    """A campaign created and activated; fails the test on any user error."""
    made = await upsert(api, staff, **fields)
    assert made["userErrors"] == [], made["userErrors"]
    moved = await set_status(api, staff, made["campaign"]["id"], "ACTIVE")
    assert moved["userErrors"] == [], moved["userErrors"]
    return moved["campaign"]


_orders = itertools.count(1)


async def purchase(api: Api, partner: Caller, email: str, amount: str, order_id: str | None = None, **extra) -> dict:
    data = await api.run(
        PURCHASE,
        {"input": {"memberEmail": email, "orderId": order_id or f"C-{next(_orders)}", "amount": amount, **extra}},
        partner,
    )
    payload = data["recordPurchase"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


def lines(payload: dict) -> list[tuple[str, str, int]]:
    return [(line["source"], line["label"], line["points"]) for line in payload["earnBreakdown"]]
