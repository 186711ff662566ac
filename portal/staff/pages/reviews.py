"""Console: the moderation queue — pending reviews oldest first, decided one at a time or many at once.

One form holds the whole page: tick reviews and press "Publish selected" / "Reject selected", or use a
row's own buttons. ``moderateReviews`` decides each review in its own transaction (a review that cannot
be decided does not hold the others back) and the page reports what it did. Analysts read the queue
without the form; the POST route and the API refuse them.
"""

from __future__ import annotations

from starlette.responses import Response

from portal.pages.redemptions import global_id, url_id
from portal.staff.nav import N_, staff_page
from portal.visit import Visit

DECISIONS = ("PUBLISH", "REJECT")


@staff_page("/staff/reviews", nav=N_("Reviews"), order=40)
async def queue(visit: Visit) -> Response:
    after = visit.request.query_params.get("after") or None
    data = await visit.run("staff/review_queue", {"after": after})
    listing = data["reviewQueue"]
    reviews = [
        {**edge["node"], "urlId": url_id(edge["node"]["id"]),
         "authorUrlId": url_id(edge["node"]["author"]["id"]) if edge["node"]["author"] else None}
        for edge in listing["edges"]
    ]
    return await visit.render(
        "staff/reviews.html", reviews=reviews, total=listing["totalCount"], page_info=listing["pageInfo"],
        can_act=visit.has_role("staff"),
    )


@staff_page("/staff/reviews/moderate", methods=["POST"], act=True)
async def moderate(visit: Visit) -> Response:
    form = await visit.form()
    single = await visit.field("single")
    if single:
        decision, _, chosen = single.partition(":")
        picked = [chosen]
    else:
        decision = await visit.field("decision")
        picked = [value for value in form.getlist("review") if isinstance(value, str) and value]
    if decision not in DECISIONS:
        message = visit._("That request didn't look right. Please go back and try again.")
        return await visit.error_page(400, visit._("Sorry"), message)
    if not picked:
        visit.flash(visit._("Tick at least one review first."), "error")
        return visit.redirect("/staff/reviews")
    ids = [global_id(value, "Review") or "-" for value in picked[:100]]
    result = (await visit.run("staff/moderate_reviews", {"ids": ids, "decision": decision}))["moderateReviews"]
    errors = visit.errors(result["userErrors"])
    if errors:
        visit.flash(" ".join([*errors.general, *errors.fields.values()]), "error")
        return visit.redirect("/staff/reviews")
    changed = sum(1 for r in result["results"] if r["changed"])
    unchanged = sum(1 for r in result["results"] if not r["changed"] and r["userError"] is None)
    failed = sum(1 for r in result["results"] if r["userError"] is not None)
    if decision == "PUBLISH":
        visit.flash(visit._("Reviews published: %(count)s.", count=changed))
    else:
        visit.flash(visit._("Reviews rejected: %(count)s.", count=changed))
    if unchanged:
        visit.flash(visit._("Already decided that way, left as they were: %(count)s.", count=unchanged), "info")
    if failed:
        visit.flash(visit._("Could not be decided (no longer there): %(count)s.", count=failed), "error")
    return visit.redirect("/staff/reviews")
