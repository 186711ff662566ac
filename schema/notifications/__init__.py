"""GraphQL adapter for the notifications domain."""
