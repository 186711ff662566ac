"""GraphQL adapter for the referrals domain."""
