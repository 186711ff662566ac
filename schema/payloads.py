"""Payloads shared by several domains' mutations."""

from __future__ import annotations

import strawberry

from schema.errors import USER_ERRORS, UserError


@strawberry.type(description="The answer to a mutation that changes nothing the caller needs back.")
class OkPayload:
    ok: bool = strawberry.field(description="True when the request was accepted.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def ok() -> OkPayload:
    return OkPayload(ok=True, user_errors=[])


def refused(errors: list[UserError]) -> OkPayload:
    return OkPayload(ok=False, user_errors=errors)
