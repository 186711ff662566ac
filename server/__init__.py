"""Patron's core: configuration, database, models and the domain services over them.

Nothing in this package imports strawberry or starlette; the GraphQL schema and the portal
are thin adapters over the plain async functions defined here.
"""
