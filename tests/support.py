"""Small helpers the tests share: run a GraphQL document over HTTP, make members and partners."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import httpx

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    token
    member { id email displayName tier { code } points { balance } }
    userErrors { field code message }
  }
}
"""

RECORD_PURCHASE = """
mutation Record($input: PurchaseInput!) {
  recordPurchase(input: $input) {
    pointsEarned
    replayed
    member { email points { balance } tier { code } }
    userErrors { field code message }
  }
}
"""

_counter = itertools.count(1)


@dataclass
class Caller:
    """Headers identifying one caller: a member's bearer token or a partner's key."""

    headers: dict[str, str]
    email: str | None = None
    member_id: str | None = None


class Api:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, caller: Caller | None = None
    ) -> httpx.Response:
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=caller.headers if caller else {}
        )

    async def run_escaped(
        self, query: str, variables: dict[str, Any] | None = None, caller: Caller | None = None
    ) -> dict:
        """Like ``run``, but the body is ASCII JSON with \\u escapes, so that variables may carry
        text a client can send but UTF-8 cannot encode (lone surrogates such as "\\ud800")."""
        body = json.dumps({"query": query, "variables": variables or {}})
        headers = {"content-type": "application/json", **(caller.headers if caller else {})}
        response = await self.http.post("/graphql", content=body, headers=headers)
        assert response.status_code == 200, response.text
        assert not response.json().get("errors"), response.json()["errors"]
        return response.json()["data"]

    async def run(self, query: str, variables: dict[str, Any] | None = None, caller: Caller | None = None) -> dict:
        """Run a document and return ``data``, failing the test on any GraphQL error."""
        response = await self.raw(query, variables, caller)
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def member(self, email: str | None = None, password: str = "correct-horse-battery", **extra: Any) -> Caller:
        email = email or f"member{next(_counter)}@example.com"
        data = await self.run(
            SIGN_UP,
            {
                "input": {
                    "email": email,
                    "password": password,
                    "displayName": extra.pop("displayName", "Li Wei"),
                    **extra,
                }
            },
        )
        payload = data["signUp"]
        assert payload["userErrors"] == [], payload["userErrors"]
        return Caller({"Authorization": f"Bearer {payload['token']}"}, email, payload["member"]["id"])

    async def partner(self, scopes: list[str] | None = None, name: str | None = None) -> Caller:
        from server.accounts.partners import create_partner

        _, key = await create_partner(
            name or f"Partner {next(_counter)}",
            scopes or ["purchases:write", "members:read", "referrals:write", "vouchers:write"],
        )
        return Caller({"X-Partner-Key": key})

    async def staff(self) -> Caller:
        from server.accounts import set_role
        from server.models import Role

        caller = await self.member(displayName="Staff Person")
        await set_role(caller.email or "", Role.STAFF)
        return caller

    async def purchase(
        self, partner: Caller, email: str, amount: str, order_id: str | None = None, **extra: Any
    ) -> dict:
        data = await self.run(
            RECORD_PURCHASE,
            {
                "input": {
                    "memberEmail": email,
                    "orderId": order_id or f"ORD-{next(_counter)}",
                    "amount": amount,
                    **extra,
                }
            },
            partner,
        )
        return data["recordPurchase"]
