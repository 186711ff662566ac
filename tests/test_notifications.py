"""Notifications: what creates them, how they read in each locale, and marking them read."""

from __future__ import annotations

from datetime import UTC, datetime

from strawberry import relay

from server.core import clock
from server.messages import notifications
from server.models import Member, Notification
from server.points import lifecycle
from tests.support import SIGN_UP, Api, Caller

INBOX = """
query Inbox($unreadOnly: Boolean, $first: Int, $after: String) {
  viewer { notifications(unreadOnly: $unreadOnly, first: $first, after: $after) {
    totalCount unreadCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind title body read createdAt } }
  } }
}
"""
MARK = """
mutation Mark($ids: [ID!]) {
  markNotificationsRead(ids: $ids) { markedCount unreadCount userErrors { field code message } }
}
"""
NODE = "query Node($id: ID!) { node(id: $id) { ... on Notification { kind read } } }"
MODERATE = """
mutation Moderate($id: ID!, $decision: ModerationDecision!) {
  moderateReview(reviewId: $id, decision: $decision) { userErrors { code } }
}
"""
SUBMIT = """
mutation Submit($input: ReviewInput!) { submitReview(input: $input) { review { id } userErrors { code } } }
"""


async def _seed(caller: Caller, count: int) -> list[Notification]:
    member = await Member.get(email=caller.email)
    return [
        await notifications.notify(member.id, "POINTS_EXPIRING", {"points": n + 1, "date": "2027-01-31"})
        for n in range(count)
    ]


def _gid(row: Notification) -> str:
    return str(relay.GlobalID("Notification", str(row.id)))


async def _inbox(api: Api, caller: Caller, **variables) -> dict:
    return (await api.run(INBOX, variables, caller))["viewer"]["notifications"]


async def test_inbox_lists_newest_first_with_unread_filter_and_badge_count(api: Api) -> None:
    member = await api.member()
    rows = await _seed(member, 3)
    await Notification.filter(id=rows[0].id).update(read_at=clock.now())

    everything = await _inbox(api, member)
    unread = await _inbox(api, member, unreadOnly=True, first=1)

    assert [e["node"]["body"] for e in everything["edges"]] == [
        "3 points expire on 2027-01-31. Use them before then.",
        "2 points expire on 2027-01-31. Use them before then.",
        "1 points expire on 2027-01-31. Use them before then.",
    ]
    assert [e["node"]["read"] for e in everything["edges"]] == [False, False, True]
    assert (everything["totalCount"], everything["unreadCount"]) == (3, 2)
    assert (unread["totalCount"], unread["unreadCount"], unread["pageInfo"]["hasNextPage"]) == (2, 2, True)


async def test_mark_the_given_ids_read(api: Api) -> None:
    member = await api.member()
    rows = await _seed(member, 3)

    payload = (await api.run(MARK, {"ids": [_gid(rows[0]), _gid(rows[2])]}, member))["markNotificationsRead"]
    again = (await api.run(MARK, {"ids": [_gid(rows[0])]}, member))["markNotificationsRead"]

    assert payload == {"markedCount": 2, "unreadCount": 1, "userErrors": []}
    assert again == {"markedCount": 0, "unreadCount": 1, "userErrors": []}
    unread = await Notification.filter(read_at__isnull=True).values_list("id", flat=True)
    assert unread == [rows[1].id]


async def test_null_or_omitted_ids_mark_everything_and_an_empty_list_nothing(api: Api) -> None:
    member = await api.member()
    await _seed(member, 2)

    none_marked = (await api.run(MARK, {"ids": []}, member))["markNotificationsRead"]
    omitted = await api.run("mutation { markNotificationsRead { markedCount unreadCount } }", caller=member)

    assert none_marked == {"markedCount": 0, "unreadCount": 2, "userErrors": []}
    assert omitted["markNotificationsRead"] == {"markedCount": 2, "unreadCount": 0}
    await _seed(member, 1)
    explicit_null = (await api.run(MARK, {"ids": None}, member))["markNotificationsRead"]
    assert explicit_null["markedCount"] == 1
    assert await Notification.filter(read_at__isnull=True).count() == 0


async def test_other_members_notifications_are_ignored(api: Api) -> None:
    me, other = await api.member(), await api.member()
    mine = await _seed(me, 1)
    theirs = await _seed(other, 2)

    payload = (await api.run(MARK, {"ids": [_gid(mine[0]), _gid(theirs[0])]}, me))["markNotificationsRead"]
    everything = (await api.run(MARK, {"ids": None}, me))["markNotificationsRead"]

    assert payload == {"markedCount": 1, "unreadCount": 0, "userErrors": []}
    assert everything["markedCount"] == 0
    assert await Notification.filter(member__email=other.email, read_at__isnull=True).count() == 2
    assert (await api.run(NODE, {"id": _gid(theirs[0])}, me))["node"] is None
    assert (await api.run(NODE, {"id": _gid(theirs[0])}, other))["node"] == {"kind": "POINTS_EXPIRING", "read": False}


