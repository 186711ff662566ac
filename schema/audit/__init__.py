"""The staff audit trail in the API (reads only: entries are written by the services that change things)."""
