"""GraphQL adapter for the points domain."""
