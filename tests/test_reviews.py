"""Reviews: submission rules, moderation with review points, listings, summaries and helpful votes."""

from __future__ import annotations

import asyncio
import json

import pytest
from strawberry import relay

from server.models import LedgerEntry, LedgerKind, Member, Notification, Review, ReviewStatus, ReviewVote
from server.points.program import Program
from tests.sqlcount import count_sql
from tests.support import Api, Caller

SUBMIT = """
mutation Submit($input: ReviewInput!) {
  submitReview(input: $input) {
    review { id subject rating title body authorName verifiedPurchase status helpfulCount createdAt }
    userErrors { field code message }
  }
}
"""
MODERATE = """
mutation Moderate($id: ID!, $decision: ModerationDecision!) {
  moderateReview(reviewId: $id, decision: $decision) { review { id status } userErrors { field code message } }
}
"""
HELPFUL = """
mutation Helpful($id: ID!) {
  markReviewHelpful(reviewId: $id) { review { id helpfulCount } userErrors { field code message } }
}
"""
LIST = """
query List($subject: String!, $first: Int, $after: String) {
  reviews(subject: $subject, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { title rating authorName status helpfulCount } }
  }
  reviewSummary(subject: $subject) { subject count average distribution }
}
"""
MINE = "{ viewer { reviews { totalCount edges { node { title status } } } } }"
NODE = "query Node($id: ID!) { node(id: $id) { ... on Review { title status } } }"
BALANCE = "{ viewer { points { balance } } }"


def _review(
    subject: str = "sku:tea-42", rating: int = 5, title: str = "Lovely", body: str = "Would buy again."
) -> dict:
    return {"input": {"subject": subject, "rating": rating, "title": title, "body": body}}


def _row_id(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


def _codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def _submit(api: Api, caller: Caller, **fields) -> dict:
    payload = (await api.run(SUBMIT, _review(**fields), caller))["submitReview"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["review"]


async def _moderate(api: Api, staff: Caller, review_id: str, decision: str) -> dict:
    return (await api.run(MODERATE, {"id": review_id, "decision": decision}, staff))["moderateReview"]


async def _published(api: Api, staff: Caller, caller: Caller, **fields) -> dict:
    review = await _submit(api, caller, **fields)
    assert (await _moderate(api, staff, review["id"], "PUBLISH"))["userErrors"] == []
    return review


async def test_a_review_is_stored_exactly_as_given_and_starts_pending(api: Api) -> None:
    member = await api.member(displayName="Li Wei")
    body = "<script>alert(1)</script>\n  & \"quotes\" 'single' — 好喝 🍵  "
    title = "<b>Bold</b> claim"

    review = await _submit(api, member, title=title, body=body, rating=4)

    assert review["body"] == body and review["title"] == title
    assert (review["status"], review["rating"], review["authorName"], review["verifiedPurchase"]) == (
        "PENDING",
        4,
        "Li W.",
        False,
    )
    row = await Review.get(member__email=member.email)
    assert (row.body, row.title, row.subject, row.status) == (body, title, "sku:tea-42", ReviewStatus.PENDING)


async def test_verified_purchase_when_the_members_purchases_list_the_subject(api: Api) -> None:
    partner = await api.partner()
    buyer = await api.member()
    await api.purchase(partner, buyer.email or "", "12.00", subjects=["sku:tea-42", "store:shanghai-1"])

    bought = await _submit(api, buyer, subject="sku:tea-42")
    not_bought = await _submit(api, buyer, subject="sku:coffee-7")

    assert bought["verifiedPurchase"] is True and not_bought["verifiedPurchase"] is False


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"title": "x" * 121}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "two\nlines"}, "title"),
        ({"body": "y" * 5001}, "body"),
        ({"body": ""}, "body"),
        ({"body": "bell\x07"}, "body"),
        ({"subject": ""}, "subject"),
        ({"subject": "s" * 201}, "subject"),
    ],
)
async def test_invalid_review_input_names_the_field(api: Api, fields: dict, field: str) -> None:
    member = await api.member()

    payload = (await api.run(SUBMIT, _review(**fields), member))["submitReview"]

    assert payload["review"] is None and _codes(payload) == [(field, "INVALID_INPUT")]
    assert await Review.all().count() == 0


async def test_refusals_are_worded_in_the_members_language(api: Api) -> None:
    member = await api.member(locale="zh-CN")

    payload = (await api.run(SUBMIT, _review(rating=9), member))["submitReview"]

    assert payload["userErrors"] == [
        {"field": "rating", "code": "INVALID_INPUT", "message": "请给出 1 至 5 星的评分。"}
    ]


