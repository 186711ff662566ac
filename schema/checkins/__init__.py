"""GraphQL adapter for daily check-ins."""
