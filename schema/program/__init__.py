"""GraphQL adapter for the program domain."""