@pytest.mark.parametrize("field", ["subject", "title", "body"])
async def test_text_that_cannot_be_stored_is_refused_not_a_500(api: Api, field: str) -> None:
    member = await api.member()
    variables = _review()
    variables["input"][field] = "lone \ud800 surrogate"

    # httpx refuses to encode a lone surrogate, so send the JSON escape as a client might.
    response = await api.http.post(
        "/graphql",
        content=json.dumps({"query": SUBMIT, "variables": variables}),
        headers={**member.headers, "Content-Type": "application/json"},
    )

    payload = response.json()["data"]["submitReview"]
    assert _codes(payload) == [(field, "INVALID_INPUT")]
    assert await Review.all().count() == 0


async def test_the_limits_themselves_are_accepted(api: Api) -> None:
    member = await api.member()

    review = await _submit(api, member, title="t" * 120, body="b" * 4999 + "\n", subject="s" * 200, rating=1)

    assert len(review["title"]) == 120 and len(review["body"]) == 5000 and review["rating"] == 1


async def test_submitting_needs_a_signed_in_member(api: Api) -> None:
    payload = (await api.run(SUBMIT, _review()))["submitReview"]

    assert _codes(payload) == [(None, "NOT_AUTHENTICATED")]


async def test_one_review_per_member_and_subject(api: Api) -> None:
    member = await api.member()
    other = await api.member()
    await _submit(api, member)

    again = (await api.run(SUBMIT, _review(title="Changed my mind"), member))["submitReview"]
    trimmed = (await api.run(SUBMIT, _review(subject="  sku:tea-42 "), member))["submitReview"]

    assert _codes(again) == _codes(trimmed) == [("subject", "ALREADY_REVIEWED")]
    await _submit(api, other)  # another member may review the same subject
    await _submit(api, member, subject="sku:other")  # and the member another subject
    assert await Review.all().count() == 3


async def test_simultaneous_duplicate_submissions_store_one_review(api: Api) -> None:
    member = await api.member()

    payloads = await asyncio.gather(*(api.run(SUBMIT, _review(title=f"Take {n}"), member) for n in range(6)))

    results = [p["submitReview"] for p in payloads]
    assert len([r for r in results if r["review"]]) == 1
    assert sorted(_codes(r) for r in results if not r["review"]) == [[("subject", "ALREADY_REVIEWED")]] * 5
    assert await Review.all().count() == 1


async def test_moderation_needs_staff_and_a_real_review(api: Api) -> None:
    member = await api.member()
    staff = await api.staff()
    review = await _submit(api, member)

    assert _codes(await _moderate(api, member, review["id"], "PUBLISH")) == [(None, "FORBIDDEN")]
    anonymous = (await api.run(MODERATE, {"id": review["id"], "decision": "PUBLISH"}))["moderateReview"]
    assert _codes(anonymous) == [(None, "NOT_AUTHENTICATED")]
    assert _codes(await _moderate(api, staff, "not-an-id", "PUBLISH")) == [("reviewId", "INVALID_INPUT")]
    gone = review["id"]
    await Review.all().delete()
    assert _codes(await _moderate(api, staff, gone, "PUBLISH")) == [("reviewId", "NOT_FOUND")]


async def test_publishing_grants_review_points_once_and_notifies(api: Api) -> None:
    points = Program().review_points
    author = await api.member()
    staff = await api.staff()
    review = await _submit(api, author)

    first = await _moderate(api, staff, review["id"], "PUBLISH")
    again = await _moderate(api, staff, review["id"], "PUBLISH")
    down = await _moderate(api, staff, review["id"], "REJECT")
    back = await _moderate(api, staff, review["id"], "PUBLISH")

    assert [p["review"]["status"] for p in (first, again, down, back)] == [
        "PUBLISHED",
        "PUBLISHED",
        "REJECTED",
        "PUBLISHED",
    ]
    assert (await api.run(BALANCE, caller=author))["viewer"]["points"]["balance"] == points
    assert await LedgerEntry.filter(kind=LedgerKind.REVIEW).values_list("delta", flat=True) == [points]
    row = await Review.get(id=_row_id(review["id"]))
    assert row.points_granted and row.status is ReviewStatus.PUBLISHED and row.moderated_at is not None
    notes = await Notification.all().order_by("id").values_list("kind", "params")
    assert [kind for kind, _ in notes] == ["REVIEW_PUBLISHED", "REVIEW_REJECTED"]
    assert notes[0][1]["subject"] == "sku:tea-42" and notes[0][1]["points"] == points


