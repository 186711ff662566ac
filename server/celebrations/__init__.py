"""Birthdays and membership anniversaries: a yearly reward and a greeting, on the member's own day.

Verbs: :func:`reward_birthdays` and :func:`reward_anniversaries` (the nightly jobs, see
``server.celebrations.jobs``), :func:`occurrence` (when a yearly date falls in a given year).
"""

from server.celebrations.rewards import reward_anniversaries, reward_birthdays  # noqa: F401
from server.celebrations.yearly import occurrence  # noqa: F401
