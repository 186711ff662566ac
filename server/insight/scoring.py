"""The snapshot's rules as SQL expressions: R/F/M scores, the segment grid, lifecycle stage, churn risk.

Each function returns a fragment of SQL that runs unchanged on SQLite (≥ 3.25, window functions)
and PostgreSQL. Numbers computed by Python (as-of second, counts, programme settings) are written
into the text as literals: they are ints and Decimals this module formats itself, never input.

Scores (1–5, among members with a purchase in the window)
    Every member is ranked on each figure with ``RANK()`` (ties share the lowest place) and
    ``DENSE_RANK()`` (the how-many-th distinct value). With ``n`` purchasers and ``k`` distinct values:

    * ``k ≥ 5``: the quintile of the rank, ``1 + 5·(rank − 1) / n`` (integer division), capped at the
      dense rank. Tied members always share a score (a tie is never split across two quintiles),
      and the cap keeps a heavily tied bottom (say 60 % with one purchase) from pushing the next
      value straight to 4: the i-th distinct value scores at most i.
    * ``2 ≤ k < 5``: the distinct values are spread evenly over 1–5, ``1 + round(4·(dense − 1)/(k − 1))``:
      two values score 1 and 5, three 1, 3, 5, four 1, 2, 4, 5 — a small programme still has
      a top and a bottom.
    * ``k = 1``: everyone bought alike; all score 3 (the middle: neither good nor bad).

    R ranks fewer days since the last purchase higher; F counts purchases; M sums their net amount.

The R × F/M grid (FM = (F + M) / 2, in halves; ``s = F + M`` keeps it in whole numbers)

    ======  ==================  ==================  ==================  ==================
    R       FM ≥ 4.5            FM 3.5–4            FM 2–3              FM < 2
    ======  ==================  ==================  ==================  ==================
    5       CHAMPIONS           LOYAL               POTENTIAL_LOYALISTS NEW_CUSTOMERS
    4       LOYAL               LOYAL               POTENTIAL_LOYALISTS PROMISING
    3       LOYAL               LOYAL               NEED_ATTENTION (FM 2.5–3), ABOUT_TO_SLEEP (FM 2)
    1–2     CANNOT_LOSE (FM 5), AT_RISK (FM 3–4.5)  HIBERNATING (FM < 3)
    ======  ==================  ==================  ==================  ==================

    This is the usual R × F map (champions, loyal, potential loyalists, new, promising, need
    attention, about to sleep, at risk, cannot lose, hibernating) with F read as the F/M average.

Lifecycle stage (contract): NEW when joined ≤ 30 days ago and no purchase older than that; else
CHURNED without a purchase in the window; else by days since the last purchase: ACTIVE ≤ 90,
SLEEPING 91–180, AT_RISK 181–365. Days are whole days (floor) before the snapshot's moment, and
the window is "at most 365 whole days ago", so CHURNED is exactly "no purchase in the window"
and the stage never disagrees with NO_PURCHASES.

Churn risk: ``x = days since the last purchase / the member's rhythm``, where the rhythm is the
mean gap between their purchases in the window (at least one day), or the programme's median
gap for one-purchase members; ``risk = x² / (x² + 4)``. Just bought: 0; one rhythm overdue:
0.2; two rhythms: 0.5 (a purchase that late is as likely not to come at all); four: 0.8;
approaching 1 beyond. Members with no purchase in the window score 1 (lapsed already).
"""

from __future__ import annotations

from decimal import Decimal

DAY = 86400
WINDOW_DAYS = 365
NEW_DAYS = 30
ACTIVE_DAYS = 90
SLEEPING_DAYS = 180
DEFAULT_GAP_DAYS = 90  # the rhythm when nobody in the programme has bought twice yet


def epoch(column: str, sqlite: bool) -> str:
    """Whole Unix seconds of a stored time (exact integer arithmetic from here on)."""
    if sqlite:
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def cents(expression: str) -> str:
    """An amount (SQLite keeps decimals as text; arithmetic reads them as numbers) in whole cents."""
    return f"CAST(ROUND(({expression}) * 100) AS BIGINT)"


def decimal_of_cents(column: str, sqlite: bool) -> str:
    """Whole cents back to the decimal column's form, exactly (text on SQLite, numeric on PostgreSQL)."""
    if sqlite:
        return f"printf('%d.%02d', {column} / 100, {column} % 100)"
    return f"CAST({column} AS NUMERIC(18, 2)) / 100"


