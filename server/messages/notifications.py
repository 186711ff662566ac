"""Member notifications: written in the transaction of the event they report.

A notification stores its kind and parameters; title and body are rendered in the reader's
locale when read, so switching language re-labels old notifications too. :func:`notify` is the
one way a feature tells a member something: by the kind's category (:data:`CATEGORIES`) it also
queues the e-mail, in the same transaction (see :mod:`server.messages.emails`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from server.core import clock
from server.core.errors import invalid
from server.core.prepared import Statement
from server.messages import emails
from server.models import Member, Notification, OutboxMessage

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
    # programme engine: birthdays, anniversaries, tier reviews
    "BIRTHDAY_GREETING": {
        "en": ("Happy birthday!", "Happy birthday from all of us.{points_text}"),
        "zh-CN": ("生日快乐！", "祝您生日快乐！{points_text_zh}"),
    },
    "MEMBERSHIP_ANNIVERSARY": {
        "en": ("Happy {years}-year anniversary", "Thank you for {years} year(s) with us.{points_text}"),
        "zh-CN": ("入会 {years} 周年快乐", "感谢您 {years} 年来的陪伴。{points_text_zh}"),
    },
    "TIER_REVIEW_NOTICE": {
        "en": (
            "Keep your {tier_name} tier",
            "Your tier is reviewed on {date}. Earn {points} more qualifying points by then to keep {tier_name};"
            " otherwise it becomes {projected_name}.",
        ),
        "zh-CN": (
            "保级提醒：{tier_name_zh}",
            "您的会员等级将于 {date} 复核。届时前再获得 {points} 定级积分即可保留{tier_name_zh}，"
            "否则将调整为{projected_name_zh}。",
        ),
    },
    "TIER_KEPT": {
        "en": ("You keep {tier_name}", "Your tier review on {date} is done: you keep {tier_name} until {next_date}."),
        "zh-CN": ("成功保级{tier_name_zh}", "您 {date} 的等级复核已完成：{tier_name_zh}会员资格保留至 {next_date}。"),
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
    # campaigns (engine issue): a GRANT campaign's gift, such as a win-back offer
    "CAMPAIGN_GIFT": {
        "en": ("A gift for you: +{points} points", "{campaign}: {points} points are in your account."),
        "zh-CN": ("送您一份礼物：+{points} 积分", "{campaign}：{points} 积分已存入您的账户。"),
    },
    # partner webhooks (issue 12): staff are told when an endpoint is disabled
    "WEBHOOK_DISABLED": {
        "en": (
            "Webhook endpoint disabled: {partner}",
            "Deliveries to {url} kept failing ({why}), so it was disabled. The partner re-enables it by "
            "subscribing the URL again; patron webhooks replay sends what it missed.",
        ),
        "zh-CN": (
            "Webhook 端点已停用：{partner}",
            "发往 {url} 的推送持续失败（{why}），该端点已停用。合作方重新订阅该地址即可恢复；"
            "可用 patron webhooks replay 补发错过的事件。",
        ),
    },
    # messages (issue 13): account notices, e-mailed whatever the member's preferences
    "PASSWORD_CHANGED": {
        "en": (
            "Your password was changed",
            "The password of your account was changed and every other device was signed out. "
            "If you did not do this, reset your password straight away.",
        ),
        "zh-CN": ("您的密码已更改", "您的账户密码已更改，其他设备均已退出登录。如非本人操作，请立即重置密码。"),
    },
    "EMAIL_CHANGED": {
        "en": (
            "Your e-mail address was changed",
            "Your account now uses {email}. Log in with this address from now on.",
        ),
        "zh-CN": ("邮箱地址已更改", "您的账户现已使用 {email}，今后请使用该邮箱登录。"),
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
    "CAMPAIGN_GIFT": "marketing",
    # programme engine: greetings are marketing (consent, waking hours); tier reviews are service
    "BIRTHDAY_GREETING": "marketing",
    "MEMBERSHIP_ANNIVERSARY": "marketing",
    "TIER_REVIEW_NOTICE": "service",
    "TIER_KEPT": "service",
    "WEBHOOK_DISABLED": "service",
    # messages (issue 13)
    "PASSWORD_CHANGED": "account",
    "EMAIL_CHANGED": "account",
}

def node_path(prefix: str, type_name: str, param: str) -> Callable[[dict[str, Any]], str]:
    """A portal path ending in an object's id as the portal spells it in URLs (URL-safe base64 of
    ``Type:id``, no padding), e.g. ``/support/<ticket>`` from the ``ticket_id`` param."""

    def path(params: dict[str, Any]) -> str:
        node = base64.urlsafe_b64encode(f"{type_name}:{int(params[param])}".encode()).decode().rstrip("=")
        return prefix + node

    return path


# Where the e-mail for a kind links to: a portal path (``{param}`` placeholders are filled from the
# notification's params) or a function of the params. A kind missing here links to the notifications page.
EMAIL_PATHS: dict[str, str | Callable[[dict[str, Any]], str]] = {
    "TIER_UPGRADE": "/dashboard",
    "TIER_DOWNGRADE": "/dashboard",
    "POINTS_EXPIRING": "/points",
    "REDEMPTION_ISSUED": "/redemptions",
    "REDEMPTION_CANCELLED": "/redemptions",
    "REFERRAL_REWARDED": "/points",
    "REFEREE_REWARDED": "/points",
    "PASSWORD_CHANGED": "/profile",
    "EMAIL_CHANGED": "/profile",
    "BIRTHDAY_GREETING": "/points",
    "MEMBERSHIP_ANNIVERSARY": "/points",
    "TIER_REVIEW_NOTICE": "/dashboard",
    "TIER_KEPT": "/dashboard",
    # member care
    "TICKET_ANSWERED": node_path("/support/", "Ticket", "ticket_id"),
    "SURVEY_SENT": node_path("/surveys/", "Survey", "survey_id"),
    "TICKET_ESCALATED": node_path("/staff/tickets/", "Ticket", "ticket"),
    "CAMPAIGN_GIFT": "/points",
}


def category(kind: str) -> str:
    return CATEGORIES.get(kind, "inbox")


def email_path(kind: str, params: dict[str, Any]) -> str:
    """The portal path the e-mail for ``kind`` links to."""
    spec = EMAIL_PATHS.get(kind, "/notifications")
    try:
        path = spec(params) if callable(spec) else spec.format_map(params)
    except (KeyError, ValueError, IndexError, TypeError):
        return "/notifications"
    return path if path.startswith("/") and not path.startswith("//") else "/notifications"


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
    member_id: int,
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    dedupe_key: str | None = None,
    email: bool = True,
) -> Notification | None:
    """Record a notification and, as its category and the member's choices allow, queue its e-mail.

    With ``dedupe_key`` at most one per member and key (and so one e-mail). Call under the
    member's lock (inside the ledger transaction) so the existence check and the insert cannot
    race, and so the e-mail commits with the change. ``email=False`` when the caller sends one
    digest for several notices itself (:func:`email_notice`).
    """
    if dedupe_key and await Notification.exists(member_id=member_id, dedupe_key=dedupe_key):
        return None
    row = await Notification.create(
        member_id=member_id,
        kind=kind,
        params=params or {},
        dedupe_key=dedupe_key,
        created_at=clock.now(),
    )
    if email:
        await email_notice(member_id, kind, params or {}, key=dedupe_key or f"n{row.id}")
    return row


async def email_notice(member_id: int, kind: str, params: dict[str, Any], *, key: str) -> OutboxMessage | None:
    """Queue the e-mail for a notice of ``kind`` (rendered in the member's language when sent).

    ``key`` names the subject matter, so the dedupe key is per member, kind and subject: a job
    that catches up, or a retried request, queues the e-mail once. Nothing is queued for
    ``inbox`` kinds or for a member who does not receive the kind's category.
    """
    kind_category = category(kind)
    if kind_category not in emails.E_MAIL_CATEGORIES:
        return None
    member = await Member.get_or_none(id=member_id)
    if member is None:
        return None
    return await emails.queue(
        member,
        "notification",
        {"kind": kind, "params": params},
        category=kind_category,
        dedupe_key=f"{kind}:{member_id}:{key}",
    )


async def notify_staff(kind: str, params: dict[str, Any] | None = None, *, dedupe_key: str | None = None) -> int:
    """Notify every staff member (escalated tickets, disabled webhook endpoints…); returns how many.

    Analysts are left out: these notices ask someone to act. With ``dedupe_key``, each staff
    member gets at most one notice per key, so a job that re-runs does not repeat it.
    """
    from server.models import Role

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


UNREAD = Statement("SELECT COUNT(*) FROM notification WHERE member_id = ? AND read_at IS NULL")


async def unread_count(member_id: int) -> int:
    """The badge every portal page shows: a prepared statement."""
    (count,) = await UNREAD.one(member_id)
    return int(count)
