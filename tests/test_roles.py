"""Analysts read the back office; only staff change anything, in the domain as well as the API."""

from __future__ import annotations

import pytest

from server.accounts import roles, set_role
from server.core.errors import DomainError, ErrorCode
from server.models import Role
from server.points import adjustments
from tests.points_support import ADJUST_POINTS, new_member
from tests.support import Api, Caller
from tests.test_cli import patron

MEMBER_BY_EMAIL = "query Find($email: String!) { memberByEmail(email: $email) { email points { balance } } }"


async def analyst(api: Api) -> Caller:
    caller = await api.member(displayName="Ana Lyst")
    await set_role(caller.email or "", Role.ANALYST)
    return caller


async def test_an_analyst_reads_members_but_an_adjustment_is_refused_in_api_and_domain(api: Api) -> None:
    reader = await analyst(api)
    member = await api.member()

    found = await api.run(MEMBER_BY_EMAIL, {"email": member.email}, reader)
    assert found["memberByEmail"] == {"email": member.email, "points": {"balance": 0}}

    refused = await api.run(
        ADJUST_POINTS, {"memberId": member.member_id, "delta": 50, "reason": "goodwill", "key": "k-1"}, reader
    )
    assert refused["adjustPoints"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert refused["adjustPoints"]["entry"] is None

    row = await new_member()
    row.role = Role.ANALYST
    with pytest.raises(DomainError) as refusal:
        await adjustments.adjust_points(row, row.id, 10, "self-service", "k-2")
    assert refusal.value.code is ErrorCode.FORBIDDEN and "read-only" in refusal.value.message


async def test_members_are_neither_readers_nor_actors() -> None:
    member, staff, reader = await new_member(), await new_member(), await new_member()
    staff.role, reader.role = Role.STAFF, Role.ANALYST
    assert [roles.can_read(m) for m in (member, staff, reader, None)] == [False, True, True, False]
    assert [roles.can_act(m) for m in (member, staff, reader, None)] == [False, True, False, False]
    with pytest.raises(DomainError):
        roles.require_reader(member)


async def test_the_cli_grants_the_analyst_role(api: Api, database_url: str) -> None:
    caller = await api.member("reader@example.com")
    granted = await patron("staff", "grant", "reader@example.com", "--role", "analyst")
    assert granted.code == 0, granted.err
    assert "reader@example.com is now an analyst." in granted.out
    assert (await api.run("{ viewer { role } }", caller=caller)) == {"viewer": {"role": "ANALYST"}}
    wrong = await patron("staff", "grant", "reader@example.com", "--role", "boss")
    assert wrong.code == 1 and "--role must be staff or analyst" in wrong.err
