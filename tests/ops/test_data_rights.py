"""Member data rights: a download of everything kept about a member, and deleting the account."""

from __future__ import annotations

from tortoise.functions import Sum

from server.accounts import data_rights
from server.models import (
    AuditEntry,
    AuthToken,
    LedgerEntry,
    Member,
    Notification,
    OutboxMessage,
    OutboxStatus,
    Review,
    TicketMessage,
)
from tests.points_support import assert_ledger_consistent
from tests.support import Api, Caller

PASSWORD = "correct-horse-battery"
DELETE = "mutation Delete($p: String!) { deleteMyAccount(password: $p) { ok userErrors { field code } } }"
VIEWER = "{ viewer { email points { balance } } }"
LOG_IN = "mutation L($e: String!, $p: String!) { logIn(email: $e, password: $p) { token userErrors { code } } }"
SHARE = "{ viewer { referral { code referrals { edges { node { refereeName } } } } } }"
SUBMIT = """
mutation Submit($input: ReviewInput!) { submitReview(input: $input) { review { id } userErrors { code } } }
"""
MODERATE = """
mutation M($id: ID!) { moderateReview(reviewId: $id, decision: PUBLISH) { userErrors { code } } }
"""
REVIEWS = "query R($s: String!) { reviews(subject: $s) { edges { node { title authorName } } } }"
OPEN = """
mutation Open($input: TicketInput!) { openTicket(input: $input) { ticket { id } userErrors { code } } }
"""
SUBJECT = "sku:tea-42"


async def busy_member(api: Api, email: str = "leaving@example.com") -> tuple[Caller, Caller, Caller]:
    """A member with points, a purchase, a published review, a ticket and a referrer; and the referrer."""
    partner = await api.partner()
    referrer = await api.member(email="friend@example.com", displayName="Zhang San")
    code = (await api.run(SHARE, caller=referrer))["viewer"]["referral"]["code"]
    member = await api.member(email=email, password=PASSWORD, displayName="Wang Xiaoming", referralCode=code)
    await api.purchase(partner, email, "88.00", order_id="ORD-1")
    review = (
        await api.run(SUBMIT, {"input": {"subject": SUBJECT, "rating": 5, "title": "Lovely", "body": "Yes."}}, member)
    )["submitReview"]["review"]
    staff = await api.staff()
    assert (await api.run(MODERATE, {"id": review["id"]}, staff))["moderateReview"]["userErrors"] == []
    opened = await api.run(
        OPEN, {"input": {"category": "QUESTION", "subject": "Where are my points?", "body": "I am Wang, call me."}},
        member,
    )
    assert opened["openTicket"]["userErrors"] == []
    return member, referrer, partner


async def programme_totals() -> tuple[int, int, int]:
    balance = (await Member.all().annotate(s=Sum("balance")).values_list("s", flat=True))[0]
    ledger = (await LedgerEntry.all().annotate(s=Sum("delta")).values_list("s", flat=True))[0]
    return balance, ledger, await Member.all().count()


async def test_the_download_holds_every_part_of_the_members_data(api: Api) -> None:
    member, _, _ = await busy_member(api)
    row = await Member.get(email="leaving@example.com")

    data = await data_rights.export_data(row)

    assert data["format"] == "patron-member-data/1"
    assert data["profile"]["email"] == "leaving@example.com"
    assert data["profile"]["displayName"] == "Wang Xiaoming"
    assert data["profile"]["points"]["balance"] == row.balance > 0
    assert {entry["kind"] for entry in data["ledger"]} >= {"PURCHASE"}
    assert sum(entry["points"] for entry in data["ledger"]) == row.balance
    assert data["purchases"][0]["orderId"] == "ORD-1" and data["purchases"][0]["amount"] == "88.00"
    assert data["reviews"][0]["title"] == "Lovely" and data["reviews"][0]["status"] == "PUBLISHED"
    assert data["referrals"]["referredBy"]["by"] == "Zhang S."
    assert data["tickets"][0]["subject"] == "Where are my points?"
    assert data["tickets"][0]["messages"][0]["text"] == "I am Wang, call me."
    assert data["messagePreferences"]["serviceEmails"] is True
    assert data["messagePreferences"]["history"] == []  # no marketing consent was given
    assert {"surveys", "redemptions", "notifications", "checkIns", "campaignAwards"} <= set(data)
    # Never a secret: no token, hash or password in the file
    text = data_rights.export_json(data).decode()
    assert "password" not in text.lower() and row.password_hash not in text
    for token in await AuthToken.filter(member_id=row.id).values_list("token_hash", flat=True):
        assert token not in text


