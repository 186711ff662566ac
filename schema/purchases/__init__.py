"""GraphQL adapter for the purchases domain."""
