"""Invite friends: the member's share code and link (with a QR code), who joined, and what it earned."""

from __future__ import annotations

from starlette.responses import Response

from portal.qr import qr_data_uri
from portal.routing import page
from portal.visit import Visit


@page("/referrals", member=True)
async def referrals(visit: Visit) -> Response:
    data = await visit.run("referrals")
    referral = data["viewer"]["referral"]
    program = data["program"]
    return await visit.render(
        "referrals.html",
        referral=referral,
        program=program,
        referrals=[edge["node"] for edge in referral["referrals"]["edges"]],
        earned=referral["rewardedCount"] * program["referrerPoints"],
        qr=qr_data_uri(referral["shareUrl"]),
    )
