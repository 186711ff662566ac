"""Review pages: writing one (star rating without JS), my reviews, the public subject page, helpful votes, escaping."""

from __future__ import annotations

import re

from server.models import Review, ReviewStatus, ReviewVote
from tests.rewards_portal_support import member_browser

SUBJECT = "product:travel-mug"
SCRIPT = "<script>alert(1)</script>"
HELPFUL_FORM = re.compile(r'action="(/reviews/[A-Za-z0-9_-]+/helpful)"')
MODERATE = """
mutation Moderate($id: ID!, $decision: ModerationDecision!) {
  moderateReview(reviewId: $id, decision: $decision) { review { id status } userErrors { field code message } }
}
"""
REVIEW_IDS = "{ viewer { reviews { edges { node { id } } } } }"


def _form(**values: str) -> dict[str, str]:
    return {"subject": SUBJECT, "rating": "4", "title": "Keeps tea hot", "body": "All day long.", **values}


async def _publish_all(api, author) -> None:
    staff = await api.staff()
    for edge in (await api.run(REVIEW_IDS, caller=author))["viewer"]["reviews"]["edges"]:
        result = await api.run(MODERATE, {"id": edge["node"]["id"], "decision": "PUBLISH"}, staff)
        assert result["moderateReview"]["userErrors"] == []


async def test_the_form_has_five_labelled_star_radios_and_keeps_the_subject(app, api) -> None:
    async with member_browser(app, api) as (browser, _):
        page = await browser.get(f"/reviews/new?subject={SUBJECT}")
    assert page.status_code == 200
    assert len(re.findall(r'<input type="radio" id="rating-\d" name="rating" value="\d"', page.text)) == 5
    assert all(f'<label for="rating-{n}"' in page.text for n in range(1, 6))
    assert "<legend>Your rating</legend>" in page.text
    assert f'name="subject" value="{SUBJECT}"' in page.text and "Travel mug" in page.text


async def test_submitting_by_plain_post_saves_a_pending_review_and_lists_it_as_pending(app, api) -> None:
    async with member_browser(app, api) as (browser, member):
        await browser.get(f"/reviews/new?subject={SUBJECT}")
        answer = await browser.post(f"/reviews/new?subject={SUBJECT}", _form())
        mine = await browser.get("/reviews/mine")
    assert answer.status_code == 303 and answer.headers["location"] == "/reviews/mine"
    review = await Review.get(member__email=member.email)
    assert (review.subject, review.rating, review.title) == (SUBJECT, 4, "Keeps tea hot")
    assert review.status is ReviewStatus.PENDING
    assert "Keeps tea hot" in mine.text and "Pending" in mine.text
    assert "Thanks for your review!" in mine.text


async def test_missing_rating_and_duplicate_reviews_are_explained_and_not_saved(app, api) -> None:
    async with member_browser(app, api) as (browser, member):
        await browser.get("/reviews/new")
        no_rating = await browser.post("/reviews/new", _form(rating=""))
        await browser.post("/reviews/new", _form())
        again = await browser.post("/reviews/new", _form(title="Second try"))
    assert no_rating.status_code == 422 and "Choose a rating from 1 to 5 stars." in no_rating.text
    assert again.status_code == 422 and "You&#39;ve already reviewed this." in again.text
    assert await Review.filter(member__email=member.email).count() == 1


async def test_htmx_submit_swaps_in_the_thank_you(app, api) -> None:
    async with member_browser(app, api) as (browser, member):
        answer = await browser.post(f"/reviews/new?subject={SUBJECT}", _form(), htmx=True)
    assert answer.status_code == 200 and "<html" not in answer.text
    assert 'id="review-form-box"' in answer.text and "Thanks for your review!" in answer.text
    assert await Review.filter(member__email=member.email).count() == 1


async def test_a_script_in_a_review_shows_as_text_everywhere(app, api) -> None:
    # given a published review whose title and body hold markup
    async with member_browser(app, api) as (browser, author):
        await browser.get("/reviews/new")
        await browser.post("/reviews/new", _form(title=SCRIPT, body=f'{SCRIPT} <img src=x onerror="alert(2)">'))
        await _publish_all(api, author)
        mine = await browser.get("/reviews/mine")
        public = await browser.get(f"/reviews/s/{SUBJECT}")
    # then every page shows it escaped, never as live markup
    for page in (mine, public):
        assert SCRIPT not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert (await Review.get(member__email=author.email)).body.startswith(SCRIPT)  # stored as given


async def test_the_subject_page_shows_the_histogram_and_is_public(app, api, http) -> None:
    async with member_browser(app, api) as (browser, author):
        await browser.post(f"/reviews/new?subject={SUBJECT}", _form(rating="5"))
        await _publish_all(api, author)
    async with member_browser(app, api) as (browser, author):
        await browser.post(f"/reviews/new?subject={SUBJECT}", _form(rating="3", title="Leaks a bit"))
        await _publish_all(api, author)
    page = await http.get(f"/reviews/s/{SUBJECT}")  # signed out
    assert page.status_code == 200
    assert "<strong>4.0</strong>" in page.text and "Based on 2 reviews" in page.text
    assert page.text.count('class="fill"') == 5
    assert 'width="50"' in page.text  # one of two reviews has 5 stars, one has 3
    assert "Leaks a bit" in page.text and "Keeps tea hot" in page.text
    assert "Log in to vote" in page.text and "/helpful" not in page.text


async def test_helpful_counts_once_and_never_on_ones_own_review(app, api) -> None:
    async with member_browser(app, api) as (author_browser, author):
        await author_browser.post(f"/reviews/new?subject={SUBJECT}", _form())
        await _publish_all(api, author)
        page = await author_browser.get(f"/reviews/s/{SUBJECT}")
        helpful_url = HELPFUL_FORM.search(page.text).group(1)
        own = await author_browser.post(helpful_url, {"next": f"/reviews/s/{SUBJECT}", "count": "0"}, htmx=True)
    async with member_browser(app, api) as (browser, _reader):
        await browser.get(f"/reviews/s/{SUBJECT}")
        first = await browser.post(helpful_url, {"next": f"/reviews/s/{SUBJECT}", "count": "0"}, htmx=True)
        plain = await browser.post(helpful_url, {"next": f"/reviews/s/{SUBJECT}"})
        no_csrf = await browser.post(helpful_url, {"next": f"/reviews/s/{SUBJECT}"}, csrf=False)
    assert "You can&#39;t vote for your own review." in own.text
    assert first.status_code == 200 and '<span class="helpful-count">1</span>' in first.text
    assert plain.status_code == 303 and plain.headers["location"] == f"/reviews/s/{SUBJECT}"
    assert no_csrf.status_code == 403
    review = await Review.get(member__email=author.email)
    assert review.helpful_count == 1
    assert await ReviewVote.filter(review_id=review.id).count() == 1


async def test_review_forms_require_csrf(app, api) -> None:
    async with member_browser(app, api) as (browser, member):
        answer = await browser.post("/reviews/new", _form(), csrf=False)
    assert answer.status_code == 403
    assert await Review.filter(member__email=member.email).count() == 0


async def test_the_title_field_really_limits_its_length(app, api) -> None:
    # the browser must see maxlength="120", not an escaped maxlength=&#34;120&#34; that it ignores
    async with member_browser(app, api) as (browser, _member):
        page = await browser.get(f"/reviews/new?subject={SUBJECT}")
    title = re.search(r'<input id="f-title"[^>]*>', page.text).group(0)
    assert 'maxlength="120"' in title and "&#34;" not in title
