"""Reviews: write one for a subject, see your own with their status, and a public page per subject.

A subject is a product, store or benefit reference such as ``product:travel-mug``. Review text is
shown exactly as written: templates autoescape it, nothing here marks it safe.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from babel import numbers as babel_numbers
from starlette.responses import Response

from portal.errors import N_, FormErrors
from portal.i18n import babel_locale
from portal.pages.redemptions import global_id, url_id
from portal.routing import page
from portal.visit import Visit

REVIEW_FIELDS = {"subject", "rating", "title", "body"}
MAX_SUBJECT = 200
SUBJECT_KINDS: dict[str, str] = {
    "product": N_("Product"),
    "store": N_("Store"),
    "benefit": N_("Reward"),
}


def subject_label(visit: Visit, subject: str) -> dict[str, str]:
    """``product:travel-mug`` → kind "Product", name "Travel mug" (unknown kinds keep the raw text)."""
    kind, _, name = subject.partition(":")
    if not name or kind not in SUBJECT_KINDS:
        return {"kind": "", "name": subject}
    return {"kind": visit._(SUBJECT_KINDS[kind]), "name": name.replace("-", " ").replace("_", " ").capitalize()}


def subject_url(subject: str) -> str:
    return "/reviews/s/" + quote(subject, safe=":")


def _cards(reviews: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "urlId": url_id(r["id"]), "url": subject_url(r["subject"])} for r in reviews]


def _small_int(text: str) -> int:
    """A form's count or rating; 0 for anything else ("²" passes ``isdigit`` but not ``int``, nor do 5,000 digits)."""
    return int(text) if text.isdecimal() and len(text) <= 9 else 0


def _helpers(visit: Visit) -> dict[str, Any]:
    return {"subject_label": lambda subject: subject_label(visit, subject), "subject_url": subject_url}


@page("/reviews", member=True)
async def reviews_home(visit: Visit) -> Response:
    return await my_reviews(visit)


@page("/reviews/mine", member=True)
async def my_reviews(visit: Visit) -> Response:
    after = visit.request.query_params.get("after") or None
    data = await visit.run("my_reviews", {"after": after})
    connection = data["viewer"]["reviews"]
    return await visit.render(
        "reviews_mine.html", block="more" if after else None,
        reviews=_cards([edge["node"] for edge in connection["edges"]]), page_info=connection["pageInfo"],
        total=connection["totalCount"], review_points=data["program"]["reviewPoints"], **_helpers(visit),
    )


@page("/reviews/new", methods=["GET", "POST"], member=True)
async def write_review(visit: Visit) -> Response:
    subject = visit.request.query_params.get("subject", "").strip()[:MAX_SUBJECT]
    values = {"subject": subject, "rating": "", "title": "", "body": ""}
    errors = FormErrors()
    if visit.request.method == "POST":
        values = {name: await visit.field(name) for name in values}
        rating = _small_int(values["rating"])
        if not 1 <= rating <= 5:
            errors = visit.errors([{"code": "INVALID_INPUT", "field": "rating"}], REVIEW_FIELDS)
        else:
            data = await visit.run("submit_review", {"input": {
                "subject": values["subject"], "rating": rating, "title": values["title"], "body": values["body"],
            }})
            result = data["submitReview"]
            errors = visit.errors(result["userErrors"], REVIEW_FIELDS)
            if not errors:
                if visit.htmx:
                    return await visit.render(
                        "review_new.html", block="review_form", submitted=_cards([result["review"]])[0],
                        values=values, errors=errors, **_helpers(visit),
                    )
                visit.flash(visit._("Thanks for your review! We'll publish it once it has been checked."))
                return visit.redirect("/reviews/mine")
    data = await visit.run("review_form", {"subject": values["subject"] or "-"})
    return await visit.render(
        "review_new.html", block="review_form", status=422 if errors and not visit.htmx else 200,
        values=values, errors=errors, submitted=None, fixed_subject=bool(subject),
        review_points=data["program"]["reviewPoints"],
        summary=data["reviewSummary"] if values["subject"] else None, **_helpers(visit),
    )


@page("/reviews/s/{subject:path}")
async def subject_reviews(visit: Visit) -> Response:
    subject = visit.request.path_params["subject"].strip()[:MAX_SUBJECT]
    after = visit.request.query_params.get("after") or None
    data = await visit.run("subject_reviews", {"subject": subject, "after": after})
    summary = data["reviewSummary"]
    count = summary["count"]
    bars = [
        {"stars": stars, "count": summary["distribution"][stars - 1],
         "percent": round(100 * summary["distribution"][stars - 1] / count) if count else 0}
        for stars in range(5, 0, -1)
    ]
    return await visit.render(
        "reviews_subject.html", block="more" if after else None,
        subject=subject, label=subject_label(visit, subject), summary=summary, bars=bars,
        reviews=_cards([edge["node"] for edge in data["reviews"]["edges"]]), page_info=data["reviews"]["pageInfo"],
        average=babel_numbers.format_decimal(summary["average"] or 0, format="0.0", locale=babel_locale(visit.locale)),
        signed_in=data["viewer"] is not None, here=subject_url(subject), **_helpers(visit),
    )


@page("/reviews/{rid}/helpful", methods=["POST"], member=True)
async def mark_helpful(visit: Visit) -> Response:
    data = await visit.run("mark_review_helpful", {"reviewId": global_id(visit.request.path_params["rid"], "Review")})
    result = data["markReviewHelpful"]
    message = ""
    if result["userErrors"]:
        codes = {error["code"] for error in result["userErrors"]}
        if "FORBIDDEN" in codes:
            message = visit._("You can't vote for your own review.")
        else:
            errors = visit.errors(result["userErrors"])  # e.g. NOT_FOUND on field "reviewId": keep it
            message = " ".join([*errors.general, *errors.fields.values()])
    back = await visit.field("next")
    if visit.htmx:
        if result["review"] is not None:
            review = _cards([result["review"]])[0]
        else:  # refused: keep the button as it was, with the reason beside it
            shown = await visit.field("count")
            review = {"urlId": visit.request.path_params["rid"], "helpfulCount": _small_int(shown)}
        return await visit.render(
            "reviews_subject.html", block="helpful", review=review, signed_in=True, here=back,
            helpful_message=message or visit._("Thanks for your feedback!"), helpful_error=bool(message),
        )
    visit.flash(message or visit._("Thanks for your feedback!"), "error" if message else "success")
    return visit.redirect(back if back.startswith("/reviews/s/") else "/reviews/mine")
