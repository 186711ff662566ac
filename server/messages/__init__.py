"""Messages to members: the notifications inbox (and, with wave 2, the outbox and e-mail)."""
