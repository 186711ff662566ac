"""Deleting one's own account (contract v2). The data download is a portal page, not a field."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.accounts.schema import LogOutPayload
from schema.errors import attempt
from schema.permissions import require_member
from server.accounts import data_rights


@strawberry.type
class DataRightsMutation:
    @strawberry.mutation(
        description="Member: delete the account (password confirms). Personal data is erased at once; the ledger "
        "keeps anonymous totals; every token and session ends."
    )
    async def delete_my_account(
        self,
        info: Info,
        password: Annotated[str, strawberry.argument(description="The member's password, confirming the deletion.")],
    ) -> LogOutPayload:
        async def action() -> LogOutPayload:
            viewer = require_member(info)
            await data_rights.delete_account(viewer.id, password)
            info.context.member = None
            return LogOutPayload(ok=True, user_errors=[])

        return await attempt(action, lambda errors: LogOutPayload(ok=False, user_errors=errors), info.context.locale)
