"""KPIs against figures worked out by hand on a small programme built with the clock moved.

The programme (UTC; the report is March 2026, read on 10 April):

    member  joined   March                                                      later
    A       Jan 10   25 bonus points of 2025 lapse (Mar 2); buys 100 (Mar 3)     —
                     and 50 (Mar 15); redeems 70 (Mar 20)
    B       Feb 15   buys 80 (Mar 3); redeems 20 (Mar 25), cancelled (Mar 26)    30 of it refunded (Apr 2)
    D       Feb 20   a purchase of Feb 27 (60) reported late (Mar 2); checks     —
                     in (Mar 21, 5 points); −10 adjustment (Mar 22)
    G       Jan 1    opens two tickets (answered on time, and late)              —
    C       Mar 5    buys 40 (Mar 30)                                           refunded in full (Apr 1)
    F       Mar 28   nothing                                                    —
    E       Apr 5    —                                                          —
    S       Mar 10   staff: buys 1,000 (Mar 10)                                 —
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from server.core import clock
from server.models import CheckIn, LedgerKind, Member, Role, Survey, SurveyKind, SurveyStatus
from server.points import ledger
from tests.care.support import analyst, open_ticket, reply
from tests.points_support import credit, debit, expire, new_member, restore
from tests.support import Api, Caller

KPIS = """
query Kpis($from: Date!, $to: Date!) {
  kpis(from: $from, to: $to) {
    from to activeMembers newMembers retentionRate churnRate repeatPurchaseRate
    pointsIssued pointsRedeemed pointsExpired redemptionRate pointsOutstanding averageOrderValue
    nps satisfaction firstResponseOnTime revenue purchases granularity
    series { start activeMembers newMembers pointsIssued pointsRedeemed pointsExpired revenue }
    membersPerTier { tier { code } members }
  }
}
"""
REFUND = """
mutation Refund($orderId: String!, $amount: Decimal) {
  refundPurchase(orderId: $orderId, amount: $amount) { pointsEarned userErrors { field code message } }
}
"""
NOW = datetime(2026, 4, 10, 12, tzinfo=UTC)


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def joined(when: datetime, role: Role = Role.MEMBER) -> Member:
    member = await new_member()
    member.joined_at, member.role = when, role
    await member.save(update_fields=["joined_at", "role"])
    return member


async def buy(api: Api, partner: Caller, member: Member, amount: str, when: datetime, order: str,
              occurred: datetime | None = None) -> None:
    extra = {"occurredAt": occurred.isoformat()} if occurred else {}
    with clock.travel(when):
        result = await api.purchase(partner, member.email, amount, order, **extra)
    assert result["userErrors"] == [], result


async def refund(api: Api, partner: Caller, order: str, amount: str | None, when: datetime) -> None:
    with clock.travel(when):
        result = (await api.run(REFUND, {"orderId": order, "amount": amount}, partner))["refundPurchase"]
    assert result["userErrors"] == [], result


async def answered(member: Member, kind: SurveyKind, score: int, when: datetime) -> None:
    await Survey.create(
        member_id=member.id, kind=kind, trigger=f"kpi:{kind.value}:{score}:{when.isoformat()}", about={},
        sent_at=when - timedelta(days=1), expires_at=when + timedelta(days=13), answered_at=when, score=score,
        status=SurveyStatus.ANSWERED,
    )


async def kpis(api: Api, caller: Caller, first: str, last: str) -> dict[str, Any]:
    with clock.travel(NOW):
        return (await api.run(KPIS, {"from": first, "to": last}, caller))["kpis"]


@pytest.fixture
async def programme(api: Api) -> dict[str, Any]:
    """The programme in the module docstring; returns the staff caller and the members."""
    partner = await api.partner()
    with clock.travel(at(3, 9)):
        g = await api.member(displayName="Gao")
    g_row = await Member.get(email=g.email)
    g_row.joined_at = at(1, 1)
    await g_row.save(update_fields=["joined_at"])
    a, b, d = await joined(at(1, 10)), await joined(at(2, 15)), await joined(at(2, 20))
    c, f, e = await joined(at(3, 5)), await joined(at(3, 28)), await joined(at(4, 5))
    s = await joined(at(3, 10), Role.STAFF)
    with clock.travel(datetime(2025, 1, 15, tzinfo=UTC)):
        await credit(a.id, 25, at=datetime(2025, 1, 15, tzinfo=UTC))
    await expire(a.id, at(3, 2))
    await buy(api, partner, d, "60.00", at(3, 2), "D-late", occurred=datetime(2026, 2, 27, 12, tzinfo=UTC))
    await buy(api, partner, a, "100.00", at(3, 3, 10), "A-1")
    await buy(api, partner, b, "80.00", at(3, 3, 11), "B-1")
    await buy(api, partner, s, "1000.00", at(3, 10), "S-1")
    await buy(api, partner, a, "50.00", at(3, 15), "A-2")
    await debit(a.id, 70, at=at(3, 20))
    await CheckIn.create(member_id=d.id, day=date(2026, 3, 21), streak=1, points=5, created_at=at(3, 21))
    await credit(d.id, 5, LedgerKind.CHECK_IN, at=at(3, 21))
    async with in_transaction():
        locked = await ledger.lock_member(d.id)
        await ledger.debit(locked, LedgerKind.ADJUSTMENT, 10, "correction", at=at(3, 22))
    redemption = await debit(b.id, 20, at=at(3, 25))
    await restore(b.id, redemption.id, at=at(3, 26))
    await buy(api, partner, c, "40.00", at(3, 30), "C-1")
    await refund(api, partner, "C-1", None, at(4, 1))
    await refund(api, partner, "B-1", "30.00", at(4, 2))
    for score, day in ((10, 4), (9, 6), (3, 8)):
        await answered(a, SurveyKind.NPS, score, at(3, day))
    await answered(a, SurveyKind.NPS, 0, at(2, 28))  # February: not in the report
    for score, day in ((80, 4), (90, 6)):
        await answered(b, SurveyKind.SATISFACTION, score, at(3, day))
    with clock.travel(at(3, 9)):
        staff = await api.staff()
        first = await open_ticket(api, g)
    with clock.travel(at(3, 10)):
        await reply(api, staff, first["id"])  # due Mar 11: on time
    with clock.travel(at(3, 20)):
        second = await open_ticket(api, g)
    with clock.travel(at(3, 25)):
        await reply(api, staff, second["id"])  # due Mar 22: late
    with clock.travel(NOW):
        reader = await api.staff()  # a fresh session: the one of March has run out
    return {"staff": reader, "members": [a, b, c, d, e, f, g_row, s]}


async def test_every_kpi_of_march_matches_the_hand_count(api: Api, programme: dict[str, Any]) -> None:
    figures = await kpis(api, programme["staff"], "2026-03-01", "2026-03-31")

    assert figures["from"] == "2026-03-01" and figures["to"] == "2026-03-31"
    assert figures["newMembers"] == 2  # C and F; S is staff, E joined in April
    assert figures["retentionRate"] == 1.0  # (6 at end − 2 new) / 4 at start (G, A, B, D)
    assert figures["churnRate"] == 0.0
    assert figures["activeMembers"] == 3  # A, B (purchases), D (check-in); C's purchase was refunded in full
    assert figures["repeatPurchaseRate"] == 0.5  # A bought twice, B once
    assert figures["purchases"] == 3
    assert figures["revenue"] == "200.00"  # 100 + 50 + (80 − 30); D's purchase belongs to February
    assert figures["averageOrderValue"] == "66.67"
    # issued: A 150, B 80, C 40, D 60 + 5 − 10, S 1000 (the ledger counts every account)
    assert figures["pointsIssued"] == 1325
    assert figures["pointsRedeemed"] == 70  # A's 70; B's 20 was cancelled
    assert figures["pointsExpired"] == 25
    assert figures["redemptionRate"] == 0.0528  # 70 / 1325
    assert figures["nps"] == 33.3  # 2 promoters, 1 detractor of 3
    assert figures["satisfaction"] == 85.0
    assert figures["firstResponseOnTime"] == 0.5
    # now: A 80, B 50, C 0, D 55, S 1000
    assert figures["pointsOutstanding"] == 1185
    assert figures["pointsOutstanding"] == sum(m.balance for m in await Member.all())
    assert {row["tier"]["code"]: row["members"] for row in figures["membersPerTier"]} == {
        "silver": 7, "gold": 0, "diamond": 0,
    }


async def test_the_daily_series_dates_each_figure_on_its_own_day(api: Api, programme: dict[str, Any]) -> None:
    figures = await kpis(api, programme["staff"], "2026-03-01", "2026-03-31")
    series = {point["start"]: point for point in figures["series"]}

    assert figures["granularity"] == "DAY" and len(series) == 31
    assert series["2026-03-02"] | {"start": None} == {
        "start": None, "activeMembers": 0, "newMembers": 0, "pointsIssued": 60, "pointsRedeemed": 0,
        "pointsExpired": 25, "revenue": "0.00",
    }
    assert series["2026-03-03"]["revenue"] == "150.00" and series["2026-03-03"]["activeMembers"] == 2
    assert series["2026-03-03"]["pointsIssued"] == 180
    assert series["2026-03-05"]["newMembers"] == 1
    assert series["2026-03-10"]["pointsIssued"] == 1000 and series["2026-03-10"]["revenue"] == "0.00"
    assert series["2026-03-10"]["newMembers"] == 0  # staff joining is not a new member
    assert series["2026-03-21"]["activeMembers"] == 1
    assert series["2026-03-22"]["pointsIssued"] == -10
    assert (series["2026-03-25"]["pointsRedeemed"], series["2026-03-26"]["pointsRedeemed"]) == (20, -20)
    assert series["2026-03-30"]["revenue"] == "0.00"  # refunded in full two days later
    for key in ("activeMembers", "newMembers", "pointsIssued", "pointsRedeemed", "pointsExpired"):
        if key != "activeMembers":
            assert sum(point[key] for point in series.values()) == figures[key], key
    assert sum(Decimal(point["revenue"]) for point in series.values()) == Decimal(figures["revenue"])


async def test_points_outstanding_moves_by_issued_less_redeemed_less_expired(
    api: Api, programme: dict[str, Any]
) -> None:
    march = await kpis(api, programme["staff"], "2026-03-01", "2026-03-31")
    april = await kpis(api, programme["staff"], "2026-04-01", "2026-04-30")
    before = await kpis(api, programme["staff"], "2025-01-01", "2026-02-28")

    # Outstanding before March is what was issued less redeemed and expired until then: A's 25.
    assert before["pointsIssued"] - before["pointsRedeemed"] - before["pointsExpired"] == 25
    after_march = 25 + march["pointsIssued"] - march["pointsRedeemed"] - march["pointsExpired"]
    assert after_march + april["pointsIssued"] - april["pointsRedeemed"] - april["pointsExpired"] == (
        march["pointsOutstanding"]
    )
    assert april["pointsIssued"] == -70  # the two refunds took back 40 and 30 points


async def test_a_period_with_no_members_at_its_start_has_no_retention(api: Api, programme: dict[str, Any]) -> None:
    figures = await kpis(api, programme["staff"], "2025-12-01", "2025-12-31")

    assert figures["retentionRate"] is None and figures["churnRate"] is None
    assert figures["repeatPurchaseRate"] is None and figures["averageOrderValue"] is None
    assert figures["redemptionRate"] is None and figures["nps"] is None
    assert figures["activeMembers"] == figures["newMembers"] == figures["purchases"] == 0


async def test_future_periods_are_listed_as_zeros(api: Api, programme: dict[str, Any]) -> None:
    figures = await kpis(api, programme["staff"], "2026-04-01", "2026-04-30")

    assert [point["start"] for point in figures["series"]] == [f"2026-04-{d:02d}" for d in range(1, 31)]
    future = [point for point in figures["series"] if point["start"] > "2026-04-10"]
    assert len(future) == 20
    assert all(
        point | {"start": None} == {"start": None, "activeMembers": 0, "newMembers": 0, "pointsIssued": 0,
                                     "pointsRedeemed": 0, "pointsExpired": 0, "revenue": "0.00"}
        for point in future
    )
    assert figures["newMembers"] == 1  # E, on 5 April


async def test_analysts_read_the_kpis_and_members_get_nothing(api: Api) -> None:
    reader = await analyst(api)
    member = await api.member()

    assert (await api.run(KPIS, {"from": "2026-03-01", "to": "2026-03-31"}, reader))["kpis"]["from"] == "2026-03-01"
    assert (await api.run(KPIS, {"from": "2026-03-01", "to": "2026-03-31"}, member))["kpis"] is None
    assert (await api.run(KPIS, {"from": "2026-03-01", "to": "2026-03-31"}))["kpis"] is None


@pytest.mark.parametrize(("first", "last", "field"), [
    ("2026-03-02", "2026-03-01", "to"),
    ("2020-01-01", "2023-12-31", "to"),  # 1,461 days: longer than three years
    ("1999-12-31", "2000-01-31", "from"),
])
async def test_a_reversed_or_too_long_period_is_refused_with_the_field_at_fault(
    api: Api, first: str, last: str, field: str
) -> None:
    staff = await api.staff()

    body = (await api.raw(KPIS, {"from": first, "to": last}, staff)).json()

    assert body["data"]["kpis"] is None
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [("INVALID_INPUT", field)]


async def test_refusals_are_worded_in_chinese_for_chinese_callers(api: Api) -> None:
    staff = await api.staff()
    await Member.filter(email=staff.email).update(locale="zh-CN")

    body = (await api.raw(KPIS, {"from": "2026-03-02", "to": "2026-03-01"}, staff)).json()

    assert body["errors"][0]["message"] == "结束日期不能早于开始日期。"


DELETE_ACCOUNT = """
mutation Delete($password: String!) { deleteMyAccount(password: $password) { userErrors { field code message } } }
"""


async def _member_who_leaves(api: Api, joined_on: datetime, leaves_on: datetime) -> None:
    with clock.travel(leaves_on):
        caller = await api.member(password="correct-horse-battery")
        await Member.filter(email=caller.email).update(joined_at=joined_on)
        result = (await api.run(DELETE_ACCOUNT, {"password": "correct-horse-battery"}, caller))["deleteMyAccount"]
    assert result["userErrors"] == [], result


async def test_members_who_delete_their_account_are_what_retention_loses(api: Api) -> None:
    await joined(at(1, 10))  # stays
    await _member_who_leaves(api, at(1, 12), at(3, 20))  # a member at the start, gone by the end
    await _member_who_leaves(api, at(1, 14), at(2, 10))  # gone before March: not a member at its start
    await joined(at(3, 5))  # new in March
    with clock.travel(NOW):
        staff = await api.staff()

    figures = await kpis(api, staff, "2026-03-01", "2026-03-31")

    # 2 members at the start; at the end the one who stayed and the new one: (2 − 1) / 2
    assert figures["newMembers"] == 1
    assert (figures["retentionRate"], figures["churnRate"]) == (0.5, 0.5)
