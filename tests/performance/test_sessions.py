"""The token cache never shows a member stale data, and dies with the token."""

from __future__ import annotations

from datetime import timedelta

from server.accounts import forget_sessions, sessions, set_role
from server.accounts.tokens import digest
from server.core import clock
from server.models import AuthToken, Role
from tests.support import Api

VIEWER = "{ viewer { displayName role points { balance } } }"
LOG_OUT = "mutation { logOut { ok userErrors { code } } }"


async def test_a_logged_out_token_is_refused_at_once_though_it_was_just_used(api: Api) -> None:
    member = await api.member()
    assert (await api.run(VIEWER, caller=member))["viewer"] is not None  # now cached
    assert (await api.run(LOG_OUT, caller=member))["logOut"]["ok"] is True

    assert (await api.run(VIEWER, caller=member))["viewer"] is None


async def test_balance_role_and_name_are_read_fresh_on_every_request(api: Api) -> None:
    partner = await api.partner()
    member = await api.member(displayName="Before")
    first = (await api.run(VIEWER, caller=member))["viewer"]
    assert first == {"displayName": "Before", "role": "MEMBER", "points": {"balance": 0}}

    await api.purchase(partner, member.email, "250.00")
    await set_role(member.email, Role.STAFF)
    await api.run('mutation { updateProfile(input: {displayName: "After"}) { userErrors { code } } }', caller=member)

    assert (await api.run(VIEWER, caller=member))["viewer"] == {
        "displayName": "After", "role": "STAFF", "points": {"balance": 250},
    }


async def test_an_expired_token_is_refused_even_when_cached(api: Api) -> None:
    member = await api.member()
    assert (await api.run(VIEWER, caller=member))["viewer"] is not None
    with clock.travel(clock.now() + timedelta(days=31)):
        assert (await api.run(VIEWER, caller=member))["viewer"] is None


async def test_forget_sessions_drops_every_token_of_a_member_revoked_elsewhere(api: Api) -> None:
    """Another worker (or a password change) revoked the tokens in the database: forgetting them here
    makes this process refuse them at once, not after the cache's few seconds."""
    member = await api.member()
    assert (await api.run(VIEWER, caller=member))["viewer"] is not None
    token = member.headers["Authorization"].removeprefix("Bearer ")
    row = await AuthToken.get(token_hash=digest(token))
    await AuthToken.filter(member_id=row.member_id).update(revoked_at=clock.now())

    forget_sessions(member_id=row.member_id)

    assert (await api.run(VIEWER, caller=member))["viewer"] is None


async def test_a_revocation_in_another_process_is_honoured_within_the_cache_lifetime(api: Api, monkeypatch) -> None:
    member = await api.member()
    assert (await api.run(VIEWER, caller=member))["viewer"] is not None
    token = member.headers["Authorization"].removeprefix("Bearer ")
    await AuthToken.filter(token_hash=digest(token)).update(revoked_at=clock.now())  # as another worker would

    now = sessions.time.monotonic()
    monkeypatch.setattr(sessions.time, "monotonic", lambda: now + sessions.TTL + 0.1)

    assert (await api.run(VIEWER, caller=member))["viewer"] is None


async def test_a_session_token_is_not_an_api_token(api: Api) -> None:
    """The cache is keyed by the token's digest, but a hit still checks the kind it was issued as."""
    from server.accounts import issue_token, member_for_token
    from server.models import Member

    member = await api.member()
    row = await Member.get(email=member.email)
    session = await issue_token(row, "session")
    assert await member_for_token(session, "session") is not None  # cached now
    assert await member_for_token(session, "api") is None
