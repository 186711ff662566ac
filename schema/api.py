"""The schema: every domain's Query and Mutation merged, with limits and error masking.

Extensions are passed as classes or factories so each request gets fresh instances and no
state is shared between callers.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import Info

from schema.accounts import types as account_types
from schema.accounts.corrections import CorrectionMutation
from schema.accounts.data_rights import DataRightsMutation
from schema.accounts.directory import DirectoryQuery
from schema.accounts.recovery import RecoveryMutation
from schema.accounts.schema import AccountMutation, AccountQuery
from schema.audit.schema import AuditQuery
from schema.campaigns import types as campaign_types
from schema.campaigns.schema import CampaignMutation, CampaignQuery
from schema.care import types as care_types
from schema.care.schema import CareMutation, CareQuery
from schema.catalog import types as catalog_types
from schema.catalog.schema import CatalogMutation, CatalogQuery
from schema.checkins.types import CheckInMutation
from schema.console.schema import ConsoleQuery
from schema.insight import dataloaders as _insight_loaders  # noqa: F401  (registers loaders)
from schema.insight.kpis import KpiQuery
from schema.insight.schema import InsightQuery
from schema.messages import localise_graphql_error
from schema.notifications import types as notification_types
from schema.notifications.preferences import PreferencesMutation
from schema.notifications.schema import NotificationMutation
from schema.points import dataloaders as _points_loaders  # noqa: F401  (registers loaders)
from schema.points import types as points_types
from schema.points.schema import PointsMutation, row_id
from schema.program import types as program_types
from schema.program.types import ProgramQuery
from schema.purchases.schema import PurchaseMutation
from schema.referrals import types as referral_types
from schema.referrals.schema import ReferralMutation
from schema.reviews import types as review_types
from schema.reviews.schema import ReviewMutation, ReviewQuery
from schema.scalars import SCALAR_MAP
from schema.validation_cache import QueryTextValidationCache
from schema.webhooks import types as webhook_types
from schema.webhooks.schema import WebhookMutation, WebhookQuery

log = logging.getLogger("patron.graphql")

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000

NODE_TYPES: dict[str, type[relay.Node]] = {
    "Member": account_types.Member,
    "Tier": program_types.Tier,
    "LedgerEntry": points_types.LedgerEntry,
    "Benefit": catalog_types.Benefit,
    "Redemption": catalog_types.Redemption,
    "Referral": referral_types.Referral,
    "Review": review_types.Review,
    "Notification": notification_types.Notification,
    "Ticket": care_types.Ticket,
    "Survey": care_types.Survey,
    "Campaign": campaign_types.Campaign,
    "WebhookEndpoint": webhook_types.WebhookEndpoint,
}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id, if the caller may see it (null otherwise).")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id this API returned.")],
    ) -> relay.Node | None:
        try:
            gid = relay.GlobalID.from_id(id)
        except Exception:
            return None
        node_type = NODE_TYPES.get(gid.type_name)
        if node_type is None:
            return None
        if node_type is not program_types.Tier:  # tiers are keyed by code, every other node by row id
            try:
                row_id(gid.type_name, gid.node_id)
            except ValueError:
                return None
        result = node_type.resolve_nodes(info=info, node_ids=[gid.node_id], required=False)
        if hasattr(result, "__await__"):
            result = await result
        return list(result)[0]


Query = merge_types(
    "Query",
    (
        NodeQuery, AccountQuery, DirectoryQuery, ProgramQuery, CatalogQuery, ReviewQuery, CareQuery, CampaignQuery,
        AuditQuery, ConsoleQuery, KpiQuery, WebhookQuery, InsightQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutation,
        CheckInMutation,
        CatalogMutation,
        ReviewMutation,
        PurchaseMutation,
        ReferralMutation,
        PointsMutation,
        CorrectionMutation,
        NotificationMutation,
        CareMutation,
        # messages (issue 13)
        RecoveryMutation,
        PreferencesMutation,
        # programme engine (issue 15)
        CampaignMutation,
        # partner webhooks (issue 12)
        WebhookMutation,
        # operations (issue 12): member data rights
        DataRightsMutation,
    ),
)
Query.__strawberry_definition__.description = (  # type: ignore[attr-defined]
    "What a caller may read. Fields a caller may not see answer null or an empty list, never someone else's data."
)
Mutation.__strawberry_definition__.description = (  # type: ignore[attr-defined]
    "What a caller may change. A refusal is a userError with a code in the payload, never a half-applied change; "
    "an id of another member's object answers NOT_FOUND, like a missing one. A mutation whose only credential is "
    "the portal's session cookie needs the session's CSRF token in X-CSRF-Token and is refused (HTTP 403) when "
    "Origin or Sec-Fetch-Site names another site; bearer tokens and partner keys need neither."
)


def _should_mask(error: GraphQLError) -> bool:
    """Mask unexpected exceptions (logged with the request id); keep GraphQL's own messages."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class LoggedMaskErrors(MaskErrors):
    def on_operation(self):  # type: ignore[override]
        yield
        result = self.execution_context.result
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "-")
        for error in getattr(result, "errors", None) or []:
            if _should_mask(error):
                log.error("request %s failed", request_id, exc_info=error.original_error)
        if result is not None and result.errors:
            result.errors = [
                GraphQLError(f"Unexpected error (request {request_id}).", nodes=e.nodes, path=e.path)
                if _should_mask(e)
                else e
                for e in result.errors
            ]


_SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)


class PatronSchema(strawberry.Schema):
    """Client mistakes are logged as one short line; unexpected errors by LoggedMaskErrors.

    In production every "Did you mean ...?" hint is cut (strawberry's own switch only covers
    unknown fields; unknown arguments, input fields, enum values and types would still leak).
    """

    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:  # type: ignore[override]
        context = getattr(execution_context, "context", None)
        request_id = getattr(context, "request_id", "-")
        for error in errors:
            if self.config.disable_field_suggestions:
                error.message = _SUGGESTION.sub("", error.message)
            localise_graphql_error(error, getattr(context, "locale", "en"))
            if not _should_mask(error):
                log.info("request %s refused: %s", request_id, error.message[:200].replace("\n", " "))


# The depth and alias rules are made once. ValidationCache keys on the rule classes, and
# strawberry's limiter extensions build a new class per instance: a fresh QueryDepthLimiter per
# request would miss the cache every time (measured: a third of a dashboard request's time).
LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)


def build_schema(*, production: bool = False) -> strawberry.Schema:
    extensions: list = [
        functools.partial(AddValidationRules, list(LIMIT_RULES)),
        functools.partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        functools.partial(ParserCache, maxsize=512),
        QueryTextValidationCache,  # strawberry's ValidationCache, keyed by the text (see the module)
        LoggedMaskErrors,
    ]
    if production:
        extensions.append(DisableIntrospection)
    return PatronSchema(
        query=Query,
        mutation=Mutation,
        types=list(NODE_TYPES.values()),
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production, scalar_map=SCALAR_MAP),
    )


@functools.lru_cache(maxsize=2)
def get_schema(production: bool = False) -> strawberry.Schema:
    return build_schema(production=production)


def export_sdl() -> str:
    return get_schema().as_str() + "\n"
