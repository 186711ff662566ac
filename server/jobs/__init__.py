"""Timed work: the scheduler that runs every domain's jobs."""
