"""`patron demo` makes the console's staff member and analyst, and says how to log in."""

from __future__ import annotations

from server.demo import load_demo
from server.models import Member, Role
from tests.support import Api

LOG_IN = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { member { role } userErrors { code } } }"


async def test_the_demo_makes_a_staff_member_and_an_analyst_who_can_log_in(api: Api) -> None:
    first = await load_demo()
    again = await load_demo()
    for lines in (first, again):
        assert "Demo staff: staff@example.com / staff-password (console at /staff)" in lines
        assert "Demo analyst: analyst@example.com / analyst-password (console at /staff)" in lines
    assert (await Member.get(email="staff@example.com")).role is Role.STAFF
    for email, password, role in (("staff@example.com", "staff-password", "STAFF"),
                                  ("analyst@example.com", "analyst-password", "ANALYST")):
        answer = (await api.run(LOG_IN, {"e": email, "p": password}))["logIn"]
        assert answer == {"member": {"role": role}, "userErrors": []}
