"""Notifications: opening the page shows them and marks the unread ones read."""

from __future__ import annotations

from starlette.responses import Response

from portal.pages.surveys import survey_card
from portal.routing import page
from portal.visit import Visit


@page("/notifications", member=True)
async def notifications(visit: Visit) -> Response:
    data = await visit.run("notifications")
    viewer = data["viewer"]
    unread_ids = [e["node"]["id"] for e in viewer["notifications"]["edges"] if not e["node"]["read"]]
    if unread_ids:
        marked = (await visit.run("mark_notifications_read", {"ids": unread_ids}))["markNotificationsRead"]
        if not marked["userErrors"] and visit.layout is not None:
            # The header shows what is left unread now, not before this visit.
            visit.layout = {**visit.layout, "unreadNotifications": {"totalCount": marked["unreadCount"]}}
    surveys = [survey_card(survey) for survey in viewer["pendingSurveys"]]
    return await visit.render("notifications.html", viewer=viewer, fresh=set(unread_ids), surveys=surveys)
