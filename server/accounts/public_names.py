"""How a member is named to other members: masked, never an e-mail.

Referrers see who they referred and shoppers see who wrote a review, but neither may learn
another member's full name or address. Latin names keep the first name and the initial of
the last ("Li Wei" → "Li W."); Chinese names keep only the surname ("王小明" → "王*"),
because the given name is what identifies a person there.
"""

from __future__ import annotations

import unicodedata
from typing import Any

ANONYMOUS = "Member"
FORMER_MEMBER = "Former member"  # the name of a deleted account, wherever its reviews or referrals show


def _is_cjk(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK ", "HANGUL ", "HIRAGANA ", "KATAKANA "))


def masked_name(display_name: str) -> str:
    """The display name with everything but a first name (or surname) and an initial hidden."""
    words = [w for w in display_name.split() if "@" not in w]
    if not words:
        return ANONYMOUS
    joined = "".join(words)
    if any(_is_cjk(ch) for ch in joined):
        return f"{joined[0]}*"
    if len(words) == 1:
        # A single word may be a handle or a full name run together: only its initial is shown.
        return f"{words[0][0]}."
    return f"{words[0]} {words[-1][0]}."


def public_name(member: Any) -> str:
    """How ``member`` (a Member row) is named to others: masked, or "Former member" once deleted."""
    if getattr(member, "erased_at", None) is not None:
        return FORMER_MEMBER
    return masked_name(member.display_name)
