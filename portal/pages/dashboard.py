"""The member's home: balance, tier progress, expiring points, daily check-in, latest activity."""

from __future__ import annotations

from starlette.responses import Response

from portal.pages.surveys import survey_card
from portal.routing import page
from portal.visit import Visit
from server.core.errors import ErrorCode


@page("/dashboard", member=True)
async def dashboard(visit: Visit) -> Response:
    data = await visit.run("dashboard")
    surveys = [survey_card(survey) for survey in data["viewer"]["pendingSurveys"]]
    return await visit.render("dashboard.html", data=data, viewer=data["viewer"], result=None, surveys=surveys)


@page("/check-in", methods=["POST"], member=True)
async def check_in(visit: Visit) -> Response:
    """Check in for today; htmx swaps the check-in card, a plain form gets a flash and a redirect."""
    payload = (await visit.run("check_in"))["checkIn"]
    errors = visit.errors(payload["userErrors"])
    already = any(e["code"] == ErrorCode.ALREADY_CHECKED_IN.value for e in payload["userErrors"])
    if not visit.htmx:
        if errors:
            visit.flash(" ".join(errors.general + list(errors.fields.values())), "info" if already else "error")
        else:
            visit.flash(_earned_text(visit, payload))
        return visit.redirect("/dashboard")
    if errors:
        state = (await visit.run("check_in_status"))["viewer"]
        status, points = state["checkIn"], state["points"]
    else:
        status, points = payload["checkIn"], payload["member"]["points"]
    return await visit.render(
        "dashboard.html",
        block="check_in_card",
        checkin_status=status,
        balance=points["balance"],
        earned_total=points["lifetimeEarned"],
        result={
            "earned": payload["pointsEarned"],
            "message": " ".join(errors.general) if errors else _earned_text(visit, payload),
            "already": already,
            "error": bool(errors) and not already,
        },
    )


def _earned_text(visit: Visit, payload: dict) -> str:
    streak = payload["checkIn"]["streak"]
    return visit._("Checked in! +%(points)s points · %(days)s-day streak", points=payload["pointsEarned"], days=streak)
