"""The daily lifecycle sweep: expire lapsed points, warn before expiry, re-evaluate tiers after retention."""

from __future__ import annotations

from pathlib import Path

from server.core import clock
from server.models import LedgerEntry, LedgerKind, Member, Notification, Purchase
from server.points import lifecycle
from tests.points_support import assert_ledger_consistent, credit, debit, new_member, programme, utc
from tests.support import RECORD_PURCHASE, Api, Caller

REFUND = "mutation R($o: String!) { refundPurchase(orderId: $o) { pointsEarned userErrors { code } } }"


async def test_expire_all_books_one_expiry_per_member_and_is_safe_to_rerun() -> None:
    # Given two members with lapsed points and one whose points are still good
    lapsed_a, lapsed_b, fresh = await new_member(), await new_member(), await new_member()
    await credit(lapsed_a.id, 40, at=utc(2025, 1, 10))
    await credit(lapsed_a.id, 15, at=utc(2025, 2, 10))
    await credit(lapsed_b.id, 30, at=utc(2025, 1, 20))
    await debit(lapsed_b.id, 10, at=utc(2025, 3, 1))
    await credit(fresh.id, 25, at=utc(2025, 6, 1))

    # When the sweep runs on 1 March 2026 (January's and February's 2025 lots have lapsed)
    touched = await lifecycle.expire_all(utc(2026, 3, 1, 1))
    again = await lifecycle.expire_all(utc(2026, 3, 1, 2))

    # Then each lapsed member has one EXPIRY entry for what was left, and a re-run does nothing
    assert (touched, again) == (2, 0)
    expiries = await LedgerEntry.filter(kind=LedgerKind.EXPIRY).order_by("member_id").values_list("member_id", "delta")
    assert expiries == [(lapsed_a.id, -55), (lapsed_b.id, -20)]
    for member in (lapsed_a, lapsed_b, fresh):
        await assert_ledger_consistent(member.id)
    assert (await Member.get(id=fresh.id)).balance == 25


async def test_warn_expiring_sends_one_notice_per_batch_and_never_repeats_it() -> None:
    member, spent = await new_member(), await new_member()
    await credit(member.id, 10, at=utc(2026, 1, 5))  # lapses after 31 Jan 2027
    await credit(member.id, 20, at=utc(2026, 2, 5))  # lapses after 28 Feb 2027
    await credit(member.id, 70, at=utc(2026, 4, 5))  # too far away to warn about yet
    await credit(spent.id, 10, at=utc(2026, 1, 5))
    await debit(spent.id, 10, at=utc(2026, 1, 6))  # nothing left to lose

    sent = await lifecycle.warn_expiring(utc(2027, 1, 30))
    rerun = await lifecycle.warn_expiring(utc(2027, 1, 31))

    assert (sent, rerun) == (2, 0)
    notes = await Notification.filter(kind="POINTS_EXPIRING").order_by("id")
    assert [(n.member_id, n.params) for n in notes] == [
        (member.id, {"points": 10, "date": "2027-01-31"}),
        (member.id, {"points": 20, "date": "2027-02-28"}),
    ]


async def test_expiry_warning_reads_well_in_both_languages(api: Api) -> None:
    with clock.travel(utc(2027, 1, 20)):
        caller = await api.member(locale="zh-CN")
    member = await Member.get(email=caller.email)
    await credit(member.id, 10, at=utc(2026, 1, 5))
    await lifecycle.warn_expiring(utc(2027, 1, 20))

    with clock.travel(utc(2027, 1, 20, 13)):
        data = await api.run("{ viewer { notifications { edges { node { kind title body } } } } }", caller=caller)

    node = data["viewer"]["notifications"]["edges"][0]["node"]
    assert node == {
        "kind": "POINTS_EXPIRING",
        "title": "10 积分即将过期",
        "body": "10 积分将于 2027-01-31 过期，请尽快使用。",
    }


async def _gold_member(api: Api, partner: Caller, reached: str) -> Caller:
    caller = await api.member()
    with clock.travel(utc(*map(int, reached.split("-")))):
        variables = {"input": {"memberEmail": caller.email, "orderId": f"GOLD-{caller.email}", "amount": "5000.00"}}
        payload = (await api.run(RECORD_PURCHASE, variables, partner))["recordPurchase"]
    assert payload["member"]["tier"]["code"] == "gold"
    return caller


