"""The dashboard query costs a fixed number of SQL statements, whatever the list sizes."""

from __future__ import annotations

from datetime import timedelta

from server.core import clock
from tests.sqlcount import count_sql
from tests.support import Api

DASHBOARD = """
query Dashboard {
  viewer {
    displayName
    tier { code name perks }
    tierProgress { qualifyingPoints pointsToNext percentToNext next { code } retainedUntil }
    points {
      balance lifetimeEarned
      expiring { points expiresOn }
      ledger(first: 20) { totalCount edges { node { kind delta balanceAfter description createdAt } } }
    }
    checkIn { today checkedInToday streak todayPoints }
  }
}
"""

CHECK_IN = "mutation { checkIn { pointsEarned userErrors { code } } }"


async def _dashboard_statements(api: Api, caller) -> tuple[int, dict]:
    with count_sql() as statements:
        data = await api.run(DASHBOARD, caller=caller)
    return len(statements), data


async def test_dashboard_statement_count_does_not_grow_with_history(api: Api) -> None:
    partner = await api.partner(["purchases:write"])
    small = await api.member()
    large = await api.member()
    await api.purchase(partner, small.email, "10.00")
    start = clock.now() - timedelta(days=400)
    # The large member earns across many months (many expiry lots), checks in, buys 40 times.
    for month in range(14):
        with clock.travel(start + timedelta(days=30 * month)):
            await api.purchase(partner, large.email, f"{100 + month}.00")
            await api.run(CHECK_IN, caller=large)
    for i in range(40):
        await api.purchase(partner, large.email, f"{i + 1}.50")
    await api.run(CHECK_IN, caller=large)

    small_count, small_data = await _dashboard_statements(api, small)
    large_count, large_data = await _dashboard_statements(api, large)

    assert len(large_data["viewer"]["points"]["ledger"]["edges"]) == 20
    assert large_data["viewer"]["points"]["ledger"]["totalCount"] > 40
    assert len(large_data["viewer"]["points"]["expiring"]) > 1
    assert len(small_data["viewer"]["points"]["ledger"]["edges"]) == 1
    print(f"dashboard SQL statements: small={small_count} large={large_count}")
    assert large_count == small_count
    assert large_count <= 8, f"dashboard took {large_count} statements"
