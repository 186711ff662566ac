"""Social features: daily check-ins, referrals and invites, reviews."""
