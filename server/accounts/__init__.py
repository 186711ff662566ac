"""Accounts: members and their credentials, tokens, public names, partners and their keys."""

# messages (issue 13): passwords and addresses
from server.accounts.addresses import confirm_email, request_email_change, resend_confirmation  # noqa: F401, E402

# console (issue 10): the member directory and staff corrections
from server.accounts.corrections import correct_birthday, override_tier  # noqa: F401, E402
from server.accounts.directory import MemberFilter, MemberPage, iter_members, member_page  # noqa: F401, E402
from server.accounts.members import (  # noqa: F401  (the package's verbs)  # noqa: F401, E402
    FORGET_FAILURES_AFTER,
    FREE_FAILURES,
    MAX_BACKOFF,
    MAX_PASSWORD,
    MIN_PASSWORD,
    TOKEN_LIFETIME,
    ProfileChange,
    SignUp,
    check_password,
    issue_token,
    log_in,
    log_out,
    member_for_token,
    revoke,
    revoke_all,
    set_role,
    sign_up,
    update_profile,
)
from server.accounts.recovery import change_password, request_password_reset, reset_password  # noqa: F401, E402
from server.accounts.sessions import forget as forget_sessions  # noqa: F401, E402  (call wherever tokens die)
