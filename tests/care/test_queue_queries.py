"""The console's queue costs a fixed number of SQL statements, whatever the page size."""

from __future__ import annotations

from tests.care.support import open_ticket, reply
from tests.sqlcount import count_sql
from tests.support import Api

STAFF_QUEUE = """
{
  tickets(first: 50, status: null) {
    totalCount
    edges { node { id subject status breached escalated tier { name } member { displayName email }
                   survey { score } messages { body } order { orderId } } }
  }
}
"""


async def _statements(api: Api, caller) -> tuple[int, int]:
    with count_sql() as statements:
        data = await api.run(STAFF_QUEUE, caller=caller)
    return len(statements), len(data["tickets"]["edges"])


async def test_the_queue_statement_count_does_not_grow_with_the_number_of_tickets(api: Api) -> None:
    staff, partner = await api.staff(), await api.partner()
    first = await api.member()
    await api.purchase(partner, first.email or "", "20.00", order_id="ORD-Q0")
    await open_ticket(api, first, "one", orderId="ORD-Q0")
    few, shown_few = await _statements(api, staff)

    for n in range(5):
        member = await api.member()
        await api.purchase(partner, member.email or "", "20.00", order_id=f"ORD-Q{n + 1}")
        ticket = await open_ticket(api, member, f"ticket {n}", orderId=f"ORD-Q{n + 1}")
        await reply(api, staff, ticket["id"], "Answer")
    many, shown_many = await _statements(api, staff)

    assert (shown_few, shown_many) == (1, 6)
    assert many == few, (few, many)
