"""upsertBenefit as the console uses it: every field error at once, create-only, the audit row written in the
change's own transaction (a refused or failed change leaves neither), analysts refused in the API and the domain."""

from __future__ import annotations

import pytest

from server import audit, catalog
from server.accounts import set_role
from server.core.errors import DomainError, ErrorCode
from server.models import AuditEntry, Benefit, Member, Role
from tests.catalog_support import CANCEL, REDEEM, UPSERT_BENEFIT, add_benefit, benefit_input, give_points
from tests.support import Api

CREATE = """
mutation Create($input: BenefitInput!) {
  upsertBenefit(input: $input, create: true) {
    benefit { slug titleEn titleZh stock issued }
    userErrors { field code message }
  }
}
"""


async def test_every_field_at_fault_is_answered_at_once_and_nothing_is_saved(api: Api) -> None:
    staff = await api.staff()
    bad = benefit_input(slug="No Good", category="Dining Room", pointsCost=0, minTierCode="platinum", stock=-1,
                        perMemberLimit=0, availableFrom="2026-12-02T00:00:00Z", availableUntil="2026-12-01T00:00:00Z")
    errors = (await api.run(UPSERT_BENEFIT, {"input": bad}, staff))["upsertBenefit"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (field, "INVALID_INPUT") for field in
        ("slug", "category", "pointsCost", "minTierCode", "stock", "perMemberLimit", "availableUntil")
    ]
    assert "choose from silver, gold, diamond" in errors[3]["message"]
    assert await Benefit.all().count() == 0 and await AuditEntry.all().count() == 0


async def test_field_errors_are_worded_in_chinese_for_chinese_staff(api: Api) -> None:
    staff = await api.staff()
    await api.run("mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { userErrors { code } } }",
                  {"i": {"locale": "zh-CN"}}, staff)
    errors = (await api.run(UPSERT_BENEFIT, {"input": benefit_input(pointsCost=0, stock=-5)}, staff))
    messages = {e["field"]: e["message"] for e in errors["upsertBenefit"]["userErrors"]}
    assert messages == {
        "pointsCost": "请输入 1 至 10,000,000 的整数积分。", "stock": "请输入 0 至 10,000,000 件，留空表示不限。"
    }


async def test_create_only_never_overwrites_and_the_stored_texts_are_readable(api: Api) -> None:
    staff = await api.staff()
    made = await api.run(CREATE, {"input": benefit_input(slug="pen", title="Pen", titleZh="笔", stock=4)}, staff)
    again = await api.run(CREATE, {"input": benefit_input(slug="pen", title="Other")}, staff)
    assert made["upsertBenefit"] == {
        "benefit": {"slug": "pen", "titleEn": "Pen", "titleZh": "笔", "stock": 4, "issued": 0}, "userErrors": []
    }
    assert [(e["field"], e["code"]) for e in again["upsertBenefit"]["userErrors"]] == [("slug", "INVALID_INPUT")]
    assert (await Benefit.get(slug="pen")).title == "Pen"
    assert [e.action for e in await AuditEntry.all()] == ["benefit.create"]


async def test_a_refused_change_writes_no_audit_row_and_a_failed_audit_undoes_the_change(api: Api, monkeypatch) -> None:
    staff = await api.staff()
    await add_benefit(api, staff, slug="cap", title="Cap", stock=10, pointsCost=100)
    await Benefit.filter(slug="cap").update(issued=6)
    await AuditEntry.all().delete()
    refused = await api.run(UPSERT_BENEFIT, {"input": benefit_input(slug="cap", title="Cap", stock=5)}, staff)
    unchanged = await api.run(UPSERT_BENEFIT, {"input": benefit_input(slug="cap", title="Cap", stock=10)}, staff)
    assert refused["upsertBenefit"]["userErrors"][0]["field"] == "stock"
    assert unchanged["upsertBenefit"]["userErrors"] == []
    assert await AuditEntry.all().count() == 0  # neither a refusal nor a save that changes nothing is a change

    async def broken(*args, **kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(audit, "record", broken)
    staff_row = await Member.get(email=staff.email)
    with pytest.raises(RuntimeError):
        await catalog.upsert_benefit(staff_row, catalog.BenefitInput(
            slug="cap", title="Cap", category="dining", points_cost=999, stock=10))
    assert (await Benefit.get(slug="cap")).points_cost == 100


async def test_analysts_are_refused_in_the_api_and_in_the_domain(api: Api) -> None:
    analyst = await api.member()
    await set_role(analyst.email or "", Role.ANALYST)
    answer = await api.run(UPSERT_BENEFIT, {"input": benefit_input(slug="x")}, analyst)
    assert [(e["code"]) for e in answer["upsertBenefit"]["userErrors"]] == ["FORBIDDEN"]
    with pytest.raises(DomainError) as refused:
        await catalog.upsert_benefit(await Member.get(email=analyst.email), catalog.BenefitInput(
            slug="x", title="X", category="dining", points_cost=1))
    assert refused.value.code is ErrorCode.FORBIDDEN
    assert await Benefit.all().count() == 0 and await AuditEntry.all().count() == 0


async def test_staff_cancelling_a_members_voucher_is_audited_but_the_member_cancelling_is_not(api: Api) -> None:
    staff, partner = await api.staff(), await api.partner()
    member = await api.member()
    benefit = await add_benefit(api, staff, slug="film", pointsCost=10)
    await give_points(api, partner, member, 100)
    first = await api.run(REDEEM, {"benefitId": benefit["id"], "key": "one"}, member)
    second = await api.run(REDEEM, {"benefitId": benefit["id"], "key": "two"}, member)
    await AuditEntry.all().delete()
    await api.run(CANCEL, {"id": first["redeemBenefit"]["redemption"]["id"]}, member)
    by_staff = await api.run(CANCEL, {"id": second["redeemBenefit"]["redemption"]["id"]}, staff)
    assert by_staff["cancelRedemption"]["userErrors"] == []
    entries = await AuditEntry.all()
    owner = await Member.get(email=member.email)
    assert [(e.action, e.actor_email, e.member_id, e.before, e.after) for e in entries] == [
        ("redemption.cancel", staff.email, owner.id, {"status": "ISSUED"}, {"status": "CANCELLED"})
    ]
