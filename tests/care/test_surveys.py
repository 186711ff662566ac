"""Surveys over time: the purchase follow-up after the delay, NPS 30 days after the first purchase and at most
every 90 days, one survey per 30 days with the follow-up first, the ticket follow-up, expiry after 14 days."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from server.core import clock
from server.models import Notification, Survey, SurveyStatus
from tests.care.support import PENDING, member_of_tier, open_ticket, reply, resolve, run, utc
from tests.points_support import programme
from tests.support import Api, Caller

T0 = utc(2026, 3, 1, 20)  # 04:00 on 2 March in Shanghai, the members' time zone


async def pending(api: Api, caller: Caller, at=None) -> list[dict]:
    """The member's pending surveys as of ``at`` (default: now)."""
    with clock.travel(at or clock.now()):
        return (await api.run(PENDING, caller=caller))["viewer"]["pendingSurveys"]


async def buy(api: Api, partner: Caller, caller: Caller, at, order_id: str, amount: str = "120.00") -> None:
    with clock.travel(at):
        await api.purchase(partner, caller.email or "", amount, order_id=order_id)


async def sweep(at) -> str:
    with clock.travel(at):
        return await run("care-surveys")


async def test_a_purchase_is_followed_up_after_the_delay_with_the_order_named(api: Api) -> None:
    partner, member = await api.partner(), await api.member()
    await buy(api, partner, member, T0, "ORD-42")

    assert await sweep(T0 + timedelta(days=2, hours=23)) == "Sent 0 survey(s)."
    assert await sweep(T0 + timedelta(days=3, minutes=1)) == "Sent 1 survey(s)."
    assert await sweep(T0 + timedelta(days=3, minutes=20)) == "Sent 0 survey(s)."

    [survey] = await pending(api, member, T0 + timedelta(days=4))
    assert survey["kind"] == "SATISFACTION" and survey["maxScore"] == 100 and survey["status"] == "SENT"
    assert survey["question"] == "How satisfied are you with your purchase?"
    assert survey["about"] == "Order ORD-42 of Mar 2, 2026"  # the member's local day
    notice = await Notification.get(kind="SURVEY_SENT")
    assert notice.params["prompt"] == "How was your order ORD-42 of Mar 2, 2026?"
    assert notice.params["prompt_zh"] == "您对2026年3月2日的订单 ORD-42 满意吗？"


async def test_the_delay_is_a_programme_setting(api: Api, tmp_path: Path) -> None:
    with programme("survey_delay_days = 5\n", tmp_path):
        partner, member = await api.partner(), await api.member()
        await buy(api, partner, member, T0, "ORD-5")
        assert await sweep(T0 + timedelta(days=4)) == "Sent 0 survey(s)."
        assert await sweep(T0 + timedelta(days=5, minutes=1)) == "Sent 1 survey(s)."


async def test_one_survey_per_30_days_with_the_purchase_follow_up_first_and_nps_every_90_days(api: Api) -> None:
    partner, member = await api.partner(), await api.member()
    await buy(api, partner, member, T0, "ORD-1")
    await sweep(T0 + timedelta(days=3, minutes=1))  # follow-up of ORD-1
    await buy(api, partner, member, T0 + timedelta(days=10), "ORD-2")

    # ORD-2's follow-up falls due 17 days after the first survey: skipped, and never sent later
    for day in (13, 20, 26):
        assert await sweep(T0 + timedelta(days=day, minutes=1)) == "Sent 0 survey(s)."

    # Day 33: NPS would be due (first purchase 33 days ago, last survey 30 days ago), but a purchase two days
    # ago has its follow-up to come: that takes the slot
    await buy(api, partner, member, T0 + timedelta(days=31), "ORD-3")
    assert await sweep(T0 + timedelta(days=33, minutes=5)) == "Sent 0 survey(s)."
    assert await sweep(T0 + timedelta(days=34, minutes=5)) == "Sent 1 survey(s)."
    assert await sweep(T0 + timedelta(days=63)) == "Sent 0 survey(s)."
    assert await sweep(T0 + timedelta(days=64, minutes=10)) == "Sent 1 survey(s)."  # NPS at last
    # The next NPS waits 90 days, however long since the last survey of any kind
    assert await sweep(T0 + timedelta(days=150)) == "Sent 0 survey(s)."
    assert await sweep(T0 + timedelta(days=154, minutes=11)) == "Sent 1 survey(s)."

    sent = await Survey.filter(member_id=(await Survey.first()).member_id).order_by("sent_at")
    assert [(s.kind.value, s.trigger.split(":")[0]) for s in sent] == [
        ("SATISFACTION", "purchase"),
        ("SATISFACTION", "purchase"),
        ("NPS", "nps"),
        ("NPS", "nps"),
    ]
    gaps = [(b.sent_at - a.sent_at).days for a, b in zip(sent, sent[1:], strict=False)]
    assert all(gap >= 30 for gap in gaps) and (sent[3].sent_at - sent[2].sent_at).days >= 90