def least(a: str, b: str, sqlite: bool) -> str:
    return f"MIN({a}, {b})" if sqlite else f"LEAST({a}, {b})"


def greatest(a: str, b: str, sqlite: bool) -> str:
    return f"MAX({a}, {b})" if sqlite else f"GREATEST({a}, {b})"


def score(rank: str, dense: str, purchasers: int, distinct: int, sqlite: bool) -> str:
    """A 1–5 score from a member's rank and dense rank (see the module's notes)."""
    if distinct <= 1:
        return "3"
    if distinct < 5:
        span = distinct - 1
        return f"(1 + (8 * ({dense} - 1) + {span}) / {2 * span})"
    return least(f"1 + 5 * ({rank} - 1) / {purchasers}", dense, sqlite)


def segment(r: str, fm_sum: str) -> str:
    """The R × F/M grid; ``fm_sum`` is F + M (2–10)."""
    return f"""CASE
        WHEN {r} = 5 AND {fm_sum} >= 9 THEN 'CHAMPIONS'
        WHEN {r} = 5 AND {fm_sum} >= 7 THEN 'LOYAL'
        WHEN {r} = 5 AND {fm_sum} >= 4 THEN 'POTENTIAL_LOYALISTS'
        WHEN {r} = 5 THEN 'NEW_CUSTOMERS'
        WHEN {r} = 4 AND {fm_sum} >= 7 THEN 'LOYAL'
        WHEN {r} = 4 AND {fm_sum} >= 4 THEN 'POTENTIAL_LOYALISTS'
        WHEN {r} = 4 THEN 'PROMISING'
        WHEN {r} = 3 AND {fm_sum} >= 7 THEN 'LOYAL'
        WHEN {r} = 3 AND {fm_sum} >= 5 THEN 'NEED_ATTENTION'
        WHEN {r} = 3 THEN 'ABOUT_TO_SLEEP'
        WHEN {fm_sum} >= 10 THEN 'CANNOT_LOSE'
        WHEN {fm_sum} >= 6 THEN 'AT_RISK'
        ELSE 'HIBERNATING' END"""


def stage(now_s: int, joined_s: str, first_ever_s: str, frequency: str, last_s: str) -> str:
    return f"""CASE
        WHEN ({now_s} - {joined_s}) / {DAY} <= {NEW_DAYS}
             AND ({first_ever_s} IS NULL OR ({now_s} - {first_ever_s}) / {DAY} <= {NEW_DAYS}) THEN 'NEW'
        WHEN {frequency} = 0 THEN 'CHURNED'
        WHEN ({now_s} - {last_s}) / {DAY} <= {ACTIVE_DAYS} THEN 'ACTIVE'
        WHEN ({now_s} - {last_s}) / {DAY} <= {SLEEPING_DAYS} THEN 'SLEEPING'
        ELSE 'AT_RISK' END"""


def churn_risk(now_s: int, median_gap_s: int, sqlite: bool) -> str:
    """Over ``insight_work``'s own columns (frequency, first_s, last_s), for purchasers."""
    own = greatest("(last_s - first_s) / (frequency - 1)", str(DAY), sqlite)
    gap = f"(CASE WHEN frequency >= 2 THEN {own} ELSE {max(median_gap_s, DAY)} END)"
    ratio = f"(CAST({now_s} - last_s AS DOUBLE PRECISION) / {gap})"
    return f"({ratio} * {ratio} / ({ratio} * {ratio} + 4))"


def lifetime_cents(
    now_s: int, money_cents: str, joined_s: str, first_s: str, lifespan: Decimal, margin: Decimal, sqlite: bool
) -> str:
    """Average order value × purchases a year × lifespan × margin, in cents.

    AOV × purchases a year is the window's spend scaled to a year of membership: a member who
    joined (or first bought) less than a year ago has their rate counted over the days since,
    at least 30 (a first week's purchase is not taken for a weekly habit).
    """
    since = least(joined_s, first_s, sqlite)
    days = least(greatest(f"({now_s} - {since}) / {float(DAY)}", "30.0", sqlite), f"{float(WINDOW_DAYS)}", sqlite)
    factor = f"{WINDOW_DAYS}.0 / {days} * {lifespan:f} * {margin:f}"
    return f"CAST(ROUND({money_cents} * {factor}) AS BIGINT)"
