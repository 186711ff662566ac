"""The core every domain stands on: settings, database, clock, errors, input checks, idempotency."""
