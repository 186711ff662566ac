"""The demo benefit catalog: bilingual, several categories, and every eligibility state for the demo member.

Safe to run repeatedly: benefits are upserted by slug and the demo member's one redemption
uses a fixed idempotency key, so a second run changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.catalog import benefits as catalog
from server.catalog import redemptions
from server.catalog.benefits import BenefitInput
from server.core.errors import DomainError, ErrorCode
from server.models import Benefit, Member

DEMO_EMAIL = "demo@example.com"
LIMITED_SLUG = "welcome-gift"

DEMO_BENEFITS: tuple[BenefitInput, ...] = (
    BenefitInput(
        slug="coffee-voucher", title="Free coffee", title_zh="免费咖啡", category="dining", points_cost=300,
        description="One hand-brewed coffee of your choice at any partner café.",
        description_zh="任一合作咖啡馆任选一杯手冲咖啡。",
    ),
    BenefitInput(
        slug="cinema-ticket", title="Cinema ticket", title_zh="电影票", category="entertainment", points_cost=800,
        stock=50, description="One 2D screening ticket, valid for 30 days.",
        description_zh="2D 电影票一张，30 天内有效。",
    ),
    BenefitInput(
        slug="welcome-gift", title="Welcome gift box", title_zh="迎新礼盒", category="gifts", points_cost=200,
        per_member_limit=1, description="A one-off box of samples, one per member.",
        description_zh="新人试用礼盒，每位会员限兑一次。",
    ),
    BenefitInput(
        slug="airport-lounge", title="Airport lounge pass", title_zh="机场贵宾室通行证", category="travel",
        points_cost=2000, min_tier_code="diamond",
        description="One visit to a partner airport lounge, Diamond members only.",
        description_zh="合作机场贵宾室单次使用，仅限钻石会员。",
    ),
    BenefitInput(
        slug="limited-tote", title="Limited edition tote", title_zh="限量版帆布袋", category="gifts", points_cost=500,
        stock=0, description="The spring collection tote. All gone, more soon.",
        description_zh="春季限定帆布袋，已全部兑完，敬请期待补货。",
    ),
    BenefitInput(
        slug="weekend-getaway", title="Weekend getaway for two", title_zh="双人周末度假", category="travel",
        points_cost=50000, description="Two nights at a partner resort.",
        description_zh="合作度假酒店两晚双人住宿。",
    ),
    BenefitInput(
        slug="mooncake-box", title="Mid-Autumn mooncake box", title_zh="中秋月饼礼盒", category="seasonal",
        points_cost=600, available_from=datetime(2025, 9, 1, tzinfo=UTC),
        available_until=datetime(2025, 10, 7, tzinfo=UTC),
        description="Seasonal: outside its window it is hidden from the list but reachable by slug.",
        description_zh="季节限定：活动期外不在列表中显示，但可通过链接访问。",
    ),
)


async def load_catalog() -> list[str]:
    """Upsert the demo catalog and describe what the demo member sees for each benefit."""
    rows: list[Benefit] = [await catalog.save_benefit(item) for item in DEMO_BENEFITS]
    lines = [f"Demo catalog: {len(rows)} benefits in {len({row.category for row in rows})} categories (en + zh-CN)"]
    member = await Member.get_or_none(email=DEMO_EMAIL)
    if member is None:
        return lines
    limited = next(row for row in rows if row.slug == LIMITED_SLUG)
    try:
        # Uses up the welcome gift's per-member limit so LIMIT_REACHED shows; the fixed key keeps it to one.
        await redemptions.redeem_benefit(member.id, limited.id, "demo-welcome-gift", 1)
    except DomainError as error:
        lines.append(f"  (could not redeem the demo welcome gift: {error.message})")
    answers = await catalog.eligibility_for(member.id, [row.id for row in rows])
    for row in rows:
        answer = answers[row.id]
        state = "can redeem" if answer.can_redeem else answer.reason.value if answer.reason else "?"
        hidden = "  (hidden from the list, open by slug)" if answer.reason is ErrorCode.NOT_AVAILABLE else ""
        lines.append(f"  {row.slug:<16} {row.points_cost:>6} pts  {row.category:<13} {state}{hidden}")
    return lines
