"""Every ORM model of Patron, gathered so that Tortoise discovers them as one app."""

from server.models.accounts import AuthToken, LoginThrottle, Member, Role
from server.models.audit import AuditEntry, StaffAdjustmentDay
from server.models.campaigns import Campaign, CampaignAward, CampaignStatus, CampaignTrigger
from server.models.care import (
    Survey,
    SurveyKind,
    SurveyStatus,
    Ticket,
    TicketCategory,
    TicketMessage,
    TicketStatus,
    TicketWait,
    Urgency,
)
from server.models.catalog import Benefit, Redemption, RedemptionStatus
from server.models.celebrations import CelebrationKind, CelebrationReward
from server.models.checkins import CheckIn
from server.models.insight import (
    InsightSnapshot,
    InsightWork,
    LifecycleStage,
    MemberInsight,
    RfmSegment,
    SegmentChange,
)
from server.models.jobs import JobState
from server.models.ledger import IdempotencyRecord, LedgerEntry, LedgerKind, PointsAllocation
from server.models.messages import AccountLink, LinkPurpose, MessageConsent
from server.models.notifications import Notification
from server.models.outbox import OutboxMessage, OutboxStatus
from server.models.partners import Partner, Purchase, PurchaseSubject
from server.models.ratelimit import RateLimitWindow
from server.models.referrals import Referral, ReferralInvite, ReferralStatus
from server.models.reviews import Review, ReviewStatus, ReviewVote
from server.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType

__all__ = [
    "AuditEntry",
    "Campaign",
    "CampaignAward",
    "CampaignStatus",
    "CampaignTrigger",
    "AuthToken",
    "Benefit",
    "CelebrationKind",
    "CelebrationReward",
    "CheckIn",
    "IdempotencyRecord",
    "LedgerEntry",
    "LedgerKind",
    "LoginThrottle",
    "Member",
    "Notification",
    "Partner",
    "PointsAllocation",
    "Purchase",
    "PurchaseSubject",
    "Redemption",
    "RedemptionStatus",
    "Referral",
    "ReferralInvite",
    "ReferralStatus",
    "Review",
    "ReviewStatus",
    "StaffAdjustmentDay",
    "ReviewVote",
    "Role",
    "JobState",
    "LifecycleStage",
    "MemberInsight",
    "OutboxMessage",
    "OutboxStatus",
    "RfmSegment",
    "InsightSnapshot",
    "InsightWork",
    "SegmentChange",
    # care
    "Survey",
    "SurveyKind",
    "SurveyStatus",
    "Ticket",
    "TicketCategory",
    "TicketMessage",
    "TicketStatus",
    "TicketWait",
    "Urgency",
    # messages (issue 13)
    "AccountLink",
    "LinkPurpose",
    "MessageConsent",
    "RateLimitWindow",
    # partner webhooks (issue 12)
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventType",
]