async def test_marking_needs_a_member_and_well_formed_ids(api: Api) -> None:
    member = await api.member()
    rows = await _seed(member, 1)

    anonymous = (await api.run(MARK, {"ids": None}))["markNotificationsRead"]
    malformed = (await api.run(MARK, {"ids": ["garbage"]}, member))["markNotificationsRead"]
    wrong_type = (await api.run(MARK, {"ids": [str(relay.GlobalID("Review", "1"))]}, member))["markNotificationsRead"]

    assert [(e["field"], e["code"]) for e in anonymous["userErrors"]] == [(None, "NOT_AUTHENTICATED")]
    assert [(e["field"], e["code"]) for e in malformed["userErrors"]] == [("ids", "INVALID_INPUT")]
    assert [(e["field"], e["code"]) for e in wrong_type["userErrors"]] == [("ids", "INVALID_INPUT")]
    assert (await Notification.get(id=rows[0].id)).read_at is None


async def test_notifications_render_in_the_readers_locale(api: Api) -> None:
    member = await api.member(locale="zh-CN")
    await _seed(member, 1)

    [edge] = (await _inbox(api, member))["edges"]

    assert (edge["node"]["title"], edge["node"]["body"]) == (
        "1 积分即将过期",
        "1 积分将于 2027-01-31 过期，请尽快使用。",
    )


async def test_points_expiring_within_30_days_are_announced_once_per_batch(api: Api) -> None:
    partner = await api.partner()
    member = await api.member()
    with clock.travel(datetime(2026, 1, 15, 10, tzinfo=UTC)):
        await api.purchase(partner, member.email or "", "30.00")
    with clock.travel(datetime(2026, 2, 10, 10, tzinfo=UTC)):
        await api.purchase(partner, member.email or "", "12.00")

    # January's points lapse after 31 January 2027; February's a month later.
    early = await lifecycle.warn_expiring(datetime(2026, 12, 31, 12, tzinfo=UTC))
    first = await lifecycle.warn_expiring(datetime(2027, 1, 5, 12, tzinfo=UTC))
    repeat = await lifecycle.warn_expiring(datetime(2027, 1, 20, 12, tzinfo=UTC))
    second = await lifecycle.warn_expiring(datetime(2027, 2, 5, 12, tzinfo=UTC))

    assert (early, first, repeat, second) == (0, 1, 0, 1)
    params = await Notification.filter(kind="POINTS_EXPIRING").order_by("id").values_list("params", flat=True)
    assert params == [{"points": 30, "date": "2027-01-31"}, {"points": 12, "date": "2027-02-28"}]


async def test_each_programme_event_reaches_the_member(api: Api) -> None:
    partner = await api.partner()
    staff = await api.staff()
    referrer = await api.member(displayName="Ann Lee")
    code = (await api.run("{ viewer { referral { code } } }", caller=referrer))["viewer"]["referral"]["code"]
    signed = (
        await api.run(
            SIGN_UP,
            {
                "input": {
                    "email": "new@example.com",
                    "password": "long-enough-pw",
                    "displayName": "Li Wei",
                    "referralCode": code,
                }
            },
        )
    )["signUp"]
    referee = Caller({"Authorization": f"Bearer {signed['token']}"}, "new@example.com")

    await api.purchase(partner, "new@example.com", "5000.00", subjects=["sku:tea"])
    review = (
        await api.run(SUBMIT, {"input": {"subject": "sku:tea", "rating": 5, "title": "Yes", "body": "Good"}}, referee)
    )["submitReview"]["review"]
    await api.run(MODERATE, {"id": review["id"], "decision": "PUBLISH"}, staff)

    referee_kinds = {e["node"]["kind"]: e["node"] for e in (await _inbox(api, referee))["edges"]}
    referrer_kinds = {e["node"]["kind"]: e["node"] for e in (await _inbox(api, referrer))["edges"]}
    assert set(referee_kinds) == {"TIER_UPGRADE", "REFEREE_REWARDED", "REVIEW_PUBLISHED"}
    assert set(referrer_kinds) == {"REFERRAL_REWARDED"}
    assert referrer_kinds["REFERRAL_REWARDED"]["body"] == "Li W. made a first purchase. 200 points are yours."
    assert referee_kinds["REVIEW_PUBLISHED"]["body"] == "Your review of sku:tea was published. You earned 20 points."
    assert "new@example.com" not in str(referrer_kinds)


async def test_marking_more_ids_than_a_statement_can_bind_is_a_user_error(api: Api) -> None:
    # PostgreSQL binds at most 32,767 parameters in one statement; a 1 MiB body holds ~36,000 ids.
    member = await api.member()
    rows = await _seed(member, 2)
    too_many = [str(relay.GlobalID("Notification", str(n))) for n in range(1, 33_001)]
    most = [_gid(rows[0])] + [str(relay.GlobalID("Notification", str(n))) for n in range(10**6, 10**6 + 999)]

    refused = (await api.run(MARK, {"ids": too_many}, member))["markNotificationsRead"]
    allowed = (await api.run(MARK, {"ids": most}, member))["markNotificationsRead"]

    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("ids", "INVALID_INPUT")]
    assert allowed == {"markedCount": 1, "unreadCount": 1, "userErrors": []}
    assert await Notification.filter(read_at__isnull=True).values_list("id", flat=True) == [rows[1].id]
