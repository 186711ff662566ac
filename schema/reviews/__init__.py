"""GraphQL adapter for the reviews domain."""
