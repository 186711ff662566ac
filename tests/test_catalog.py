"""The benefits catalog: staff upserts with validation, member listing, eligibility, locale, query counts."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from server.models import Benefit
from tests.catalog_support import UPSERT_BENEFIT, add_benefit, benefit_input, give_points, redeem
from tests.sqlcount import count_sql
from tests.support import Api, Caller

BENEFITS = """
query Benefits($first: Int, $after: String, $category: String, $all: Boolean) {
  benefits(first: $first, after: $after, category: $category, includeInactive: $all) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { slug title pointsCost } }
  }
}
"""
ELIGIBILITY = "{ benefits(first: 50) { edges { node { slug viewerEligibility { canRedeem reason } } } } }"
BY_SLUG = """
query BySlug($slug: String!) {
  benefit(slug: $slug) { slug title description active viewerEligibility { canRedeem reason } }
}
"""


def _slugs(data: dict) -> list[str]:
    return [edge["node"]["slug"] for edge in data["benefits"]["edges"]]


async def test_staff_creates_a_benefit_then_updates_it_by_slug(api: Api) -> None:
    staff = await api.staff()
    created = await add_benefit(api, staff, slug="coffee", title="Coffee", pointsCost=300, stock=10, minTierCode="gold")

    data = await api.run(
        UPSERT_BENEFIT,
        {"input": benefit_input(slug="coffee", title="Better coffee", pointsCost=250, perMemberLimit=2, active=False)},
        staff,
    )

    benefit = data["upsertBenefit"]["benefit"]
    assert data["upsertBenefit"]["userErrors"] == []
    assert benefit["id"] == created["id"]
    assert (benefit["title"], benefit["pointsCost"], benefit["perMemberLimit"]) == ("Better coffee", 250, 2)
    assert (benefit["remaining"], benefit["minTier"], benefit["active"]) == (None, None, False)
    rows = await Benefit.all()
    assert len(rows) == 1 and rows[0].title == "Better coffee" and rows[0].stock is None and not rows[0].active


async def test_upsert_keeps_the_active_flag_when_not_given(api: Api) -> None:
    staff = await api.staff()
    await add_benefit(api, staff, slug="tea", active=False)

    await api.run(UPSERT_BENEFIT, {"input": benefit_input(slug="tea", title="Tea")}, staff)

    assert (await Benefit.get(slug="tea")).active is False


async def test_upsert_refuses_each_bad_input_with_the_field_at_fault(api: Api) -> None:
    staff = await api.staff()
    start = datetime(2030, 1, 1, tzinfo=UTC).isoformat()
    cases = [
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "x" * 65}, "slug"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 121}, "title"),
        ({"titleZh": "标" * 121}, "titleZh"),
        ({"category": ""}, "category"),
        ({"category": "Food & Drink"}, "category"),
        ({"pointsCost": 0}, "pointsCost"),
        ({"pointsCost": -5}, "pointsCost"),
        ({"minTierCode": "platinum"}, "minTierCode"),
        ({"stock": -1}, "stock"),
        ({"perMemberLimit": 0}, "perMemberLimit"),
        ({"availableFrom": start, "availableUntil": start}, "availableUntil"),
        ({"availableFrom": "2030-01-01T00:00:00"}, "availableFrom"),
    ]
    for override, field in cases:
        data = await api.run(UPSERT_BENEFIT, {"input": benefit_input(**override)}, staff)

        payload = data["upsertBenefit"]
        assert payload["benefit"] is None, override
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, "INVALID_INPUT")], override
    assert await Benefit.all().count() == 0


async def test_upsert_refuses_a_stock_below_the_units_already_issued(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    benefit = await add_benefit(api, staff, slug="mug", stock=5)
    await give_points(api, partner, member, 300)
    assert (await redeem(api, member, benefit["id"], "k1", 2))["userErrors"] == []

    refused = await api.run(UPSERT_BENEFIT, {"input": benefit_input(slug="mug", stock=1)}, staff)
    accepted = await api.run(UPSERT_BENEFIT, {"input": benefit_input(slug="mug", stock=2)}, staff)

    assert [(e["field"], e["code"]) for e in refused["upsertBenefit"]["userErrors"]] == [("stock", "INVALID_INPUT")]
    assert accepted["upsertBenefit"]["benefit"]["remaining"] == 0
    row = await Benefit.get(slug="mug")
    assert (row.stock, row.issued) == (2, 2)


async def test_only_staff_may_upsert(api: Api) -> None:
    member = await api.member()

    as_member = await api.run(UPSERT_BENEFIT, {"input": benefit_input()}, member)
    anonymous = await api.run(UPSERT_BENEFIT, {"input": benefit_input()})

    assert as_member["upsertBenefit"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert anonymous["upsertBenefit"]["userErrors"][0]["code"] == "NOT_AUTHENTICATED"
    assert await Benefit.all().count() == 0


async def _catalog_with_hidden_ones(api: Api, staff: Caller) -> None:
    now = datetime.now(UTC)
    await add_benefit(api, staff, slug="cinema", pointsCost=800, category="entertainment")
    await add_benefit(api, staff, slug="coffee", pointsCost=300)
    await add_benefit(api, staff, slug="lunch", pointsCost=300)
    await add_benefit(api, staff, slug="cake", pointsCost=150, availableUntil=(now + timedelta(days=1)).isoformat())
    await add_benefit(api, staff, slug="withdrawn", pointsCost=10, active=False)
    await add_benefit(api, staff, slug="ended", pointsCost=10, availableUntil=(now - timedelta(days=1)).isoformat())
    await add_benefit(api, staff, slug="upcoming", pointsCost=10, availableFrom=(now + timedelta(days=1)).isoformat())


async def test_members_see_active_available_benefits_cheapest_first(api: Api) -> None:
    staff = await api.staff()
    member = await api.member()
    await _catalog_with_hidden_ones(api, staff)

    data = await api.run(BENEFITS, {}, member)
    dining = await api.run(BENEFITS, {"category": "dining"}, member)
    sneaky = await api.run(BENEFITS, {"all": True}, member)

    assert _slugs(data) == ["cake", "coffee", "lunch", "cinema"]
    assert data["benefits"]["totalCount"] == 4
    assert _slugs(dining) == ["cake", "coffee", "lunch"]
    assert _slugs(sneaky) == _slugs(data)


async def test_benefits_page_with_cursors_without_repeats(api: Api) -> None:
    staff = await api.staff()
    await _catalog_with_hidden_ones(api, staff)

    first = await api.run(BENEFITS, {"first": 3})
    second = await api.run(BENEFITS, {"first": 3, "after": first["benefits"]["pageInfo"]["endCursor"]})

    assert _slugs(first) == ["cake", "coffee", "lunch"] and first["benefits"]["pageInfo"]["hasNextPage"]
    assert _slugs(second) == ["cinema"] and not second["benefits"]["pageInfo"]["hasNextPage"]


async def test_staff_may_list_withdrawn_and_out_of_window_benefits(api: Api) -> None:
    staff = await api.staff()
    await _catalog_with_hidden_ones(api, staff)

    data = await api.run(BENEFITS, {"all": True}, staff)

    assert sorted(_slugs(data)) == sorted(["cinema", "coffee", "lunch", "cake", "withdrawn", "ended", "upcoming"])


async def test_benefit_by_slug_reaches_out_of_window_ones_but_hides_withdrawn_ones_from_members(api: Api) -> None:
    staff, member = await api.staff(), await api.member()
    await _catalog_with_hidden_ones(api, staff)

    ended = await api.run(BY_SLUG, {"slug": "ended"}, member)
    withdrawn = await api.run(BY_SLUG, {"slug": "withdrawn"}, member)
    withdrawn_for_staff = await api.run(BY_SLUG, {"slug": "withdrawn"}, staff)
    unknown = await api.run(BY_SLUG, {"slug": "nope"}, member)

    assert ended["benefit"]["viewerEligibility"] == {"canRedeem": False, "reason": "NOT_AVAILABLE"}
    assert withdrawn["benefit"] is None
    assert withdrawn_for_staff["benefit"]["active"] is False
    assert unknown["benefit"] is None


async def test_eligibility_names_the_first_blocking_reason_for_each_state(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 1000)
    await add_benefit(api, staff, slug="ok", pointsCost=100)
    await add_benefit(api, staff, slug="gold-only", pointsCost=100, minTierCode="gold")
    await add_benefit(api, staff, slug="sold-out", pointsCost=100, stock=0)
    once = await add_benefit(api, staff, slug="once", pointsCost=100, perMemberLimit=1)
    await add_benefit(api, staff, slug="pricey", pointsCost=5000)
    # Blocked by tier, stock and points at once: the tier is named, being first in the order.
    await add_benefit(api, staff, slug="all-wrong", pointsCost=9000, minTierCode="diamond", stock=0)
    assert (await redeem(api, member, once["id"], "once-1"))["userErrors"] == []

    data = await api.run(ELIGIBILITY, caller=member)
    anonymous = await api.run(ELIGIBILITY)

    answers = {e["node"]["slug"]: e["node"]["viewerEligibility"] for e in data["benefits"]["edges"]}
    assert answers == {
        "ok": {"canRedeem": True, "reason": None},
        "gold-only": {"canRedeem": False, "reason": "TIER_TOO_LOW"},
        "sold-out": {"canRedeem": False, "reason": "OUT_OF_STOCK"},
        "once": {"canRedeem": False, "reason": "LIMIT_REACHED"},
        "pricey": {"canRedeem": False, "reason": "INSUFFICIENT_POINTS"},
        "all-wrong": {"canRedeem": False, "reason": "TIER_TOO_LOW"},
    }
    assert all(e["node"]["viewerEligibility"] is None for e in anonymous["benefits"]["edges"])


async def test_titles_answer_in_the_callers_locale(api: Api) -> None:
    staff = await api.staff()
    await add_benefit(
        api, staff, slug="coffee", title="Free coffee", titleZh="免费咖啡", description="A cup", descriptionZh="一杯"
    )
    await add_benefit(api, staff, slug="plain", title="English only")
    chinese_member = await api.member(locale="zh-CN")

    by_header = await api.http.post(
        "/graphql",
        json={"query": BY_SLUG, "variables": {"slug": "coffee"}},
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    english = await api.run(BY_SLUG, {"slug": "coffee"})
    by_member = await api.run(BY_SLUG, {"slug": "coffee"}, chinese_member)
    fallback = await api.run(BY_SLUG, {"slug": "plain"}, chinese_member)

    assert (by_header.json()["data"]["benefit"]["title"], by_header.json()["data"]["benefit"]["description"]) == (
        "免费咖啡",
        "一杯",
    )
    assert (english["benefit"]["title"], english["benefit"]["description"]) == ("Free coffee", "A cup")
    assert by_member["benefit"]["title"] == "免费咖啡"
    assert fallback["benefit"]["title"] == "English only"
    row = await Benefit.get(slug="coffee")
    assert (row.title, row.title_zh) == ("Free coffee", "免费咖啡")


async def _count_statements(api: Api, caller: Caller, document: str = ELIGIBILITY) -> tuple[int, dict]:
    with count_sql() as statements:
        data = await api.run(document, caller=caller)
    return len(statements), data


async def test_eligibility_over_a_list_takes_the_same_number_of_queries_for_2_or_12_benefits(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 500)
    for _ in range(2):
        await add_benefit(api, staff, perMemberLimit=3)

    few, few_data = await _count_statements(api, member)
    for _ in range(10):
        await add_benefit(api, staff, perMemberLimit=3)
    many, many_data = await _count_statements(api, member)

    assert (len(few_data["benefits"]["edges"]), len(many_data["benefits"]["edges"])) == (2, 12)
    assert few >= 4  # the viewer's token, then benefits, member, held units, lapsed points...
    assert many == few


REDEMPTIONS_WITH_BENEFITS = "{ viewer { redemptions(first: 50) { edges { node { benefit { slug title } } } } } }"


async def test_redemptions_load_their_benefits_in_one_query_for_any_list_length(api: Api) -> None:
    staff, member, partner = await api.staff(), await api.member(), await api.partner()
    await give_points(api, partner, member, 2000)
    benefits = [await add_benefit(api, staff, pointsCost=10) for _ in range(12)]
    await redeem(api, member, benefits[0]["id"], "k0")
    await redeem(api, member, benefits[1]["id"], "k1")

    few, few_data = await _count_statements(api, member, REDEMPTIONS_WITH_BENEFITS)
    for index, benefit in enumerate(benefits[2:], start=2):
        await redeem(api, member, benefit["id"], f"k{index}")
    many, many_data = await _count_statements(api, member, REDEMPTIONS_WITH_BENEFITS)

    assert len(many_data["viewer"]["redemptions"]["edges"]) == 12
    assert many_data["viewer"]["redemptions"]["edges"][-1]["node"]["benefit"]["slug"] == benefits[0]["slug"]
    assert many == few


DEMO_VIEW = """
{
  benefits(first: 50) { edges { node { slug title viewerEligibility { canRedeem reason } } } }
  benefit(slug: "mooncake-box") { title viewerEligibility { reason } }
}
"""
LOG_IN = 'mutation { logIn(email: "demo@example.com", password: "demo-password") { token } }'


async def test_the_demo_catalog_shows_every_eligibility_state_and_loads_idempotently(api: Api) -> None:
    from server.demo import load_demo
    from server.models import Redemption

    await load_demo()
    lines = await load_demo()
    token = (await api.run(LOG_IN))["logIn"]["token"]
    demo = Caller({"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"})

    data = await api.run(DEMO_VIEW, caller=demo)

    states = {
        (e["node"]["viewerEligibility"]["reason"] or "CAN_REDEEM") for e in data["benefits"]["edges"]
    }
    assert states == {"CAN_REDEEM", "TIER_TOO_LOW", "OUT_OF_STOCK", "LIMIT_REACHED", "INSUFFICIENT_POINTS"}
    assert "mooncake-box" not in {e["node"]["slug"] for e in data["benefits"]["edges"]}
    assert data["benefit"]["viewerEligibility"]["reason"] == "NOT_AVAILABLE"
    assert all(e["node"]["title"] != e["node"]["slug"] for e in data["benefits"]["edges"])
    assert await Benefit.filter(title_zh__isnull=True).count() == 0
    assert len({row.category for row in await Benefit.all()}) >= 4
    assert await Redemption.all().count() == 1
    assert any("LIMIT_REACHED" in line for line in lines)


NODE = "query($id: ID!) { node(id: $id) { ... on Benefit { slug } } }"


async def test_node_hides_withdrawn_benefits_from_everyone_but_staff(api: Api) -> None:
    staff, member = await api.staff(), await api.member()
    withdrawn = await add_benefit(api, staff, slug="gone", active=False)
    live = await add_benefit(api, staff, slug="live")

    for_member = await api.run(NODE, {"id": withdrawn["id"]}, member)
    for_staff = await api.run(NODE, {"id": withdrawn["id"]}, staff)
    live_for_anyone = await api.run(NODE, {"id": live["id"]})

    assert for_member["node"] is None
    assert for_staff["node"] == {"slug": "gone"}
    assert live_for_anyone["node"] == {"slug": "live"}


async def test_lookups_with_text_no_database_can_store_find_nothing(api: Api) -> None:
    staff = await api.staff()
    member = await api.member()
    await add_benefit(api, staff, slug="coffee")

    by_slug = await api.run_escaped(BY_SLUG, {"slug": "coffee\ud800"}, member)
    by_nul_slug = await api.run_escaped(BY_SLUG, {"slug": "coffee\x00"}, member)
    by_category = await api.run_escaped(BENEFITS, {"category": "dining\x00"}, member)
    by_bad_category = await api.run_escaped(BENEFITS, {"category": "dining\ud800"}, member)

    assert by_slug["benefit"] is None and by_nul_slug["benefit"] is None
    assert by_category["benefits"]["totalCount"] == by_bad_category["benefits"]["totalCount"] == 0
    assert (await api.run(BY_SLUG, {"slug": "coffee"}, member))["benefit"]["slug"] == "coffee"


async def test_upsert_refuses_unstorable_text_and_windows_beyond_utc(api: Api) -> None:
    staff = await api.staff()
    cases = [
        ({"title": "Coffee\ud800"}, "title"),
        ({"description": "Hot\ud800"}, "description"),
        ({"availableFrom": "0001-01-01T00:00:00+14:00"}, "availableFrom"),
        ({"availableUntil": "9999-12-31T23:59:59-14:00"}, "availableUntil"),
    ]
    for override, field in cases:
        payload = (await api.run_escaped(UPSERT_BENEFIT, {"input": benefit_input(**override)}, staff))["upsertBenefit"]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, "INVALID_INPUT")], override
    assert await Benefit.all().count() == 0


async def test_cursors_out_of_range_are_refused_as_invalid(api: Api) -> None:
    member = await api.member()
    cursors = [
        base64.urlsafe_b64encode(raw.encode()).decode()
        for raw in ("offset:-5", "offset:" + "9" * 30, "offset:1e3")
    ] + ["\ud800"]

    for cursor in cursors:
        body = json.dumps({"query": BENEFITS, "variables": {"after": cursor}})
        response = await api.http.post("/graphql", content=body, headers={"content-type": "application/json"})
        errors = response.json()["errors"]
        assert [e["message"] for e in errors] == ["Invalid cursor: pass an endCursor this API returned."], cursor
    assert (await api.run(BENEFITS, {}, member))["benefits"]["totalCount"] == 0
