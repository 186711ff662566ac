"""The console's member page over ASGI: what it shows, the three staff forms, errors beside the fields,
a double-submitted adjustment applied once, analysts without forms (and refused by the routes)."""

from __future__ import annotations

import re

from server.accounts import set_role
from server.models import AuditEntry, LedgerEntry, Member, Role
from tests.points_support import assert_ledger_consistent
from tests.rewards_portal_support import member_browser
from tests.support import Api

KEY = re.compile(r'name="key" value="([^"]+)"')


async def _member_url(api: Api, **extra) -> tuple[str, str]:
    caller = await api.member(**extra)
    return "/staff/members/" + caller.member_id.rstrip("="), caller.email or ""


async def test_staff_see_the_member_and_adjust_once_however_often_the_form_is_sent(app, api: Api) -> None:
    partner = await api.partner()
    url, email = await _member_url(api, displayName="Wang Fang")
    await api.purchase(partner, email, "120.00", order_id="ORD-PAGE")
    async with member_browser(app, api) as (browser, me):
        await set_role(me.email or "", Role.STAFF)
        page = await browser.get(url)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "Wang Fang" in page.text and email in page.text and "Points history (1 entries)" in page.text
        assert 'action="' + url + '/adjust"' in page.text and "Goodwill gesture" in page.text
        key = KEY.search(page.text).group(1)
        form = {"delta": "50", "reason_code": "GOODWILL", "reason": "Sorry for the wait", "key": key}
        first = await browser.post(url + "/adjust", form)
        second = await browser.post(url + "/adjust", form)  # the same form sent twice
        after = await browser.get(url)
        assert KEY.search(after.text).group(1) != key  # each render makes a new key
    assert first.status_code == second.status_code == 303
    assert "Points adjusted by +50. New balance: 170." in after.text
    assert await LedgerEntry.filter(kind="ADJUSTMENT").count() == 1
    member = await Member.get(email=email)
    assert (await assert_ledger_consistent(member.id)).balance == 170
    assert await AuditEntry.filter(action="points.adjust", member_id=member.id).count() == 1


async def test_errors_show_beside_their_fields_and_nothing_changes(app, api: Api) -> None:
    url, email = await _member_url(api, birthday="1990-01-01")
    async with member_browser(app, api) as (browser, me):
        await set_role(me.email or "", Role.STAFF)
        missing = await browser.post(url + "/adjust", {"delta": "ten", "reason_code": "", "reason": "", "key": "k1"})
        too_much = await browser.post(url + "/adjust", {"delta": "-5", "reason_code": "CORRECTION",
                                                        "reason": "Duplicate", "key": "k2"})
        capped = await browser.post(url + "/adjust", {"delta": "10001", "reason_code": "GOODWILL",
                                                      "reason": "Big", "key": "k3"})
        past = await browser.post(url + "/override-tier", {"tier_code": "gold", "until": "2001-01-01",
                                                            "reason": "VIP"})
        no_reason = await browser.post(url + "/birthday", {"birthday": "1990-02-01", "reason": ""})
        done = await browser.post(url + "/birthday", {"birthday": "1990-02-01", "reason": "Passport"})
    assert missing.status_code == 422 and missing.text.count('aria-invalid="true"') == 3
    assert "Enter a whole number of points" in missing.text and 'value="k1"' in missing.text
    assert too_much.status_code == 422 and "This needs 5 points; the balance is 0." in too_much.text
    assert capped.status_code == 422 and "You can adjust at most 10,000 points a day" in capped.text
    assert past.status_code == 422 and "Choose a day after today." in past.text
    assert no_reason.status_code == 422 and done.status_code == 303
    member = await Member.get(email=email)
    assert (member.balance, member.tier_code, str(member.birthday)) == (0, "silver", "1990-02-01")
    assert [e.action for e in await AuditEntry.all()] == ["member.birthday_correct"]


async def test_analysts_read_the_member_page_without_forms_and_their_posts_are_refused(app, api: Api) -> None:
    url, email = await _member_url(api)
    async with member_browser(app, api) as (browser, me):
        await set_role(me.email or "", Role.ANALYST)
        page = await browser.get(url)
        posted = await browser.post(url + "/adjust", {"delta": "5", "reason_code": "OTHER", "reason": "x", "key": "a"})
        missing = await browser.get("/staff/members/TWVtYmVyOjk5OTk5")
        forged = await browser.get("/staff/members/not-an-id")
    assert page.status_code == 200 and "<form method=\"post\"" not in page.text.split("<main", 1)[-1]
    assert "Analysts can look at members but not change" in page.text
    assert posted.status_code == 403 and (await Member.get(email=email)).balance == 0
    assert missing.status_code == 404 and forged.status_code == 404
