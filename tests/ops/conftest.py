"""Operations tests reuse the e-mail tests' SMTP server (password reset mail)."""

from tests.messages.conftest import smtp  # noqa: F401