async def test_the_first_nps_goes_out_30_days_after_the_first_purchase_and_only_to_buyers(api: Api) -> None:
    partner, buyer, browser = await api.partner(), await api.member(), await api.member()
    await buy(api, partner, buyer, T0, "ORD-1")

    # The scheduler was down for four weeks: the purchase follow-up is past its 14 days and is dropped
    assert await sweep(T0 + timedelta(days=29, hours=23)) == "Sent 0 survey(s)."
    assert await sweep(T0 + timedelta(days=30, minutes=1)) == "Sent 1 survey(s)."

    [survey] = await pending(api, buyer, T0 + timedelta(days=31))
    assert survey["kind"] == "NPS" and survey["maxScore"] == 10 and survey["about"] is None
    assert survey["question"] == "How likely are you to recommend us to a friend or colleague?"
    assert await pending(api, browser, T0 + timedelta(days=31)) == []


async def test_a_resolved_ticket_is_followed_up_but_one_the_member_closed_is_not(api: Api) -> None:
    member, other, staff = await api.member(locale="zh-CN"), await api.member(), await api.staff()
    with clock.travel(T0):
        resolved = await open_ticket(api, member, "积分没到账")
        closed = await open_ticket(api, other, "Never mind")
        await reply(api, staff, resolved["id"], "已补发。")
        await resolve(api, staff, resolved["id"])
        await resolve(api, other, closed["id"])

    assert await sweep(T0 + timedelta(minutes=10)) == "Sent 1 survey(s)."
    [survey] = await pending(api, member, T0 + timedelta(hours=1))
    assert survey["kind"] == "SATISFACTION"
    assert survey["question"] == "您对我们处理这次咨询的方式满意吗？"
    assert survey["about"] == "您的咨询“积分没到账”"


async def test_a_purchase_refunded_in_full_is_not_followed_up(api: Api) -> None:
    partner, member = await api.partner(), await api.member()
    await buy(api, partner, member, T0, "ORD-R")
    with clock.travel(T0 + timedelta(days=1)):
        await api.run(
            "mutation { refundPurchase(orderId: \"ORD-R\") { userErrors { code } } }", caller=partner
        )

    assert await sweep(T0 + timedelta(days=3, minutes=1)) == "Sent 0 survey(s)."


async def test_surveys_expire_14_days_after_they_are_sent(api: Api) -> None:
    partner, early, late = await api.partner(), await api.member(), await api.member()
    for caller, order in ((early, "ORD-E"), (late, "ORD-L")):
        await buy(api, partner, caller, T0, order)
    sent_at = T0 + timedelta(days=3, minutes=1)
    await sweep(sent_at)
    [early_survey], [late_survey] = await pending(api, early, sent_at), await pending(api, late, sent_at)
    assert early_survey["expiresAt"] == late_survey["expiresAt"]

    answer = "mutation($id: ID!) { answerSurvey(surveyId: $id, score: 90) { survey { status } userErrors { code } } }"
    with clock.travel(sent_at + timedelta(days=13, hours=23)):
        ok = await api.run(answer, {"id": early_survey["id"]}, early)
    with clock.travel(sent_at + timedelta(days=14, minutes=1)):
        refused = await api.run(answer, {"id": late_survey["id"]}, late)
        assert await pending(api, late) == []
        assert await run("care-survey-expiry") == "Expired 1 survey(s)."
        assert await run("care-survey-expiry") == "Expired 0 survey(s)."
    assert ok["answerSurvey"] == {"survey": {"status": "ANSWERED"}, "userErrors": []}
    assert refused["answerSurvey"] == {"survey": None, "userErrors": [{"code": "SURVEY_EXPIRED"}]}
    statuses = {s.member_id: s.status for s in await Survey.all()}
    assert sorted(statuses.values()) == [SurveyStatus.ANSWERED, SurveyStatus.EXPIRED]


async def test_a_gold_member_in_chinese_gets_the_follow_up_in_chinese(api: Api) -> None:
    partner = await api.partner()
    member = await member_of_tier(api, partner, "gold", locale="zh-CN")
    await buy(api, partner, member, T0, "ORD-ZH")

    await sweep(T0 + timedelta(days=3, minutes=1))

    [survey] = await pending(api, member, T0 + timedelta(days=4))
    assert survey["question"] == "您对这次购物满意吗？"
    assert survey["about"] == "2026年3月2日的订单 ORD-ZH"


async def test_the_follow_up_counts_whole_days_across_29_february_and_names_the_members_own_day(api: Api) -> None:
    partner = await api.partner()
    bought = utc(2028, 2, 29, 6)  # 22:00 on 28 February in Los Angeles
    with clock.travel(bought - timedelta(days=1)):  # bearer tokens live 30 days: sign up near the dates
        member = await api.member(timezone="America/Los_Angeles")

    await buy(api, partner, member, bought, "ORD-LEAP")

    assert await sweep(utc(2028, 3, 3, 5, 59)) == "Sent 0 survey(s)."
    assert await sweep(utc(2028, 3, 3, 6, 1)) == "Sent 1 survey(s)."
    [survey] = await pending(api, member, utc(2028, 3, 4))
    assert survey["about"] == "Order ORD-LEAP of Feb 28, 2028"
