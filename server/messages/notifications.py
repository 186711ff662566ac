"""Member notifications: written in the transaction of the event they report.

A notification stores its kind and parameters; title and body are rendered in the reader's
locale when read, so switching language re-labels old notifications too.
"""

from __future__ import annotations

from typing import Any

from server.core import clock
from server.core.errors import invalid
from server.models import Notification

MAX_MARK_READ = 1000

# kind -> locale -> (title, body); bodies are str.format templates over the params.
MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "TIER_UPGRADE": {
        "en": ("Welcome to {tier_name}", "You reached the {tier_name} tier. Enjoy your new perks."),
        "zh-CN": ("欢迎升级至{tier_name_zh}", "您已升级为{tier_name_zh}会员，尽享全新礼遇。"),
    },
    "TIER_DOWNGRADE": {
        "en": (
            "Your tier is now {tier_name}",
            "Your qualifying points over the last year place you in the {tier_name} tier.",
        ),
        "zh-CN": ("会员等级调整为{tier_name_zh}", "根据您近一年的定级积分，您的会员等级已调整为{tier_name_zh}。"),
    },
    "REFERRAL_REWARDED": {
        "en": ("Referral reward: +{points} points", "{name} made a first purchase. {points} points are yours."),
        "zh-CN": ("推荐奖励：+{points} 积分", "{name} 完成了首次消费，{points} 积分已到账。"),
    },
    "REFEREE_REWARDED": {
        "en": ("Welcome bonus: +{points} points", "Thanks for your first purchase. {points} welcome points are yours."),
        "zh-CN": ("新人奖励：+{points} 积分", "感谢您的首次消费，{points} 新人积分已到账。"),
    },
    "REVIEW_PUBLISHED": {
        "en": ("Your review is live", "Your review of {subject} was published.{points_text}"),
        "zh-CN": ("您的评价已发布", "您对 {subject} 的评价已发布。{points_text_zh}"),
    },
    "REVIEW_REJECTED": {
        "en": ("Your review was not published", "Your review of {subject} did not meet our guidelines."),
        "zh-CN": ("您的评价未通过审核", "您对 {subject} 的评价未通过审核。"),
    },
    "REDEMPTION_ISSUED": {
        "en": ("Voucher ready: {benefit}", "Show code {code} to claim {benefit}."),
        "zh-CN": ("兑换成功：{benefit_zh}", "出示兑换码 {code} 即可领取 {benefit_zh}。"),
    },
    "REDEMPTION_CANCELLED": {
        "en": ("Redemption cancelled", "Your {benefit} voucher was cancelled and {points} points were returned."),
        "zh-CN": ("兑换已取消", "您的 {benefit_zh} 兑换已取消，{points} 积分已退回。"),
    },
    "POINTS_EXPIRING": {
        "en": ("{points} points expire soon", "{points} points expire on {date}. Use them before then."),
        "zh-CN": ("{points} 积分即将过期", "{points} 积分将于 {date} 过期，请尽快使用。"),
    },
    # member care
    "TICKET_ANSWERED": {
        "en": ("We answered your request", "There is a new reply to “{subject}”. Open Help to read it."),
        "zh-CN": ("您的咨询有新回复", "“{subject}”有新的回复，请前往“帮助”查看。"),
    },
    "SURVEY_SENT": {
        "en": ("Tell us how we did", "{prompt} Answer in one click on your home page within 14 days."),
        "zh-CN": ("请为我们打分", "{prompt_zh}请在 14 天内到首页一键作答。"),
    },
    "TICKET_ESCALATED": {
        "en": (
            "Ticket escalated: {subject}",
            "A {tier_name} member's ticket #{ticket} still has no answer; it is due by {due} UTC.",
        ),
        "zh-CN": (
            "工单已升级：{subject}",
            "一位{tier_name_zh}会员的工单 #{ticket} 仍未回复，须在 {due}（UTC）前答复。",
        ),
    },
}


# What kind of message each notification is, which decides whether it is also e-mailed:
# "account" (always e-mailed), "service" (e-mailed unless the member turned service e-mail off),
# "marketing" (e-mailed only with the member's consent), "inbox" (in the portal only).
# A kind missing here is "inbox". Every kind added to MESSAGES should be listed.
CATEGORIES: dict[str, str] = {
    "TIER_UPGRADE": "service",
    "TIER_DOWNGRADE": "service",
    "REFERRAL_REWARDED": "inbox",
    "REFEREE_REWARDED": "inbox",
    "REVIEW_PUBLISHED": "inbox",
    "REVIEW_REJECTED": "inbox",
    "REDEMPTION_ISSUED": "inbox",
    "REDEMPTION_CANCELLED": "inbox",
    "POINTS_EXPIRING": "service",
    "TICKET_ANSWERED": "service",
    "SURVEY_SENT": "service",
    "TICKET_ESCALATED": "service",
}


def category(kind: str) -> str:
    return CATEGORIES.get(kind, "inbox")


class _Defaults(dict):
    def __missing__(self, key: str) -> str:
        # A zh-CN template may name e.g. tier_name_zh; fall back to the plain value.
        if key.endswith("_zh") and key[:-3] in self:
            return str(self[key[:-3]])
        return ""


def render(kind: str, params: dict[str, Any], locale: str) -> tuple[str, str]:
    """Title and body of a notification in ``locale`` (English when unknown)."""
    templates = MESSAGES.get(kind, {})
    title, body = templates.get(locale) or templates.get("en") or (kind, "")
    values = _Defaults(params)
    return title.format_map(values), body.format_map(values)


async def notify(
    member_id: int, kind: str, params: dict[str, Any] | None = None, *, dedupe_key: str | None = None
) -> Notification | None:
    """Record a notification; with ``dedupe_key`` at most one per member and key.

    Call under the member's lock (inside the ledger transaction) so the existence check and
    the insert cannot race.
    """
    if dedupe_key and await Notification.exists(member_id=member_id, dedupe_key=dedupe_key):
        return None
    return await Notification.create(
        member_id=member_id,
        kind=kind,
        params=params or {},
        dedupe_key=dedupe_key,
        created_at=clock.now(),
    )


async def notify_staff(kind: str, params: dict[str, Any] | None = None, *, dedupe_key: str | None = None) -> int:
    """Notify every staff member (escalated tickets, disabled webhook endpoints…); returns how many.

    Analysts are left out: these notices ask someone to act. With ``dedupe_key``, each staff
    member gets at most one notice per key, so a job that re-runs does not repeat it.
    """
    from server.models import Member, Role

    staff_ids = await Member.filter(role=Role.STAFF).values_list("id", flat=True)
    made = 0
    for member_id in staff_ids:
        made += await notify(member_id, kind, params, dedupe_key=dedupe_key) is not None
    return made


async def mark_read(member_id: int, ids: list[int] | None = None) -> int:
    """Mark the member's notifications (all unread ones when ``ids`` is None) read."""
    query = Notification.filter(member_id=member_id, read_at__isnull=True)
    if ids is not None:
        ids = sorted(set(ids))
        if len(ids) > MAX_MARK_READ:
            # One bound parameter per id: PostgreSQL takes at most 32,767 in a statement.
            raise invalid("ids", f"Mark at most {MAX_MARK_READ:,} notifications at a time, or pass null for all.")
        query = query.filter(id__in=ids)
    return await query.update(read_at=clock.now())


async def unread_count(member_id: int) -> int:
    return await Notification.filter(member_id=member_id, read_at__isnull=True).count()
