"""A GRANT gift tells the member: a CAMPAIGN_GIFT notification, e-mailed as marketing (with consent only)."""

from __future__ import annotations

from server.messages import notifications
from server.models import Member, Notification, OutboxMessage
from tests.campaigns.support import active_campaign
from tests.care.support import run
from tests.support import Api


async def test_the_gift_is_e_mailed_to_members_who_consented_and_shown_to_everyone(api: Api) -> None:
    staff = await api.staff()
    keen = await api.member(marketingEmails=True, locale="zh-CN")
    quiet = await api.member()
    await OutboxMessage.all().delete()  # forget the sign-up confirmations
    await active_campaign(api, staff, name="Welcome gift", trigger="GRANT", multiplier=None, bonusPoints=88)

    await run("campaign-grants")
    await run("campaign-grants")

    keen_row, quiet_row = await Member.get(email=keen.email), await Member.get(email=quiet.email)
    assert await Notification.filter(kind="CAMPAIGN_GIFT").count() == 2  # staff are not in the audience
    mails = await OutboxMessage.filter(channel="email").values("member_id", "payload")
    assert [(m["member_id"], m["payload"]["category"], m["payload"]["params"]["kind"]) for m in mails] == [
        (keen_row.id, "marketing", "CAMPAIGN_GIFT"),
    ]
    assert quiet_row.id not in [m["member_id"] for m in mails]
    params = mails[0]["payload"]["params"]["params"]
    assert notifications.render("CAMPAIGN_GIFT", params, "zh-CN") == (
        "送您一份礼物：+88 积分", "Welcome gift：88 积分已存入您的账户。"
    )
    assert notifications.render("CAMPAIGN_GIFT", params, "en")[0] == "A gift for you: +88 points"
    assert notifications.email_path("CAMPAIGN_GIFT", params) == "/points"


async def test_patron_demo_creates_an_active_member_day_once() -> None:
    from server.demo import load_demo
    from server.models import Campaign, CampaignStatus

    first = await load_demo()
    second = await load_demo()
    campaign = await Campaign.get(name="Member day")
    assert campaign.status is CampaignStatus.ACTIVE and campaign.recurrence == "FREQ=MONTHLY;BYMONTHDAY=8"
    assert str(campaign.multiplier) == "2.00"
    assert any("Member day" in line and "created" in line for line in first)
    assert any("already there" in line for line in second) and await Campaign.all().count() == 1
