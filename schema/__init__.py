"""Patron's GraphQL schema: thin strawberry adapters over the services in ``server``."""
