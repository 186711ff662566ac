"""GraphQL adapter for the accounts domain."""
