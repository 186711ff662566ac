"""Batch loaders for referral data shown beside a member."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.functions import Count

from schema.dataloaders import batch
from server.models import Referral, ReferralStatus


@batch("referrals.counts")
async def load_counts(referrer_ids: Sequence[int]) -> list[dict[ReferralStatus, int]]:
    """Referrals per status for each referrer, in one grouped query."""
    rows = (
        await Referral.filter(referrer_id__in=list(referrer_ids))
        .group_by("referrer_id", "status")
        .annotate(n=Count("id"))
        .values("referrer_id", "status", "n")
    )
    counts = {referrer_id: dict.fromkeys(ReferralStatus, 0) for referrer_id in referrer_ids}
    for row in rows:
        counts[row["referrer_id"]][ReferralStatus(row["status"])] = row["n"]
    return [counts[referrer_id] for referrer_id in referrer_ids]
