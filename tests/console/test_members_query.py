"""Query.members: the console's member directory — search, filters (tier, insight), keyset paging, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schema.pagination import encode_cursor
from server.accounts import directory
from server.core import clock
from server.models import Role
from server.models.insight import LifecycleStage, RfmSegment
from tests.console.support import insight, many_members, with_role
from tests.sqlcount import count_sql
from tests.support import Api

MEMBERS = """
query Members($first: Int, $after: String, $last: Int, $before: String, $filter: MemberFilter) {
  members(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id email displayName tier { code } points { balance } } }
  }
}
"""


def emails(data: dict) -> list[str]:
    return [edge["node"]["email"] for edge in data["members"]["edges"]]


async def test_staff_search_by_a_piece_of_the_email_or_the_name_case_insensitively(api: Api) -> None:
    staff = await with_role(api, Role.STAFF, email="boss@example.com", displayName="The Boss")
    await api.member(email="grace.hopper@example.com", displayName="Grace H")
    await api.member(email="ada@example.com", displayName="Ada LOVELACE")
    await api.member(email="percent@example.com", displayName="100% Club")
    await api.member(email="under_score@example.com", displayName="王小明")

    async def search(term: str) -> list[str]:
        return emails(await api.run(MEMBERS, {"filter": {"search": term}}, staff))

    assert await search("HOPPER") == ["grace.hopper@example.com"]
    assert await search("lovelace") == ["ada@example.com"]
    assert await search("  小明 ") == ["under_score@example.com"]
    assert await search("%") == ["percent@example.com"]  # a wildcard is taken literally
    assert await search("_") == ["under_score@example.com"]
    assert len(await search("")) == 5
    assert await search("nobody") == []


async def test_filters_by_tier_and_by_the_insight_snapshot_with_unseen_members_as_never_bought(api: Api) -> None:
    staff = await with_role(api, Role.STAFF, email="staff@example.com")
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with clock.travel(now):
        old = await many_members(3, prefix="old", joined=now - timedelta(days=200))
        fresh = await many_members(2, prefix="new", tier="gold", joined=now - timedelta(days=10))
        await insight(old[0].id, RfmSegment.CHAMPIONS, LifecycleStage.ACTIVE, high_value=True)
        await insight(old[1].id, RfmSegment.AT_RISK, LifecycleStage.AT_RISK)
        await insight(fresh[0].id, RfmSegment.NEW_CUSTOMERS, LifecycleStage.NEW)
        # old[2] and fresh[1] have no insight row yet; the staff member joined "now" (no row either)

        async def listed(**given) -> set[str]:
            return set(emails(await api.run(MEMBERS, {"first": 100, "filter": given}, staff)))

        assert await listed(tierCodes=["gold"]) == {fresh[0].email, fresh[1].email}
        assert await listed(tierCodes=["gold", "silver"], search="old") == {m.email for m in old}
        assert await listed(segments=["CHAMPIONS", "AT_RISK"]) == {old[0].email, old[1].email}
        assert await listed(segments=["NO_PURCHASES"]) == {old[2].email, fresh[1].email, "staff@example.com"}
        assert await listed(stages=["NEW"]) == {fresh[0].email, fresh[1].email, "staff@example.com"}
        assert await listed(stages=["CHURNED"]) == {old[2].email}
        assert await listed(stages=["NEW", "CHURNED"]) == {fresh[0].email, fresh[1].email, old[2].email,
                                                           "staff@example.com"}
        assert await listed(highValue=True) == {old[0].email}
        assert old[0].email not in await listed(highValue=False)
        assert len(await listed(highValue=False)) == 5
        assert await listed(stages=["AT_RISK"], segments=["AT_RISK"], tierCodes=["silver"]) == {old[1].email}
    with clock.travel(now + timedelta(days=25)):  # fresh[1] joined 35 days ago now: unseen and churned
        assert fresh[1].email in set(emails(await api.run(MEMBERS, {"first": 100, "filter": {"stages": ["CHURNED"]}},
                                                          staff)))


async def test_pages_forward_and_back_without_repeats_newest_first(api: Api) -> None:
    analyst = await with_role(api, Role.ANALYST)
    members = await many_members(45)
    newest_first = [m.email for m in reversed(members)]
    seen: list[str] = []
    after = None
    pages = []
    while True:
        data = await api.run(MEMBERS, {"first": 20, "after": after, "filter": {"search": "bulk"}}, analyst)
        pages.append(data["members"])
        seen += emails(data)
        assert data["members"]["totalCount"] == 45
        if not data["members"]["pageInfo"]["hasNextPage"]:
            break
        after = data["members"]["pageInfo"]["endCursor"]
    assert seen == newest_first and len(pages) == 3
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]
    # Back from the last page: the 20 before its first member, then the first page again.
    back = await api.run(MEMBERS, {"last": 20, "before": pages[2]["pageInfo"]["startCursor"],
                                   "filter": {"search": "bulk"}}, analyst)
    assert emails(back) == newest_first[20:40]
    assert back["members"]["pageInfo"]["hasPreviousPage"] and back["members"]["pageInfo"]["hasNextPage"]
    first = await api.run(MEMBERS, {"last": 20, "before": back["members"]["pageInfo"]["startCursor"],
                                    "filter": {"search": "bulk"}}, analyst)
    assert emails(first) == newest_first[:20] and not first["members"]["pageInfo"]["hasPreviousPage"]


async def test_bad_paging_arguments_and_filters_are_typed_errors(api: Api) -> None:
    staff = await with_role(api, Role.STAFF)
    for variables, field in (({"first": 101}, "first"), ({"after": "nope"}, "after"), ({"last": -1}, "last"),
                             ({"last": 5, "before": "bm9wZQ=="}, "before"),
                             ({"filter": {"search": "x" * 101}}, "search")):
        body = (await api.raw(MEMBERS, variables, staff)).json()
        assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": field}, variables


async def test_members_partners_and_visitors_are_refused(api: Api) -> None:
    member, partner = await api.member(), await api.partner()
    for caller, code in ((member, "FORBIDDEN"), (partner, "FORBIDDEN"), (None, "NOT_AUTHENTICATED")):
        body = (await api.raw(MEMBERS, {}, caller)).json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == code


async def test_ten_thousand_members_page_with_the_same_few_statements_as_ten(api: Api) -> None:
    staff = await with_role(api, Role.STAFF)
    await api.run(MEMBERS, {"first": 1}, staff)  # warm the session cache
    oldest = (await many_members(10_000))[0].id
    counts = []
    # The first page, the next one, and one deep down the list (just above the 150 oldest members).
    cursors = [None, None, encode_cursor("member", oldest + 150)]
    for index, after in enumerate(cursors):
        with count_sql() as statements:
            data = await api.run(MEMBERS, {"first": 100, "after": after, "filter": {"search": "bulk"}},
                                 staff)
        counts.append(len(statements))
        assert len(data["members"]["edges"]) == 100 and data["members"]["totalCount"] == 10_000
        if index == 0:
            cursors[1] = data["members"]["pageInfo"]["endCursor"]
    with count_sql() as statements:
        ten = await api.run(MEMBERS, {"first": 10}, staff)
    assert counts[0] <= 4 and counts == [counts[0]] * 3 and len(statements) == counts[0], counts
    assert len(ten["members"]["edges"]) == 10


async def test_iter_members_walks_every_match_in_batches(api: Api) -> None:
    await many_members(25, prefix="walk")
    await many_members(3, prefix="other")
    with count_sql() as statements:
        batches = [batch async for batch in directory.iter_members(directory.MemberFilter(search="walk"), batch=10)]
    assert [len(b) for b in batches] == [10, 10, 5] and len(statements) == 3
    ids = [m.id for batch in batches for m in batch]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 25
    page = await directory.member_page(directory.MemberFilter(search="walk"), 10, batches[0][-1].id)
    assert [m.id for m in page.members] == [m.id for m in batches[1]] and page.total == 25
    with pytest.raises(ValueError):
        [b async for b in directory.iter_members(batch=0)]