async def test_rejecting_a_pending_review_grants_nothing_and_notifies(api: Api) -> None:
    author = await api.member(locale="zh-CN")
    staff = await api.staff()
    review = await _submit(api, author)

    payload = await _moderate(api, staff, review["id"], "REJECT")

    assert payload["review"]["status"] == "REJECTED"
    assert await LedgerEntry.filter(kind=LedgerKind.REVIEW).count() == 0
    note = await Notification.get(kind="REVIEW_REJECTED")
    assert note.params == {"subject": "sku:tea-42"}
    data = await api.run("{ viewer { notifications { edges { node { kind title body } } } } }", caller=author)
    assert data["viewer"]["notifications"]["edges"][0]["node"]["title"] == "您的评价未通过审核"


async def test_simultaneous_publishing_grants_points_once(api: Api) -> None:
    author = await api.member()
    staff_a, staff_b = await api.staff(), await api.staff()
    review = await _submit(api, author)

    await asyncio.gather(*(_moderate(api, s, review["id"], "PUBLISH") for s in (staff_a, staff_b) * 3))

    assert await LedgerEntry.filter(kind=LedgerKind.REVIEW).count() == 1
    assert await Notification.filter(kind="REVIEW_PUBLISHED").count() == 1


async def test_listing_shows_published_reviews_newest_first_with_a_summary(api: Api) -> None:
    staff = await api.staff()
    ratings = [5, 4, 4, 1]
    for n, rating in enumerate(ratings):
        await _published(api, staff, await api.member(displayName=f"Writer {n}"), title=f"R{n}", rating=rating)
    await _submit(api, await api.member(), title="Pending", rating=2)
    rejected = await _submit(api, await api.member(), title="Rejected", rating=3)
    await _moderate(api, staff, rejected["id"], "REJECT")
    await _published(api, staff, await api.member(), subject="sku:other", rating=1)

    first = await api.run(LIST, {"subject": "sku:tea-42", "first": 3})
    rest = await api.run(
        LIST, {"subject": "sku:tea-42", "first": 3, "after": first["reviews"]["pageInfo"]["endCursor"]}
    )

    titles = [e["node"]["title"] for e in first["reviews"]["edges"] + rest["reviews"]["edges"]]
    assert titles == ["R3", "R2", "R1", "R0"]
    assert first["reviews"]["totalCount"] == 4 and first["reviews"]["pageInfo"]["hasNextPage"] is True
    assert {e["node"]["status"] for e in first["reviews"]["edges"]} == {"PUBLISHED"}
    assert first["reviews"]["edges"][0]["node"]["authorName"] == "Writer 3."
    assert first["reviewSummary"] == {
        "subject": "sku:tea-42",
        "count": 4,
        "average": 3.5,
        "distribution": [1, 0, 0, 2, 1],
    }


async def test_summary_follows_publish_and_take_down(api: Api) -> None:
    staff = await api.staff()
    empty = (await api.run(LIST, {"subject": "sku:new"}))["reviewSummary"]
    assert empty == {"subject": "sku:new", "count": 0, "average": None, "distribution": [0, 0, 0, 0, 0]}
    good = await _published(api, staff, await api.member(), subject="sku:new", rating=5)
    await _published(api, staff, await api.member(), subject="sku:new", rating=2)

    await _moderate(api, staff, good["id"], "REJECT")

    summary = (await api.run(LIST, {"subject": "sku:new"}))["reviewSummary"]
    assert summary == {"subject": "sku:new", "count": 1, "average": 2.0, "distribution": [0, 1, 0, 0, 0]}


async def test_listing_costs_the_same_queries_for_many_authors(api: Api) -> None:
    staff = await api.staff()
    for n in range(3):
        await _published(api, staff, await api.member(displayName=f"Few {n}"))
    with count_sql() as few:
        await api.run(LIST, {"subject": "sku:tea-42"})
    for n in range(9):
        await _published(api, staff, await api.member(displayName=f"Many {n}"))
    with count_sql() as many:
        data = await api.run(LIST, {"subject": "sku:tea-42"})

    assert len(data["reviews"]["edges"]) == 12
    assert len(many) == len(few), (len(few), len(many))


async def test_helpful_votes_count_once_per_member(api: Api) -> None:
    staff = await api.staff()
    author, fan, other = await api.member(), await api.member(), await api.member()
    review = await _published(api, staff, author)

    first = (await api.run(HELPFUL, {"id": review["id"]}, fan))["markReviewHelpful"]
    repeat = (await api.run(HELPFUL, {"id": review["id"]}, fan))["markReviewHelpful"]
    second = (await api.run(HELPFUL, {"id": review["id"]}, other))["markReviewHelpful"]

    assert first["review"]["helpfulCount"] == 1 and first["userErrors"] == []
    assert repeat["review"]["helpfulCount"] == 1 and repeat["userErrors"] == []
    assert second["review"]["helpfulCount"] == 2
    assert await ReviewVote.all().count() == 2
    assert (await Review.get(id=_row_id(review["id"]))).helpful_count == 2


