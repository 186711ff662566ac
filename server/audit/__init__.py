"""The staff audit trail: ``audit.record(...)`` inside the transaction of every staff change."""

from server.audit.log import ACTIONS, AuditFilter, entries, record  # noqa: F401  (the package's verbs)
