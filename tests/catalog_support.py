"""GraphQL documents and set-up shared by the catalog and redemption tests."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support import Api, Caller

UPSERT_BENEFIT = """
mutation Upsert($input: BenefitInput!) {
  upsertBenefit(input: $input) {
    benefit { id slug title description category pointsCost minTier { code } remaining perMemberLimit
              availableFrom availableUntil active }
    userErrors { field code message }
  }
}
"""

REDEEM = """
mutation Redeem($benefitId: ID!, $key: String!, $quantity: Int) {
  redeemBenefit(benefitId: $benefitId, idempotencyKey: $key, quantity: $quantity) {
    redemption { id quantity pointsSpent status voucherCode benefit { slug remaining } }
    member { points { balance } }
    replayed
    userErrors { field code message }
  }
}
"""

CANCEL = """
mutation Cancel($id: ID!) {
  cancelRedemption(redemptionId: $id) {
    redemption { id status }
    member { points { balance } }
    userErrors { field code message }
  }
}
"""

_slugs = itertools.count(1)


def benefit_input(**fields: Any) -> dict[str, Any]:
    n = next(_slugs)
    return {"slug": f"benefit-{n}", "title": f"Benefit {n}", "category": "dining", "pointsCost": 100, **fields}


async def add_benefit(api: Api, staff: Caller, **fields: Any) -> dict[str, Any]:
    """Create a benefit through the API and return it (id, slug, ...)."""
    data = await api.run(UPSERT_BENEFIT, {"input": benefit_input(**fields)}, staff)
    payload = data["upsertBenefit"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["benefit"]


async def give_points(api: Api, partner: Caller, member: Caller, points: int) -> None:
    """Credit ``points`` to a silver member through a purchase (1 point per unit)."""
    result = await api.purchase(partner, member.email or "", f"{points}.00")
    assert result["userErrors"] == [], result["userErrors"]
    assert result["pointsEarned"] == points


async def redeem(api: Api, member: Caller, benefit_id: str, key: str, quantity: int | None = 1) -> dict[str, Any]:
    data = await api.run(REDEEM, {"benefitId": benefit_id, "key": key, "quantity": quantity}, member)
    return data["redeemBenefit"]