async def test_simultaneous_helpful_votes_by_one_member_count_once(api: Api) -> None:
    staff = await api.staff()
    author, fan = await api.member(), await api.member()
    review = await _published(api, staff, author)

    await asyncio.gather(*(api.run(HELPFUL, {"id": review["id"]}, fan) for _ in range(6)))

    assert (await Review.get(id=_row_id(review["id"]))).helpful_count == 1
    assert await ReviewVote.all().count() == 1


async def test_helpful_is_refused_on_ones_own_and_on_unpublished_reviews(api: Api) -> None:
    staff = await api.staff()
    author, fan = await api.member(), await api.member()
    published = await _published(api, staff, author)
    pending = await _submit(api, author, subject="sku:pending")

    own = (await api.run(HELPFUL, {"id": published["id"]}, author))["markReviewHelpful"]
    own_pending = (await api.run(HELPFUL, {"id": pending["id"]}, author))["markReviewHelpful"]
    unpublished = (await api.run(HELPFUL, {"id": pending["id"]}, fan))["markReviewHelpful"]
    anonymous = (await api.run(HELPFUL, {"id": published["id"]}))["markReviewHelpful"]
    bad_id = (await api.run(HELPFUL, {"id": "nonsense"}, fan))["markReviewHelpful"]

    assert _codes(own) == _codes(own_pending) == [("reviewId", "FORBIDDEN")]
    assert _codes(unpublished) == [("reviewId", "NOT_FOUND")]
    assert _codes(anonymous) == [(None, "NOT_AUTHENTICATED")]
    assert _codes(bad_id) == [("reviewId", "INVALID_INPUT")]
    assert await ReviewVote.all().count() == 0


async def test_member_reviews_lists_own_reviews_in_every_status(api: Api) -> None:
    staff = await api.staff()
    author = await api.member()
    await _published(api, staff, author, title="Live", subject="a")
    rejected = await _submit(api, author, title="Gone", subject="b")
    await _moderate(api, staff, rejected["id"], "REJECT")
    await _submit(api, author, title="Waiting", subject="c")
    await _submit(api, await api.member(), title="Someone else's", subject="a")

    data = (await api.run(MINE, caller=author))["viewer"]["reviews"]

    assert data["totalCount"] == 3
    assert [(e["node"]["title"], e["node"]["status"]) for e in data["edges"]] == [
        ("Waiting", "PENDING"),
        ("Gone", "REJECTED"),
        ("Live", "PUBLISHED"),
    ]


async def test_a_review_node_is_visible_when_published_or_to_its_author_or_staff(api: Api) -> None:
    staff = await api.staff()
    author, stranger = await api.member(), await api.member()
    pending = await _submit(api, author)

    seen = {
        name: (await api.run(NODE, {"id": pending["id"]}, caller))["node"]
        for name, caller in (("author", author), ("staff", staff), ("stranger", stranger), ("anon", None))
    }
    assert seen == {
        "author": {"title": "Lovely", "status": "PENDING"},
        "staff": {"title": "Lovely", "status": "PENDING"},
        "stranger": None,
        "anon": None,
    }

    await _moderate(api, staff, pending["id"], "PUBLISH")
    assert (await api.run(NODE, {"id": pending["id"]}))["node"] == {"title": "Lovely", "status": "PUBLISHED"}


async def test_review_points_follow_the_ledger(api: Api) -> None:
    # The grant is an ordinary REVIEW credit: it shows in the member's ledger with its balance.
    staff = await api.staff()
    author = await api.member()
    await _published(api, staff, author)

    row = await Member.get(email=author.email)
    entry = await LedgerEntry.get(member_id=row.id, kind=LedgerKind.REVIEW)
    assert entry.balance_after == row.balance == Program().review_points
    assert entry.reference is not None and entry.reference.startswith("review:")


async def test_subjects_no_database_can_store_list_nothing_and_are_refused_on_submit(api: Api) -> None:
    author = await api.member()

    listed = await api.run_escaped(LIST, {"subject": "sku:tea\ud800"})
    listed_nul = await api.run_escaped(LIST, {"subject": "sku:tea\x00"})
    submitted = (await api.run_escaped(SUBMIT, _review(subject="sku:\ud800"), author))["submitReview"]

    for data in (listed, listed_nul):
        assert data["reviews"]["totalCount"] == 0
        assert (data["reviewSummary"]["count"], data["reviewSummary"]["distribution"]) == (0, [0, 0, 0, 0, 0])
    assert [(e["field"], e["code"]) for e in submitted["userErrors"]] == [("subject", "INVALID_INPUT")]
    assert await Review.all().count() == 0
