"""Privacy: no node lookup or query shows one member's data to another; partners need members:read."""

from __future__ import annotations

import base64

from server.messages import notifications
from server.models import LedgerEntry, Notification
from tests.points_support import credit, member_of
from tests.support import Api, Caller

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename
    ... on Member { email }
    ... on LedgerEntry { delta }
    ... on Notification { kind }
  }
}
"""

BY_EMAIL = """
query ByEmail($email: String!) { memberByEmail(email: $email) { email points { balance } } }
"""


def global_id(type_name: str, row_id: int) -> str:
    return base64.b64encode(f"{type_name}:{row_id}".encode()).decode()


async def node(api: Api, type_name: str, row_id: int, caller: Caller | None) -> dict | None:
    return (await api.run(NODE, {"id": global_id(type_name, row_id)}, caller))["node"]


async def owned_rows(caller: Caller) -> dict[str, int]:
    """A member, one of their ledger entries and one of their notifications, by type name."""
    member = await member_of(caller)
    entry: LedgerEntry = await credit(member.id, 10)
    note: Notification | None = await notifications.notify(member.id, "TIER_UPGRADE", {"tier_name": "Gold"})
    assert note is not None
    return {"Member": member.id, "LedgerEntry": entry.id, "Notification": note.id}


async def test_another_members_nodes_are_null(api: Api) -> None:
    owner, stranger = await api.member(), await api.member()
    rows = await owned_rows(owner)

    for type_name, row_id in rows.items():
        assert await node(api, type_name, row_id, owner) is not None, type_name
        assert await node(api, type_name, row_id, stranger) is None, type_name
        assert await node(api, type_name, row_id, None) is None, type_name


async def test_partners_see_no_member_data_through_node(api: Api) -> None:
    owner = await api.member()
    partner = await api.partner(["purchases:write", "members:read"])
    rows = await owned_rows(owner)

    for type_name, row_id in rows.items():
        assert await node(api, type_name, row_id, partner) is None, type_name


async def test_staff_can_look_up_members_and_their_ledger(api: Api) -> None:
    owner, staff = await api.member(), await api.staff()
    rows = await owned_rows(owner)

    assert (await node(api, "Member", rows["Member"], staff)) == {"__typename": "Member", "email": owner.email}
    assert (await node(api, "LedgerEntry", rows["LedgerEntry"], staff)) == {"__typename": "LedgerEntry", "delta": 10}


async def test_member_by_email_is_for_staff_and_partners_with_members_read(api: Api) -> None:
    owner = await api.member("Owner@Example.com")
    await credit((await member_of(owner)).id, 25)
    other_member = await api.member()
    staff = await api.staff()
    reader = await api.partner(["members:read"])
    writer = await api.partner(["purchases:write"])

    async def look_up(caller: Caller | None, email: str = "OWNER@example.com") -> dict | None:
        return (await api.run(BY_EMAIL, {"email": email}, caller))["memberByEmail"]

    found = {"email": "owner@example.com", "points": {"balance": 25}}
    assert await look_up(staff) == found
    assert await look_up(reader) == found
    assert await look_up(writer) is None
    assert await look_up(other_member) is None
    assert await look_up(owner) is None  # members use viewer, not a look-up
    assert await look_up(None) is None
    assert await look_up(reader, "nobody@example.com") is None
    assert await look_up(reader, "not an e-mail") is None


async def test_viewer_is_null_for_a_partner_key(api: Api) -> None:
    partner = await api.partner()
    assert (await api.run("{ viewer { email } }", caller=partner))["viewer"] is None


HISTORY = """
fragment History on Member {
  email points { balance ledger { totalCount edges { node { delta } } } } notifications { totalCount }
}
mutation Record($input: PurchaseInput!) { recordPurchase(input: $input) { member { ...History } } }
"""

LOOK_UP_HISTORY = """
query ByEmail($email: String!) {
  memberByEmail(email: $email) { email points { balance ledger { totalCount } } notifications { totalCount } }
}
"""


async def test_partners_see_the_balance_they_changed_but_never_the_history(api: Api) -> None:
    owner = await api.member()
    await owned_rows(owner)  # one ledger entry and one notification already
    partner = await api.partner(["purchases:write", "members:read"])
    staff = await api.staff()

    variables = {"input": {"memberEmail": owner.email, "orderId": "PRIV-1", "amount": "5.00"}}
    seen_by_partner = (await api.run(HISTORY, variables, partner))["recordPurchase"]["member"]
    looked_up = (await api.run(LOOK_UP_HISTORY, {"email": owner.email}, partner))["memberByEmail"]
    seen_by_staff = (await api.run(LOOK_UP_HISTORY, {"email": owner.email}, staff))["memberByEmail"]

    assert seen_by_partner == {
        "email": owner.email,
        "points": {"balance": 15, "ledger": {"totalCount": 0, "edges": []}},
        "notifications": {"totalCount": 0},
    }
    assert looked_up["points"] == {"balance": 15, "ledger": {"totalCount": 0}}
    assert looked_up["notifications"] == {"totalCount": 0}
    assert seen_by_staff["points"]["ledger"]["totalCount"] == 2
    assert seen_by_staff["notifications"]["totalCount"] == 1


PRIVATE_LISTS = """
query ByEmail($email: String!) {
  memberByEmail(email: $email) {
    redemptions { totalCount } reviews { totalCount } referral { referrals { totalCount } }
  }
}
"""
SUBMIT_REVIEW = """
mutation { submitReview(input: {subject: "product:kettle", rating: 4, title: "Fine", body: "Boils."}) {
  userErrors { code } } }
"""


async def test_partners_never_see_a_members_redemptions_reviews_or_referrals(api: Api) -> None:
    from tests.catalog_support import add_benefit, give_points, redeem

    owner = await api.member()
    await api.member(referralCode=await _share_code(api, owner))
    await api.run(SUBMIT_REVIEW, caller=owner)
    staff = await api.staff()
    partner = await api.partner(["purchases:write", "members:read"])
    benefit = await add_benefit(api, staff, pointsCost=10)
    await give_points(api, partner, owner, 10)
    assert (await redeem(api, owner, benefit["id"], "k1"))["userErrors"] == []

    seen_by_partner = (await api.run(PRIVATE_LISTS, {"email": owner.email}, partner))["memberByEmail"]
    seen_by_staff = (await api.run(PRIVATE_LISTS, {"email": owner.email}, staff))["memberByEmail"]

    assert seen_by_partner == {
        "redemptions": {"totalCount": 0},
        "reviews": {"totalCount": 0},
        "referral": {"referrals": {"totalCount": 0}},
    }
    assert seen_by_staff == {
        "redemptions": {"totalCount": 1},
        "reviews": {"totalCount": 1},
        "referral": {"referrals": {"totalCount": 1}},
    }


async def _share_code(api: Api, caller: Caller) -> str:
    return (await api.run("{ viewer { referral { code } } }", caller=caller))["viewer"]["referral"]["code"]


async def test_malformed_and_out_of_range_node_ids_are_null_not_errors(api: Api) -> None:
    caller = await api.member()
    encoded = [
        "Benefit:abc", "Benefit:1099511627776", "Member:99999999999", "LedgerEntry:99999999999999999999",
        "Review:-1", "Redemption:1e3", "Notification:\u0661",  # an Arabic-Indic digit is not a row id
    ]
    ids = [base64.b64encode(raw.encode()).decode() for raw in encoded] + ["not base64 at all"]

    answers = [(await api.run(NODE, {"id": i}, caller))["node"] for i in ids]

    assert answers == [None] * len(ids)
