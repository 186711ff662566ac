"""Accounts: members and their credentials, tokens, public names, partners and their keys."""

from server.accounts.members import (  # noqa: F401  (the package's verbs)
    FORGET_FAILURES_AFTER,
    FREE_FAILURES,
    MAX_BACKOFF,
    MAX_PASSWORD,
    MIN_PASSWORD,
    TOKEN_LIFETIME,
    ProfileChange,
    SignUp,
    issue_token,
    log_in,
    log_out,
    member_for_token,
    revoke,
    set_role,
    sign_up,
    update_profile,
)
