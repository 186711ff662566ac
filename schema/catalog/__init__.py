"""GraphQL adapter for the catalog domain."""