async def test_a_tier_is_kept_until_retention_ends_then_follows_qualifying_points(api: Api) -> None:
    # Given a member who reached gold on 10 March 2026 and was then refunded in full
    partner = await api.partner(["purchases:write"])
    caller = await _gold_member(api, partner, "2026-03-10")
    await api.run(REFUND, {"o": f"GOLD-{caller.email}"}, partner)
    member = await Member.get(email=caller.email)
    assert member.tier_code == "gold"

    # When the sweep runs during the retention period (retainedUntil, 10 March 2027, included),
    # the tier stays
    assert await lifecycle.reevaluate_tiers(utc(2027, 3, 10, 23)) == 0
    assert (await Member.get(id=member.id)).tier_code == "gold"

    # And once it is over, the member moves down to what the window earns, with a notice; the
    # change dates from the end of the review day, not from the run
    assert await lifecycle.reevaluate_tiers(utc(2027, 3, 11, 1)) == 1
    member = await Member.get(id=member.id)
    assert (member.tier_code, member.tier_reached_at) == ("silver", utc(2027, 3, 11, 0))
    assert member.tier_review_on is None
    note = await Notification.get(member_id=member.id, kind="TIER_DOWNGRADE")
    assert note.params["tier_code"] == "silver"


async def test_a_member_who_requalifies_keeps_the_tier_for_another_period(api: Api) -> None:
    from datetime import date

    partner = await api.partner(["purchases:write"])
    caller = await _gold_member(api, partner, "2026-03-10")
    with clock.travel(utc(2027, 1, 5)):
        variables = {"input": {"memberEmail": caller.email, "orderId": "AGAIN", "amount": "4000.00"}}
        await api.run(RECORD_PURCHASE, variables, partner)  # 5,000 qualifying points inside the new window

    assert await lifecycle.reevaluate_tiers(utc(2027, 3, 11)) == 0

    member = await Member.get(email=caller.email)
    assert (member.tier_code, member.tier_review_on) == ("gold", date(2028, 3, 10))
    assert member.tier_reached_at.date() == date(2026, 3, 10)  # reaching it is not moved by keeping it
    assert not await Notification.exists(member_id=member.id, kind="TIER_DOWNGRADE")
    assert await Notification.exists(member_id=member.id, kind="TIER_KEPT")


async def test_a_diamond_member_drops_only_as_far_as_the_window_allows() -> None:
    member = await new_member(tier_code="diamond")
    await Member.filter(id=member.id).update(tier_reached_at=utc(2025, 1, 1))
    partner_row = await _partner_row()
    await Purchase.create(
        partner_id=partner_row, order_id="D-1", member_id=member.id, amount="6000.00", points_earned=6000,
        occurred_at=utc(2025, 11, 1), created_at=utc(2025, 11, 1),
    )

    assert await lifecycle.reevaluate_tiers(utc(2026, 2, 1)) == 1

    assert (await Member.get(id=member.id)).tier_code == "gold"


async def _partner_row() -> int:
    from server.accounts.partners import create_partner

    partner, _ = await create_partner("Direct Partner", ["purchases:write"])
    return partner.id


async def test_run_lifecycle_reports_what_it_did() -> None:
    member = await new_member()
    await credit(member.id, 5, at=utc(2024, 5, 5))

    lines = await lifecycle.run_lifecycle(utc(2026, 1, 1))

    assert lines == [
        "Expired lapsed points for 1 member(s).",
        "Sent 0 expiry warning(s).",
        "Changed the tier of 0 member(s).",
    ]
    assert (await Member.get(id=member.id)).balance == 0


async def test_the_sweep_lifts_members_when_the_programme_lowers_a_threshold(api: Api, tmp_path: Path) -> None:
    partner = await api.partner(["purchases:write"])
    caller = await api.member()
    variables = {"input": {"memberEmail": caller.email, "orderId": "LOW-1", "amount": "3000.00"}}
    assert (await api.run(RECORD_PURCHASE, variables, partner))["recordPurchase"]["member"]["tier"]["code"] == "silver"

    rules = """
[[tiers]]
code = "silver"
threshold = 0
[[tiers]]
code = "gold"
threshold = 2500
earn_multiplier = "1.25"
"""
    with programme(rules, tmp_path):
        changed = await lifecycle.reevaluate_tiers(clock.now())

    assert changed == 1
    member = await Member.get(email=caller.email)
    assert member.tier_code == "gold"
    assert await Notification.exists(member_id=member.id, kind="TIER_UPGRADE")


async def test_the_servers_own_sweep_expires_lapsed_points_without_a_cron() -> None:
    import asyncio
    from datetime import timedelta

    from server.jobs.scheduler import schedule_forever

    # Given points earned 14 months ago that nobody has touched since
    member = await new_member()
    await credit(member.id, 40, at=clock.now() - timedelta(days=430))

    # When the server's scheduler makes a pass
    stop = asyncio.Event()
    scheduler = asyncio.create_task(schedule_forever(1, stop))
    try:
        for _ in range(300):
            await asyncio.sleep(0.05)
            if await LedgerEntry.exists(member_id=member.id, kind=LedgerKind.EXPIRY):
                break
    finally:
        stop.set()
        await asyncio.wait_for(scheduler, 10)

    # Then the lapsed points were written off and the balance shows it
    assert (await Member.get(id=member.id)).balance == 0
    await assert_ledger_consistent(member.id)
