"""The console's catalog over ASGI: every benefit listed, create and edit with errors beside their fields,
deactivate from the list, each change audited; analysts read the same pages with the forms disabled."""

from __future__ import annotations

import re

import pytest

from server.accounts import set_role
from server.models import AuditEntry, Benefit, Role
from tests.catalog_support import add_benefit
from tests.rewards_portal_support import Browser, member_browser
from tests.support import Api

FIELD_ERROR = re.compile(r'<p class="field-error" id="e-(\w+)">([^<]+)</p>')
GOOD = {
    "slug": "tea-voucher", "category": "dining", "title": "Tea voucher", "titleZh": "茶券", "description": "A pot.",
    "descriptionZh": "", "pointsCost": "150", "minTierCode": "", "stock": "20", "perMemberLimit": "2",
    "availableFrom": "", "availableUntil": "", "active": "on",
}


async def staff_browser(browser: Browser, email: str, role: Role = Role.STAFF) -> None:
    await set_role(email, role)
    await browser.get("/staff/catalog")


async def test_staff_create_a_benefit_seeing_every_mistake_beside_its_field(app, api: Api) -> None:
    async with member_browser(app, api) as (browser, me):
        await staff_browser(browser, me.email or "")
        form = await browser.get("/staff/catalog/new")
        wrong = await browser.post("/staff/catalog/new", {
            **GOOD, "slug": "Tea Voucher!", "pointsCost": "0", "stock": "ten",
            "availableFrom": "2026-12-10T10:00", "availableUntil": "2026-12-01T10:00",
        })
        wrong_api = await browser.post("/staff/catalog/new", {
            **GOOD, "slug": "Tea Voucher!", "pointsCost": "0",
            "availableFrom": "2026-12-10T10:00", "availableUntil": "2026-12-01T10:00",
        })
        created = await browser.post("/staff/catalog/new", GOOD)
        listing = await browser.get("/staff/catalog")
        again = await browser.post("/staff/catalog/new", {**GOOD, "title": "Overwrite?"})
    assert form.status_code == 200 and 'name="csrf_token"' in form.text and "Create benefit" in form.text
    assert wrong.status_code == 422 and dict(FIELD_ERROR.findall(wrong.text)) == {"stock": "Enter a whole number."}
    errors = dict(FIELD_ERROR.findall(wrong_api.text))
    assert set(errors) == {"slug", "pointsCost", "availableUntil"}
    assert "lower-case letters" in errors["slug"] and errors["availableUntil"] == "The end must be after the start."
    assert 'value="Tea Voucher!"' in wrong_api.text  # what was typed stays in the form
    assert created.status_code == 303 and created.headers["location"] == "/staff/catalog"
    assert again.status_code == 422 and "already exists" in dict(FIELD_ERROR.findall(again.text))["slug"]
    benefit = await Benefit.get(slug="tea-voucher")
    assert (benefit.title, benefit.title_zh, benefit.stock, benefit.per_member_limit) == ("Tea voucher", "茶券", 20, 2)
    assert "Benefit saved." in listing.text and "Tea voucher" in listing.text and "20 of 20 left" in listing.text
    entries = await AuditEntry.all()
    assert [(e.action, e.actor_email, e.target_id) for e in entries] == [("benefit.create", me.email, "tea-voucher")]
    assert entries[0].after["points_cost"] == 150


async def test_staff_edit_and_deactivate_and_each_change_is_audited_before_to_after(app, api: Api) -> None:
    staff = await api.staff()
    await add_benefit(api, staff, slug="mug", title="Mug", pointsCost=300, stock=5,
                      availableFrom="2026-01-01T00:00:30+00:00")
    await AuditEntry.all().delete()
    await Benefit.filter(slug="mug").update(issued=3)
    async with member_browser(app, api) as (browser, me):
        await staff_browser(browser, me.email or "")
        page = await browser.get("/staff/catalog/mug/edit")
        values = dict(re.findall(r'name="(\w+)" type="[\w-]+" value="([^"]*)"', page.text))
        too_low = await browser.post("/staff/catalog/mug/edit", {**values, "stock": "2", "active": "on"})
        saved = await browser.post("/staff/catalog/mug/edit", {**values, "pointsCost": "350", "active": "on"})
        off = await browser.post("/staff/catalog/mug/active", {"active": "0"})
        listing = await browser.get("/staff/catalog")
        on = await browser.post("/staff/catalog/mug/active", {"active": "1"})
        missing = await browser.get("/staff/catalog/nope/edit")
    assert values["availableFrom"] == "2026-01-01T08:00"  # shown in the staff member's zone (Asia/Shanghai)
    assert too_low.status_code == 422
    assert dict(FIELD_ERROR.findall(too_low.text)) == {"stock": "3 units are already issued; stock cannot be lower."}
    assert saved.status_code == off.status_code == on.status_code == 303 and missing.status_code == 404
    assert "is deactivated" in listing.text and "Inactive" in listing.text and "Reactivate" in listing.text
    trail = [(e.action, e.before, e.after) for e in await AuditEntry.all().order_by("id")]
    assert trail == [
        ("benefit.update", {"points_cost": 300}, {"points_cost": 350}),  # the untouched window is not "changed"
        ("benefit.deactivate", {"active": True}, {"active": False}),
        ("benefit.activate", {"active": False}, {"active": True}),
    ]
    mug = await Benefit.get(slug="mug")
    assert mug.points_cost == 350 and mug.active and mug.available_from.second == 30


@pytest.mark.parametrize("role", [Role.ANALYST, None])
async def test_analysts_read_the_catalog_with_forms_disabled_and_members_get_403(app, api: Api, role) -> None:
    staff = await api.staff()
    await add_benefit(api, staff, slug="lamp", title="Lamp")
    await AuditEntry.all().delete()
    async with member_browser(app, api) as (browser, me):
        if role is not None:
            await staff_browser(browser, me.email or "", role)
        listing = await browser.get("/staff/catalog")
        edit = await browser.get("/staff/catalog/lamp/edit")
        new = await browser.get("/staff/catalog/new")
        posts = [
            await browser.post("/staff/catalog/new", GOOD),
            await browser.post("/staff/catalog/lamp/edit", {**GOOD, "slug": "lamp"}),
            await browser.post("/staff/catalog/lamp/active", {"active": "0"}),
        ]
    if role is Role.ANALYST:
        assert listing.status_code == edit.status_code == new.status_code == 200
        assert "Lamp" in listing.text and "New benefit</a>" not in listing.text and "Deactivate" not in listing.text
        assert "<fieldset disabled>" in edit.text and "Save changes" not in edit.text
        assert "Analysts can read the catalog but not change it." in edit.text
    else:
        assert listing.status_code == edit.status_code == new.status_code == 403
    assert [p.status_code for p in posts] == [403, 403, 403]
    assert (await Benefit.get(slug="lamp")).active and not await Benefit.exists(slug="tea-voucher")
    assert await AuditEntry.all().count() == 0


async def test_a_posted_form_without_its_csrf_token_changes_nothing(app, api: Api) -> None:
    async with member_browser(app, api) as (browser, me):
        await staff_browser(browser, me.email or "")
        refused = await browser.post("/staff/catalog/new", GOOD, csrf=False)
    assert refused.status_code == 403 and not await Benefit.exists(slug="tea-voucher")
