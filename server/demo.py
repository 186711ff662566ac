"""The demo programme: a member with history, a partner and a catalog. Safe to run repeatedly."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from server import accounts
from server.accounts.partners import create_partner
from server.core import clock
from server.models import Member, Partner, Role
from server.points import purchases
from server.social import checkins

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
DEMO_PARTNER = "Demo Shop"
# The console's log-ins (issue 10): a staff member who acts, an analyst who only reads.
DEMO_TEAM = (
    ("staff@example.com", "staff-password", "Demo Staff", Role.STAFF),
    ("analyst@example.com", "analyst-password", "Demo Analyst", Role.ANALYST),
)


async def _demo_partner() -> Partner:
    partner = await Partner.get_or_none(name=DEMO_PARTNER)
    if partner is None:
        partner, _key = await create_partner(DEMO_PARTNER, ["purchases:write", "referrals:write", "members:read"])
    return partner


async def _demo_member() -> tuple[Member, bool]:
    member = await Member.get_or_none(email=DEMO_EMAIL)
    if member is not None:
        return member, False
    member, _token = await accounts.sign_up(
        accounts.SignUp(email=DEMO_EMAIL, password=DEMO_PASSWORD, display_name="Demo Member", timezone="Asia/Shanghai"),
        send_confirmation=False,
    )
    # The demo address cannot receive mail: it counts as confirmed, so the portal shows no reminder.
    member.email_confirmed_at = clock.now()
    await member.save(update_fields=["email_confirmed_at"])
    return member, True


async def _demo_team() -> list[str]:
    """The staff member and the analyst who log in to /staff; their roles are set again on every run."""
    lines = []
    for email, password, name, role in DEMO_TEAM:
        member = await Member.get_or_none(email=email)
        if member is None:
            member, _token = await accounts.sign_up(
                accounts.SignUp(email=email, password=password, display_name=name, timezone="Asia/Shanghai"),
                send_confirmation=False,
            )
            member.email_confirmed_at = clock.now()
            await member.save(update_fields=["email_confirmed_at"])
        if member.role is not role:
            await accounts.set_role(email, role)
        lines.append(f"Demo {role.value.lower()}: {email} / {password} (console at /staff)")
    return lines


async def _history(member: Member, partner: Partner) -> None:
    now = clock.now()
    orders = [
        ("DEMO-1001", Decimal("1280.00"), 150, ["store:shanghai-flagship", "product:espresso-machine"]),
        ("DEMO-1002", Decimal("3650.50"), 90, ["store:shanghai-flagship", "product:travel-mug"]),
        ("DEMO-1003", Decimal("899.00"), 20, ["product:coffee-beans"]),
    ]
    for order_id, amount, days_ago, subjects in orders:
        await purchases.record_purchase(
            partner, member.email, order_id, amount, now - timedelta(days=days_ago), subjects
        )
    await checkins.check_in(member)


async def load_demo() -> list[str]:
    """Create what is missing and describe the result."""
    from server.campaigns import demo as campaign_demo
    from server.care import demo as care_demo
    from server.catalog import demo as catalog_demo

    partner = await _demo_partner()
    member, created = await _demo_member()
    if created:
        await _history(member, partner)
    lines = [
        f"Demo partner: {partner.name} (create a key with: patron partner create NAME --scope purchases:write)",
        f"Demo member: {DEMO_EMAIL} / {DEMO_PASSWORD} ({'created' if created else 'already there'})",
    ]
    lines += await _demo_team()
    lines += await catalog_demo.load_catalog()
    lines += await care_demo.load_care(member)
    lines += await campaign_demo.load_campaigns()
    member = await Member.get(email=DEMO_EMAIL)
    lines.append(f"Demo member balance: {member.balance} points, tier {member.tier_code}")
    return lines
