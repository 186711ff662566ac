"""The staff audit trail: ``audit.record(...)`` inside the transaction of every staff change."""

from server.audit.log import (  # noqa: F401  (the package's verbs)
    ACTIONS,
    Actor,
    AuditFilter,
    actors,
    changes,
    describe,
    entries,
    read_log,
    record,
)
