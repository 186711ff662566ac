"""The moderation queue: pending reviews oldest first with each author's record, publish or reject many at once
(one transaction per review, each audited), analysts read it and are refused every decision; the console page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from strawberry import relay

from server.accounts import set_role
from server.core import clock
from server.core.errors import DomainError, ErrorCode
from server.models import AuditEntry, LedgerEntry, LedgerKind, Member, Notification, Review, ReviewStatus, Role
from server.social import moderation
from tests.care.support import utc
from tests.points_support import race, two_servers
from tests.rewards_portal_support import member_browser
from tests.support import Api, Caller

SUBMIT = """
mutation Submit($input: ReviewInput!) { submitReview(input: $input) { review { id } userErrors { code } } }
"""
QUEUE = """
query Queue($first: Int, $after: String) {
  reviewQueue(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { title status author { email tier { code } }
                   authorHistory { published rejected pending recent { subject status } } } }
  }
}
"""
BULK = """
mutation Bulk($ids: [ID!]!, $decision: ModerationDecision!) {
  moderateReviews(reviewIds: $ids, decision: $decision) {
    results { reviewId changed review { status } userError { field code } }
    userErrors { field code }
  }
}
"""
MODERATE = """
mutation One($id: ID!, $decision: ModerationDecision!) {
  moderateReview(reviewId: $id, decision: $decision) { review { status } userErrors { code } }
}
"""
T0 = utc(2026, 11, 20, 8)


async def submit(api: Api, author: Caller, title: str, subject: str | None = None, at=None) -> str:
    variables = {"input": {"subject": subject or f"sku:{title.lower()}", "rating": 4, "title": title, "body": "ok"}}
    with clock.travel(at or clock.now()):
        payload = (await api.run(SUBMIT, variables, author))["submitReview"]
    assert payload["userErrors"] == []
    return payload["review"]["id"]


def row(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


async def test_the_queue_lists_pending_reviews_oldest_first_with_each_authors_record(api: Api) -> None:
    staff, ann, bob = await api.staff(), await api.member(), await api.member()
    await submit(api, ann, "Old", at=T0)
    await submit(api, bob, "Middle", at=T0 + timedelta(hours=1))
    await submit(api, ann, "New", at=T0 + timedelta(hours=2))
    done = await submit(api, ann, "Done", at=T0 - timedelta(days=3))
    await api.run(MODERATE, {"id": done, "decision": "REJECT"}, staff)
    analyst = await api.member()
    await set_role(analyst.email or "", Role.ANALYST)

    as_staff = (await api.run(QUEUE, {}, staff))["reviewQueue"]
    as_analyst = (await api.run(QUEUE, {"first": 1}, analyst))["reviewQueue"]
    rest = (await api.run(QUEUE, {"first": 5, "after": as_analyst["pageInfo"]["endCursor"]}, analyst))["reviewQueue"]
    as_member = (await api.run(QUEUE, {}, ann))["reviewQueue"]

    nodes = [e["node"] for e in as_staff["edges"]]
    assert [n["title"] for n in nodes] == ["Old", "Middle", "New"] and as_staff["totalCount"] == 3
    assert nodes[0]["author"] == {"email": ann.email, "tier": {"code": "silver"}}
    assert nodes[0]["authorHistory"]["published"] == 0 and nodes[0]["authorHistory"]["rejected"] == 1
    assert nodes[0]["authorHistory"]["pending"] == 2
    assert [p["status"] for p in nodes[0]["authorHistory"]["recent"]] == ["PENDING", "PENDING", "REJECTED"]
    assert [e["node"]["title"] for e in as_analyst["edges"]] == ["Old"]
    assert [e["node"]["title"] for e in rest["edges"]] == ["Middle", "New"]
    assert as_member == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": []}


async def test_a_bulk_decision_reports_each_review_and_audits_only_what_changed(api: Api) -> None:
    staff, ann, bob = await api.staff(), await api.member(), await api.member()
    first, second = await submit(api, ann, "One"), await submit(api, bob, "Two")
    already = await submit(api, bob, "Three")
    await api.run(MODERATE, {"id": already, "decision": "PUBLISH"}, staff)
    await AuditEntry.all().delete()
    gone = relay.to_base64("Review", 999_999)
    forged = relay.to_base64("Ticket", 1)

    payload = (await api.run(BULK, {"ids": [first, second, already, gone, forged, first], "decision": "PUBLISH"},
                             staff))["moderateReviews"]

    assert payload["userErrors"] == []
    assert [(r["reviewId"], r["changed"], r["review"], r["userError"]) for r in payload["results"]] == [
        (first, True, {"status": "PUBLISHED"}, None),
        (second, True, {"status": "PUBLISHED"}, None),
        (already, False, {"status": "PUBLISHED"}, None),
        (gone, False, None, {"field": "reviewId", "code": "NOT_FOUND"}),
        (forged, False, None, {"field": "reviewIds", "code": "INVALID_INPUT"}),
    ]
    trail = await AuditEntry.all().order_by("id")
    assert [(e.action, e.target_id, e.before, e.after) for e in trail] == [
        ("review.publish", str(row(first)), {"status": "PENDING"}, {"status": "PUBLISHED"}),
        ("review.publish", str(row(second)), {"status": "PENDING"}, {"status": "PUBLISHED"}),
    ]
    assert {e.actor_email for e in trail} == {staff.email}
    authors = {m.email: m.id for m in await Member.filter(email__in=[ann.email, bob.email])}
    assert await LedgerEntry.filter(kind=LedgerKind.REVIEW, member_id=authors[ann.email]).count() == 1
    assert await LedgerEntry.filter(kind=LedgerKind.REVIEW, member_id=authors[bob.email]).count() == 2
    assert await Notification.filter(kind="REVIEW_PUBLISHED").count() == 3


async def test_one_transaction_per_review_a_failure_keeps_the_ones_before_it(api: Api, monkeypatch) -> None:
    staff, ann, bob = await api.staff(), await api.member(), await api.member()
    first, second = row(await submit(api, ann, "One")), row(await submit(api, bob, "Two"))
    from server import audit

    real, calls = audit.record, []

    async def failing_second(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(audit, "record", failing_second)
    with pytest.raises(RuntimeError):
        await moderation.moderate_many(await Member.get(email=staff.email), [first, second], True)
    assert (await Review.get(id=first)).status is ReviewStatus.PUBLISHED
    assert (await Review.get(id=second)).status is ReviewStatus.PENDING
    assert [e.target_id for e in await AuditEntry.all()] == [str(first)]
    assert await LedgerEntry.filter(kind=LedgerKind.REVIEW).count() == 1  # no points for the one rolled back


async def test_analysts_are_refused_every_decision_and_nothing_changes(api: Api) -> None:
    analyst, ann = await api.member(), await api.member()
    await set_role(analyst.email or "", Role.ANALYST)
    review = await submit(api, ann, "Keep")
    bulk = (await api.run(BULK, {"ids": [review], "decision": "REJECT"}, analyst))["moderateReviews"]
    one = (await api.run(MODERATE, {"id": review, "decision": "REJECT"}, analyst))["moderateReview"]
    with pytest.raises(DomainError) as refused:
        await moderation.moderate_many(await Member.get(email=analyst.email), [row(review)], False)
    assert bulk == {"results": [], "userErrors": [{"field": None, "code": "FORBIDDEN"}]}
    assert one["userErrors"] == [{"code": "FORBIDDEN"}] and refused.value.code is ErrorCode.FORBIDDEN
    assert (await Review.get(id=row(review))).status is ReviewStatus.PENDING
    assert await AuditEntry.all().count() == 0


async def test_a_bulk_decision_takes_1_to_100_reviews(api: Api) -> None:
    staff = await api.staff()
    empty = (await api.run(BULK, {"ids": [], "decision": "PUBLISH"}, staff))["moderateReviews"]
    many = [relay.to_base64("Review", n) for n in range(1, 102)]
    too_many = (await api.run(BULK, {"ids": many, "decision": "PUBLISH"}, staff))["moderateReviews"]
    assert empty["userErrors"] == too_many["userErrors"] == [{"field": "reviewIds", "code": "INVALID_INPUT"}]


async def test_the_single_decision_is_audited_once_however_often_it_is_clicked(api: Api) -> None:
    staff, ann = await api.staff(), await api.member()
    review = await submit(api, ann, "Twice")
    for _ in range(2):
        answer = await api.run(MODERATE, {"id": review, "decision": "REJECT"}, staff)
        assert answer["moderateReview"]["userErrors"] == []
    assert [e.action for e in await AuditEntry.all()] == ["review.reject"]


CHECKBOX = re.compile(r'name="review" value="([A-Za-z0-9_-]+)"')


async def test_the_console_page_publishes_ticked_reviews_and_rejects_one_by_its_own_button(app, api: Api) -> None:
    ann, bob = await api.member(displayName="Ann Author"), await api.member()
    for n, author in enumerate([ann, bob, ann]):
        await submit(api, author, f"Review {n}", at=T0 + timedelta(minutes=n))
    async with member_browser(app, api) as (browser, me):
        await set_role(me.email or "", Role.STAFF)
        page = await browser.get("/staff/reviews")
        ids = CHECKBOX.findall(page.text)
        nothing = await browser.post("/staff/reviews/moderate", {"decision": "PUBLISH"})
        after_nothing = await browser.get("/staff/reviews")
        bulk = await browser.client.post("/staff/reviews/moderate", data={
            "csrf_token": browser.csrf, "decision": "PUBLISH", "review": [ids[0], ids[2]]})
        after_bulk = await browser.get("/staff/reviews")
        single = await browser.post("/staff/reviews/moderate", {"single": f"REJECT:{ids[1]}", "review": ids[0]})
        empty = await browser.get("/staff/reviews")
        await browser.post("/language", {"locale": "zh-CN", "next": "/staff/reviews"})
        chinese = await browser.get("/staff/reviews")
        chinese_catalog = await browser.get("/staff/catalog")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert page.text.index("Review 0") < page.text.index("Review 1") < page.text.index("Review 2")
    assert "Ann Author</a>" in page.text and "Published 0 · rejected 0 · waiting 2" in page.text
    assert nothing.status_code == 303 and "Tick at least one review first." in after_nothing.text
    assert bulk.status_code == 303 and "Reviews published: 2." in after_bulk.text
    assert "Review 1" in after_bulk.text and "Review 0" not in after_bulk.text.split("<tbody>")[1]
    assert single.status_code == 303 and "Reviews rejected: 1." in empty.text
    assert "No review is waiting. Well done!" in empty.text
    assert "待审核的评价" in chinese.text and "没有待审核的评价，干得好！" in chinese.text
    assert "权益目录" in chinese_catalog.text and "新建权益" in chinese_catalog.text
    statuses = [r.status for r in await Review.all().order_by("id")]
    assert statuses == [ReviewStatus.PUBLISHED, ReviewStatus.REJECTED, ReviewStatus.PUBLISHED]
    assert [e.action for e in await AuditEntry.all().order_by("id")] == ["review.publish"] * 2 + ["review.reject"]


@pytest.mark.parametrize("role", [Role.ANALYST, None])
async def test_analysts_read_the_queue_without_the_form_and_members_get_403(app, api: Api, role) -> None:
    ann = await api.member()
    await submit(api, ann, "Look only")
    async with member_browser(app, api) as (browser, me):
        if role is not None:
            await set_role(me.email or "", role)
        page = await browser.get("/staff/reviews")
        review_id = relay.to_base64("Review", (await Review.get()).id)
        posted = await browser.post("/staff/reviews/moderate", {"single": f"PUBLISH:{review_id.rstrip('=')}"})
    if role is Role.ANALYST:
        assert page.status_code == 200 and "Look only" in page.text
        assert "/staff/reviews/moderate" not in page.text and 'type="checkbox"' not in page.text
        assert "Analysts can read the queue but not publish or reject reviews." in page.text
    else:
        assert page.status_code == 403
    assert posted.status_code == 403
    assert (await Review.get()).status is ReviewStatus.PENDING and await AuditEntry.all().count() == 0


async def test_two_staff_deciding_the_same_reviews_at_once_grant_points_and_audit_once(api: Api, tmp_path) -> None:
    """Real concurrent requests on two server processes: each review is decided once, whoever wins."""
    alice, bob = await api.staff(), await api.staff()
    authors = [await api.member() for _ in range(3)]
    ids = [await submit(api, author, f"Race {n}") for n, author in enumerate(authors)]
    async with two_servers(tmp_path) as urls:
        answers = await race(urls, [
            (BULK, {"ids": ids, "decision": "PUBLISH"}, alice),
            (BULK, {"ids": list(reversed(ids)), "decision": "PUBLISH"}, bob),
            (BULK, {"ids": ids, "decision": "PUBLISH"}, bob),
        ])
    changed = [r for a in answers for r in a["moderateReviews"]["results"] if r["changed"]]
    assert all(r["userError"] is None for a in answers for r in a["moderateReviews"]["results"])
    assert sorted(r["reviewId"] for r in changed) == sorted(ids)
    assert await AuditEntry.filter(action="review.publish").count() == 3
    assert await LedgerEntry.filter(kind=LedgerKind.REVIEW).count() == 3
    assert all(r.status is ReviewStatus.PUBLISHED for r in await Review.all())
