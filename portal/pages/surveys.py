"""Surveys: one click on a score answers (with an optional comment typed first).

The card sits on the dashboard and the notifications page; htmx swaps it for a thank-you in
place. Each survey also has its own page (``/surveys/<id>``), which is where a plain form
without JavaScript lands, and what a notification points to.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from portal.pages.redemptions import global_id, url_id
from portal.routing import page
from portal.visit import Visit

RETURN_TO = ("/dashboard", "/notifications")


def survey_card(survey: dict[str, Any]) -> dict[str, Any]:
    """A survey as the card template wants it (URL-safe ids, also of the ticket a low score opened)."""
    ticket = survey.get("ticket")
    return {**survey, "urlId": url_id(survey["id"]), "ticketUrlId": url_id(ticket["id"]) if ticket else ""}


def _score(text: str) -> int | None:
    return int(text) if text.isdecimal() and len(text) <= 3 else None


async def _survey(visit: Visit) -> dict[str, Any] | None:
    found = global_id(visit.request.path_params["sid"], "Survey")
    node = (await visit.run("survey", {"id": found or "-"})).get("node")
    return survey_card(node) if node else None


async def _page(visit: Visit, survey: dict[str, Any], **values: Any) -> Response:
    values.setdefault("answered", None)
    values.setdefault("error", None)
    values.setdefault("next", f"/surveys/{survey['urlId']}")
    # On its own page the card's heading is the page's; inside another page an htmx swap keeps level 2.
    level = 2 if visit.htmx else 1
    return await visit.render("survey.html", block="card" if visit.htmx else None, survey=survey, level=level, **values)


@page("/surveys/{sid}", methods=["GET", "POST"], member=True)
async def survey_page(visit: Visit) -> Response:
    survey = await _survey(visit)
    if survey is None:
        return await visit.error_page(404, visit._("Not found"), visit._("We couldn't find that survey."))
    if visit.request.method == "GET":
        return await _page(visit, survey)
    back = await visit.field("next")
    back = back if back in RETURN_TO else f"/surveys/{survey['urlId']}"
    score = _score(await visit.field("score"))
    comment = await visit.field("comment")
    if score is None:
        result = {"survey": None, "userErrors": [{"code": "INVALID_INPUT", "field": "score"}]}
    else:
        result = (await visit.run("answer_survey", {"id": survey["id"], "score": score, "comment": comment or None}))[
            "answerSurvey"
        ]
    if result["userErrors"]:
        errors = visit.errors(result["userErrors"])
        message = " ".join([*errors.general, *errors.fields.values()])
        if not visit.htmx:
            visit.flash(message, "error")
            return visit.redirect(back)
        fresh = await _survey(visit) or survey
        return await _page(visit, fresh, error=message, next=back)
    answered = survey_card(result["survey"])
    if visit.htmx:
        return await _page(visit, survey, answered=answered, next=back)
    visit.flash(visit._("Thank you for your answer!"))
    if answered["ticketUrlId"]:
        visit.flash(visit._("We're sorry we let you down. Our team will get back to you about it."), "info")
    return visit.redirect(back)
