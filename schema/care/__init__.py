"""Care tickets, surveys, the staff queue and the first-response report."""