async def test_a_wrong_password_deletes_nothing(api: Api) -> None:
    member, _, _ = await busy_member(api)
    answer = (await api.run(DELETE, {"p": "not-my-password"}, member))["deleteMyAccount"]
    assert answer == {"ok": False, "userErrors": [{"field": "password", "code": "INVALID_CREDENTIALS"}]}
    assert (await api.run(VIEWER, caller=member))["viewer"]["email"] == "leaving@example.com"


async def test_deleting_erases_the_person_and_keeps_the_programmes_figures(api: Api) -> None:
    member, referrer, _ = await busy_member(api)
    row = await Member.get(email="leaving@example.com")
    portal_session = await _session_token(row)
    before = await programme_totals()
    queued = await OutboxMessage.filter(member_id=row.id, status=OutboxStatus.PENDING).count()
    assert queued  # the sign-up confirmation e-mail, not yet sent

    # When the member deletes the account, confirming with the password
    answer = (await api.run(DELETE, {"p": PASSWORD}, member))["deleteMyAccount"]
    assert answer == {"ok": True, "userErrors": []}

    # Then the token used and every other session are dead
    assert (await api.run(VIEWER, caller=member))["viewer"] is None
    assert await AuthToken.filter(member_id=row.id, revoked_at__isnull=True).count() == 0
    from server.accounts import member_for_token

    assert await member_for_token(portal_session, "session") is None
    # and nobody can log in with the old address and password
    logged = (await api.run(LOG_IN, {"e": "leaving@example.com", "p": PASSWORD}))["logIn"]
    assert logged["token"] is None and logged["userErrors"][0]["code"] == "INVALID_CREDENTIALS"

    # Personal data is gone from the row; the row (and its totals) stays, anonymous
    erased = await Member.get(id=row.id)
    assert "leaving" not in erased.email and erased.email.endswith("@erased.invalid")
    assert erased.display_name == "Former member" and erased.birthday is None
    assert erased.erased_at is not None and erased.share_code != row.share_code
    assert erased.balance == row.balance and erased.lifetime_earned == row.lifetime_earned
    await assert_ledger_consistent(row.id)
    assert await programme_totals() == before  # balances, ledger sums and member count unchanged

    # The published review stays, shown as a former member's; the referrer sees the same name
    reviews = (await api.run(REVIEWS, {"s": SUBJECT}))["reviews"]["edges"]
    assert [edge["node"] for edge in reviews] == [{"title": "Lovely", "authorName": "Former member"}]
    friends = (await api.run(SHARE, caller=referrer))["viewer"]["referral"]["referrals"]["edges"]
    assert friends[0]["node"]["refereeName"] == "Former member"
    assert await Review.filter(member_id=row.id).count() == 1

    # Ticket texts are kept for the care figures, signed "Former member"
    message = await TicketMessage.get(author_id=row.id)
    assert message.author_name == "Former member"

    # Queued e-mail to the address is dropped, and sent copies no longer hold it
    assert await OutboxMessage.filter(member_id=row.id, status=OutboxStatus.PENDING).count() == 0
    for payload in await OutboxMessage.filter(member_id=row.id).values_list("payload", flat=True):
        assert "leaving@example.com" not in str(payload)
    assert await Notification.filter(member_id=row.id).count() == 0

    # Audited, under the anonymous identity
    entry = await AuditEntry.get(action="account.delete")
    assert entry.member_id == row.id and "leaving" not in entry.actor_email

    # And the address can join again, as a new member with nothing of the old one
    again = await api.member(email="leaving@example.com", password="another-password-1")
    fresh = (await api.run(VIEWER, caller=again))["viewer"]
    assert fresh == {"email": "leaving@example.com", "points": {"balance": 0}}


async def test_deleting_twice_is_refused_because_the_first_ended_the_session(api: Api) -> None:
    member, _, _ = await busy_member(api)
    assert (await api.run(DELETE, {"p": PASSWORD}, member))["deleteMyAccount"]["ok"] is True
    again = (await api.run(DELETE, {"p": PASSWORD}, member))["deleteMyAccount"]
    assert again["ok"] is False and again["userErrors"][0]["code"] == "NOT_AUTHENTICATED"


async def test_a_visitor_cannot_delete_anything(api: Api) -> None:
    answer = (await api.run(DELETE, {"p": PASSWORD}))["deleteMyAccount"]
    assert answer["ok"] is False and answer["userErrors"][0]["code"] == "NOT_AUTHENTICATED"


async def _session_token(member: Member) -> str:
    from server.accounts import issue_token

    return await issue_token(member, "session")
